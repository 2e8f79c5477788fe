//! The `bookmarks` table: posts a teacher keeps for later, seen only by them.

use super::{schema::bookmarks, AccountId, StatusId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn add(conn: &mut AsyncPgConnection, account: AccountId, status: StatusId) -> QueryResult<()> {
    diesel::insert_into(bookmarks::table)
        .values((bookmarks::id.eq(super::new_id()), bookmarks::account_id.eq(account), bookmarks::status_id.eq(status)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn remove(conn: &mut AsyncPgConnection, account: AccountId, status: StatusId) -> QueryResult<()> {
    diesel::delete(bookmarks::table.filter(bookmarks::account_id.eq(account)).filter(bookmarks::status_id.eq(status)))
        .execute(conn)
        .await
        .map(|_| ())
}
