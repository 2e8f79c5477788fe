//! The `follows` and `blocks` tables.

use super::{
    schema::{accounts, blocks, follows},
    AccountId,
};
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = follows, check_for_backend(diesel::pg::Pg))]
pub struct Follow {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub uri: Option<String>,
    pub accepted: bool,
    pub created_at: DateTime<Utc>,
}

impl Follow {
    /// Records a follow (or follow request); an existing one keeps its row but takes
    /// the new activity id, since servers re-send Follow with fresh ids.
    pub async fn upsert(
        conn: &mut AsyncPgConnection,
        follower: AccountId,
        target: AccountId,
        uri: Option<&str>,
        accepted: bool,
    ) -> QueryResult<Follow> {
        diesel::insert_into(follows::table)
            .values((
                follows::id.eq(super::new_id()),
                follows::account_id.eq(follower),
                follows::target_account_id.eq(target),
                follows::uri.eq(uri),
                follows::accepted.eq(accepted),
            ))
            .on_conflict((follows::account_id, follows::target_account_id))
            .do_update()
            .set((follows::uri.eq(uri), follows::accepted.eq(diesel::dsl::sql::<diesel::sql_types::Bool>("follows.accepted OR excluded.accepted"))))
            .returning(Follow::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find(conn: &mut AsyncPgConnection, follower: AccountId, target: AccountId) -> QueryResult<Option<Follow>> {
        follows::table
            .filter(follows::account_id.eq(follower))
            .filter(follows::target_account_id.eq(target))
            .select(Follow::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn find_by_uri(conn: &mut AsyncPgConnection, uri: &str) -> QueryResult<Option<Follow>> {
        follows::table.filter(follows::uri.eq(uri)).select(Follow::as_select()).first(conn).await.optional()
    }

    /// Marks a follow accepted; 0 when it already was (or is gone).
    pub async fn accept(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize> {
        diesel::update(follows::table.find(id).filter(follows::accepted.eq(false))).set(follows::accepted.eq(true)).execute(conn).await
    }

    pub async fn delete(conn: &mut AsyncPgConnection, follower: AccountId, target: AccountId) -> QueryResult<Option<Follow>> {
        diesel::delete(follows::table.filter(follows::account_id.eq(follower)).filter(follows::target_account_id.eq(target)))
            .returning(Follow::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    /// Inboxes to deliver a local account's posts to: one per remote server (its
    /// shared inbox, else each follower's own).
    pub async fn follower_inboxes(conn: &mut AsyncPgConnection, target: AccountId) -> QueryResult<Vec<String>> {
        follows::table
            .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
            .filter(follows::target_account_id.eq(target))
            .filter(follows::accepted.eq(true))
            .filter(accounts::domain.is_not_null())
            .select(diesel::dsl::sql::<diesel::sql_types::Text>("COALESCE(accounts.shared_inbox_url, accounts.inbox_url)"))
            .distinct()
            .load::<String>(conn)
            .await
    }

    /// Whether any local account follows `target` (accepted): then its posts matter here.
    pub async fn has_local_follower(conn: &mut AsyncPgConnection, target: AccountId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            follows::table
                .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
                .filter(follows::target_account_id.eq(target))
                .filter(follows::accepted.eq(true))
                .filter(accounts::domain.is_null()),
        ))
        .get_result(conn)
        .await
    }

    /// Follow requests waiting for `target`'s answer.
    pub async fn count_requests(conn: &mut AsyncPgConnection, target: AccountId) -> QueryResult<i64> {
        follows::table.filter(follows::target_account_id.eq(target)).filter(follows::accepted.eq(false)).select(count_star()).get_result(conn).await
    }
}

pub struct Block;

impl Block {
    pub async fn insert(conn: &mut AsyncPgConnection, account: AccountId, target: AccountId, uri: Option<&str>) -> QueryResult<i64> {
        let id = super::new_id();
        diesel::insert_into(blocks::table)
            .values((blocks::id.eq(id), blocks::account_id.eq(account), blocks::target_account_id.eq(target), blocks::uri.eq(uri)))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(id)
    }

    pub async fn exists(conn: &mut AsyncPgConnection, account: AccountId, target: AccountId) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            blocks::table.filter(blocks::account_id.eq(account)).filter(blocks::target_account_id.eq(target)),
        ))
        .get_result(conn)
        .await
    }

    pub async fn delete(conn: &mut AsyncPgConnection, account: AccountId, target: AccountId) -> QueryResult<usize> {
        diesel::delete(blocks::table.filter(blocks::account_id.eq(account)).filter(blocks::target_account_id.eq(target)))
            .execute(conn)
            .await
    }
}
