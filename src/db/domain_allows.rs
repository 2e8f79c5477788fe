//! The `domain_allows` table: the partner servers of allowlist mode.

use super::schema::domain_allows;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn insert(conn: &mut AsyncPgConnection, domain: &str) -> QueryResult<bool> {
    let n = diesel::insert_into(domain_allows::table).values(domain_allows::domain.eq(domain)).on_conflict_do_nothing().execute(conn).await?;
    Ok(n == 1)
}

pub async fn delete(conn: &mut AsyncPgConnection, domain: &str) -> QueryResult<bool> {
    Ok(diesel::delete(domain_allows::table.find(domain)).execute(conn).await? > 0)
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, DateTime<Utc>)>> {
    domain_allows::table.order(domain_allows::domain).select((domain_allows::domain, domain_allows::created_at)).load(conn).await
}
