//! The `bookmarks` table: posts a teacher keeps for later, seen only by them.

use super::{schema::bookmarks, AccountId, StatusId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn add(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    status: StatusId,
) -> QueryResult<()> {
    diesel::insert_into(bookmarks::table)
        .values((
            bookmarks::id.eq(super::new_id()),
            bookmarks::account_id.eq(account),
            bookmarks::status_id.eq(status),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn remove(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    status: StatusId,
) -> QueryResult<()> {
    diesel::delete(
        bookmarks::table
            .filter(bookmarks::account_id.eq(account))
            .filter(bookmarks::status_id.eq(status)),
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// A teacher's bookmarked posts with their authors, oldest first: the export of
/// bookmarks. At most `limit`; deleted posts are left out.
pub async fn for_export(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    limit: i64,
) -> QueryResult<Vec<(super::statuses::Status, super::accounts::Account)>> {
    use super::schema::{accounts, statuses};
    bookmarks::table
        .inner_join(statuses::table.on(statuses::id.eq(bookmarks::status_id)))
        .inner_join(accounts::table.on(accounts::id.eq(statuses::account_id)))
        .filter(bookmarks::account_id.eq(account))
        .filter(statuses::deleted_at.is_null())
        .select((
            super::statuses::Status::as_select(),
            super::accounts::Account::as_select(),
        ))
        .order(bookmarks::id.asc())
        .limit(limit)
        .load(conn)
        .await
}
