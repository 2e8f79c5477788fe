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

#[derive(QueryableByName)]
struct FollowRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    account_id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    target_account_id: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    uri: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    accepted: bool,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    created_at: DateTime<Utc>,
}

impl From<FollowRow> for Follow {
    fn from(r: FollowRow) -> Follow {
        Follow {
            id: r.id,
            account_id: AccountId(r.account_id),
            target_account_id: AccountId(r.target_account_id),
            uri: r.uri,
            accepted: r.accepted,
            created_at: r.created_at,
        }
    }
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
            .set((
                follows::uri.eq(uri),
                follows::accepted.eq(diesel::dsl::sql::<diesel::sql_types::Bool>(
                    "follows.accepted OR excluded.accepted",
                )),
            ))
            .returning(Follow::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find(
        conn: &mut AsyncPgConnection,
        follower: AccountId,
        target: AccountId,
    ) -> QueryResult<Option<Follow>> {
        follows::table
            .filter(follows::account_id.eq(follower))
            .filter(follows::target_account_id.eq(target))
            .select(Follow::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn find_by_uri(
        conn: &mut AsyncPgConnection,
        uri: &str,
    ) -> QueryResult<Option<Follow>> {
        follows::table
            .filter(follows::uri.eq(uri))
            .select(Follow::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Marks a follow accepted; 0 when it already was (or is gone).
    pub async fn accept(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize> {
        diesel::update(follows::table.find(id).filter(follows::accepted.eq(false)))
            .set((
                follows::accepted.eq(true),
                follows::resend_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await
    }

    /// Our Follow `id` is sent again at `at` unless answered by then; counting restarts.
    pub async fn schedule_resend(
        conn: &mut AsyncPgConnection,
        id: i64,
        at: DateTime<Utc>,
    ) -> QueryResult<usize> {
        diesel::update(follows::table.find(id).filter(follows::accepted.eq(false)))
            .set((follows::resend_count.eq(0), follows::resend_at.eq(Some(at))))
            .execute(conn)
            .await
    }

    /// Takes up to `limit` unanswered follows due to be sent again, counting this
    /// sending and setting the next (none after `delays` runs out). Rows another
    /// process is taking are skipped, so each is sent once however many run.
    pub async fn take_resends(
        conn: &mut AsyncPgConnection,
        limit: i64,
        delays_secs: &[i64],
    ) -> QueryResult<Vec<Follow>> {
        use diesel::sql_types::{Array, BigInt};
        diesel::sql_query(
            "UPDATE follows SET resend_count = resend_count + 1,
                    resend_at = CASE WHEN resend_count + 1 < cardinality($2::bigint[])
                                     THEN now() + make_interval(secs => ($2::bigint[])[resend_count + 2])
                                END
             WHERE id IN (SELECT id FROM follows WHERE resend_at <= now() AND NOT accepted
                          ORDER BY resend_at LIMIT $1 FOR UPDATE SKIP LOCKED)
             RETURNING id, account_id, target_account_id, uri, accepted, created_at",
        )
        .bind::<BigInt, _>(limit)
        .bind::<Array<BigInt>, _>(delays_secs)
        .load::<FollowRow>(conn)
        .await
        .map(|rows| rows.into_iter().map(Follow::from).collect())
    }

    pub async fn delete(
        conn: &mut AsyncPgConnection,
        follower: AccountId,
        target: AccountId,
    ) -> QueryResult<Option<Follow>> {
        diesel::delete(
            follows::table
                .filter(follows::account_id.eq(follower))
                .filter(follows::target_account_id.eq(target)),
        )
        .returning(Follow::as_returning())
        .get_result(conn)
        .await
        .optional()
    }

    /// Inboxes to deliver a local account's posts to: one per remote server (its
    /// shared inbox, else each follower's own).
    pub async fn follower_inboxes(
        conn: &mut AsyncPgConnection,
        target: AccountId,
    ) -> QueryResult<Vec<String>> {
        follows::table
            .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
            .filter(follows::target_account_id.eq(target))
            .filter(follows::accepted.eq(true))
            .filter(accounts::domain.is_not_null())
            .select(diesel::dsl::sql::<diesel::sql_types::Text>(
                "COALESCE(accounts.shared_inbox_url, accounts.inbox_url)",
            ))
            .distinct()
            .load::<String>(conn)
            .await
    }

    /// Whether any local account follows `target` (accepted): then its posts matter here.
    pub async fn has_local_follower(
        conn: &mut AsyncPgConnection,
        target: AccountId,
    ) -> QueryResult<bool> {
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
    pub async fn count_requests(
        conn: &mut AsyncPgConnection,
        target: AccountId,
    ) -> QueryResult<i64> {
        follows::table
            .filter(follows::target_account_id.eq(target))
            .filter(follows::accepted.eq(false))
            .select(count_star())
            .get_result(conn)
            .await
    }
}

pub struct Block;

impl Block {
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        target: AccountId,
        uri: Option<&str>,
    ) -> QueryResult<i64> {
        let id = super::new_id();
        diesel::insert_into(blocks::table)
            .values((
                blocks::id.eq(id),
                blocks::account_id.eq(account),
                blocks::target_account_id.eq(target),
                blocks::uri.eq(uri),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(id)
    }

    pub async fn exists(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        target: AccountId,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            blocks::table
                .filter(blocks::account_id.eq(account))
                .filter(blocks::target_account_id.eq(target)),
        ))
        .get_result(conn)
        .await
    }

    pub async fn delete(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        target: AccountId,
    ) -> QueryResult<usize> {
        diesel::delete(
            blocks::table
                .filter(blocks::account_id.eq(account))
                .filter(blocks::target_account_id.eq(target)),
        )
        .execute(conn)
        .await
    }
}
