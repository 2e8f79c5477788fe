//! The `domain_blocks` table.

use super::schema::domain_blocks;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn insert(conn: &mut AsyncPgConnection, domain: &str) -> QueryResult<bool> {
    let n = diesel::insert_into(domain_blocks::table)
        .values(domain_blocks::domain.eq(domain))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn delete(conn: &mut AsyncPgConnection, domain: &str) -> QueryResult<bool> {
    Ok(diesel::delete(domain_blocks::table.find(domain)).execute(conn).await? > 0)
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, DateTime<Utc>)>> {
    domain_blocks::table.order(domain_blocks::domain).select((domain_blocks::domain, domain_blocks::created_at)).load(conn).await
}
