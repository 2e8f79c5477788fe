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
    Ok(diesel::delete(domain_blocks::table.find(domain))
        .execute(conn)
        .await?
        > 0)
}

pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(String, DateTime<Utc>)>> {
    domain_blocks::table
        .order(domain_blocks::domain)
        .select((domain_blocks::domain, domain_blocks::created_at))
        .load(conn)
        .await
}

/// A block as the admin API shows it.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = domain_blocks, check_for_backend(diesel::pg::Pg))]
pub struct DomainBlock {
    pub id: i64,
    pub domain: String,
    pub created_at: DateTime<Utc>,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<DomainBlock>> {
    domain_blocks::table
        .filter(domain_blocks::id.eq(id))
        .select(DomainBlock::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_domain(
    conn: &mut AsyncPgConnection,
    domain: &str,
) -> QueryResult<Option<DomainBlock>> {
    domain_blocks::table
        .find(domain)
        .select(DomainBlock::as_select())
        .first(conn)
        .await
        .optional()
}

/// Newest first, a page before `max_id`.
pub async fn page(
    conn: &mut AsyncPgConnection,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<DomainBlock>> {
    let mut query = domain_blocks::table
        .select(DomainBlock::as_select())
        .order(domain_blocks::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(max) = max_id {
        query = query.filter(domain_blocks::id.lt(max));
    }
    query.load(conn).await
}

pub async fn set_comments(
    conn: &mut AsyncPgConnection,
    domain: &str,
    private_comment: Option<&str>,
    public_comment: Option<&str>,
) -> QueryResult<()> {
    diesel::update(domain_blocks::table.find(domain))
        .set((
            domain_blocks::private_comment.eq(private_comment),
            domain_blocks::public_comment.eq(public_comment),
        ))
        .execute(conn)
        .await
        .map(drop)
}
