//! The `domain_allows` table: the partner servers of allowlist mode.

use super::schema::domain_allows;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn insert(conn: &mut AsyncPgConnection, domain: &str) -> QueryResult<bool> {
    let n = diesel::insert_into(domain_allows::table)
        .values(domain_allows::domain.eq(domain))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn delete(conn: &mut AsyncPgConnection, domain: &str) -> QueryResult<bool> {
    Ok(diesel::delete(domain_allows::table.find(domain))
        .execute(conn)
        .await?
        > 0)
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, DateTime<Utc>)>> {
    domain_allows::table
        .order(domain_allows::domain)
        .select((domain_allows::domain, domain_allows::created_at))
        .load(conn)
        .await
}

/// (id, domain, created_at) of an allow, by id.
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<(i64, String, DateTime<Utc>)>> {
    domain_allows::table
        .filter(domain_allows::id.eq(id))
        .select((
            domain_allows::id,
            domain_allows::domain,
            domain_allows::created_at,
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_domain(
    conn: &mut AsyncPgConnection,
    domain: &str,
) -> QueryResult<Option<(i64, String, DateTime<Utc>)>> {
    domain_allows::table
        .find(domain)
        .select((
            domain_allows::id,
            domain_allows::domain,
            domain_allows::created_at,
        ))
        .first(conn)
        .await
        .optional()
}

/// Newest first, a page before `max_id`.
pub async fn page(
    conn: &mut AsyncPgConnection,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(i64, String, DateTime<Utc>)>> {
    let mut query = domain_allows::table
        .select((
            domain_allows::id,
            domain_allows::domain,
            domain_allows::created_at,
        ))
        .order(domain_allows::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(max) = max_id {
        query = query.filter(domain_allows::id.lt(max));
    }
    query.load(conn).await
}
