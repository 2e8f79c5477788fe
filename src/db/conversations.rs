//! The `conversations` table: a local account's direct posts grouped by who takes
//! part, kept by a trigger on `mentions` (migration 2026-12-02-163030_conversations).
//! Pages run by the newest post's id, as Mastodon's.

use super::{pagination::Page, schema::conversations, AccountId};
use crate::paginate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct Conversation {
    pub id: i64,
    pub account_id: AccountId,
    /// The others taking part (not the account itself), in order.
    pub participants: Vec<i64>,
    pub last_status_id: i64,
    pub unread: bool,
}

pub async fn page(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    page: Page,
) -> QueryResult<Vec<Conversation>> {
    let q = conversations::table
        .filter(conversations::account_id.eq(account))
        .select(Conversation::as_select())
        .into_boxed();
    Ok(page.finish(
        paginate!(q, conversations::last_status_id, page)
            .load(conn)
            .await?,
    ))
}

/// The conversations of `accounts` whose newest post is `status`.
pub async fn with_last(
    conn: &mut AsyncPgConnection,
    accounts: &[AccountId],
    status: super::StatusId,
) -> QueryResult<Vec<Conversation>> {
    conversations::table
        .filter(conversations::account_id.eq_any(accounts))
        .filter(conversations::last_status_id.eq(status.0))
        .select(Conversation::as_select())
        .load(conn)
        .await
}

/// Marks `account`'s conversation `id` read; the row, if it is theirs.
pub async fn mark_read(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    id: i64,
) -> QueryResult<Option<Conversation>> {
    diesel::update(
        conversations::table
            .filter(conversations::id.eq(id))
            .filter(conversations::account_id.eq(account)),
    )
    .set(conversations::unread.eq(false))
    .returning(Conversation::as_returning())
    .get_result(conn)
    .await
    .optional()
}

/// Removes `account`'s conversation `id` from its list (a new message brings it
/// back); whether there was one.
pub async fn remove(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    id: i64,
) -> QueryResult<bool> {
    let n = diesel::delete(
        conversations::table
            .filter(conversations::id.eq(id))
            .filter(conversations::account_id.eq(account)),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}
