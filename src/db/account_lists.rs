//! Lists of accounts a reader pages through: followers, following, who favourited
//! or boosted a post. Each row comes with the id it is paginated by (the follow's,
//! the favourite's, the boost's), as Mastodon's Link headers use.

use super::{
    accounts::Account,
    pagination::Page,
    schema::{accounts, favourites, follows, statuses},
    AccountId, StatusId,
};
use crate::paginate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn followers(
    conn: &mut AsyncPgConnection,
    target: AccountId,
    page: Page,
) -> QueryResult<Vec<(i64, Account)>> {
    let q = follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(target))
        .filter(follows::accepted.eq(true))
        .select((follows::id, Account::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, follows::id, page).load(conn).await?))
}

pub async fn following(
    conn: &mut AsyncPgConnection,
    follower: AccountId,
    page: Page,
) -> QueryResult<Vec<(i64, Account)>> {
    let q = follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(follower))
        .filter(follows::accepted.eq(true))
        .select((follows::id, Account::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, follows::id, page).load(conn).await?))
}

pub async fn favourited_by(
    conn: &mut AsyncPgConnection,
    status: StatusId,
    page: Page,
) -> QueryResult<Vec<(i64, Account)>> {
    let q = favourites::table
        .inner_join(accounts::table.on(accounts::id.eq(favourites::account_id)))
        .filter(favourites::status_id.eq(status))
        .select((favourites::id, Account::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, favourites::id, page).load(conn).await?))
}

pub async fn reblogged_by(
    conn: &mut AsyncPgConnection,
    status: StatusId,
    page: Page,
) -> QueryResult<Vec<(i64, Account)>> {
    let q = statuses::table
        .inner_join(accounts::table.on(accounts::id.eq(statuses::account_id)))
        .filter(statuses::reblog_of_id.eq(status))
        .filter(statuses::deleted_at.is_null())
        .select((statuses::id, Account::as_select()))
        .into_boxed();
    Ok(page
        .finish(
            paginate!(q, statuses::id, page)
                .load::<(StatusId, Account)>(conn)
                .await?,
        )
        .into_iter()
        .map(|(id, a)| (id.0, a))
        .collect())
}

/// Follower, following and post counts of many accounts in one query.
#[derive(QueryableByName, Debug, Clone, Default)]
pub struct AccountCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub followers: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub following: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub statuses: i64,
}

pub async fn counts(
    conn: &mut AsyncPgConnection,
    ids: &[AccountId],
) -> QueryResult<Vec<AccountCounts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Each count is one grouped scan for all the ids (`= ANY`), which reaches the
    // partial indexes of migration 2026-12-02-000041 for however many ids; counted
    // per id in subqueries, PostgreSQL scanned `follows` once per account whenever a
    // few readers owned most follows (4-5 ms for a page of 20 authors).
    super::prepared::Cached(diesel::sql_query(
        "SELECT a.id,
                COALESCE(fr.n, 0) AS followers,
                COALESCE(fg.n, 0) AS following,
                COALESCE(st.n, 0) AS statuses
         FROM unnest($1::bigint[]) AS a(id)
         LEFT JOIN (SELECT target_account_id AS id, count(*) AS n FROM follows
                    WHERE accepted AND target_account_id = ANY($1) GROUP BY target_account_id) fr ON fr.id = a.id
         LEFT JOIN (SELECT account_id AS id, count(*) AS n FROM follows
                    WHERE accepted AND account_id = ANY($1) GROUP BY account_id) fg ON fg.id = a.id
         LEFT JOIN (SELECT account_id AS id, count(*) AS n FROM statuses
                    WHERE visibility <= 1 AND deleted_at IS NULL AND account_id = ANY($1) GROUP BY account_id) st ON st.id = a.id",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(ids.iter().map(|i| i.0).collect::<Vec<_>>()))
    .load(conn)
    .await
}

/// Follow requests waiting for `target`'s answer.
pub async fn requesters(
    conn: &mut AsyncPgConnection,
    target: AccountId,
    page: Page,
) -> QueryResult<Vec<(i64, Account)>> {
    let q = follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(target))
        .filter(follows::accepted.eq(false))
        .select((follows::id, Account::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, follows::id, page).load(conn).await?))
}

/// Whether `follower` asked to hear of `target`'s new posts (Mastodon's `notify`).
pub async fn notifies(
    conn: &mut AsyncPgConnection,
    follower: AccountId,
    target: AccountId,
) -> QueryResult<bool> {
    follows::table
        .filter(follows::account_id.eq(follower))
        .filter(follows::target_account_id.eq(target))
        .select(follows::notify)
        .first(conn)
        .await
        .optional()
        .map(|n| n.unwrap_or(false))
}

pub async fn set_notify(
    conn: &mut AsyncPgConnection,
    follower: AccountId,
    target: AccountId,
    notify: bool,
) -> QueryResult<()> {
    diesel::update(
        follows::table
            .filter(follows::account_id.eq(follower))
            .filter(follows::target_account_id.eq(target)),
    )
    .set(follows::notify.eq(notify))
    .execute(conn)
    .await
    .map(|_| ())
}

/// Everyone `follower` follows (or asked to), with "notify me", oldest first:
/// the export of follows. At most `limit`.
pub async fn following_for_export(
    conn: &mut AsyncPgConnection,
    follower: AccountId,
    limit: i64,
) -> QueryResult<Vec<(Account, bool)>> {
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(follower))
        .select((Account::as_select(), follows::notify))
        .order(follows::id.asc())
        .limit(limit)
        .load(conn)
        .await
}
