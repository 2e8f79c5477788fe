//! What it takes to show a page of statuses, loaded for the whole page at once: a
//! fixed number of queries however long the page is.

use super::{
    accounts::Account,
    schema::{accounts, mentions, status_tags, statuses},
    statuses::Status,
    AccountId, StatusId,
};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Bool},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn statuses(conn: &mut AsyncPgConnection, ids: &[StatusId]) -> QueryResult<Vec<Status>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    statuses::table
        .filter(statuses::id.eq_any(ids))
        .select(Status::as_select())
        .load(conn)
        .await
}

pub async fn accounts(
    conn: &mut AsyncPgConnection,
    ids: &[AccountId],
) -> QueryResult<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    accounts::table
        .filter(accounts::id.eq_any(ids))
        .select(Account::as_select())
        .load(conn)
        .await
}

pub async fn mentioned(
    conn: &mut AsyncPgConnection,
    ids: &[StatusId],
) -> QueryResult<Vec<(StatusId, Account)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    mentions::table
        .inner_join(accounts::table.on(accounts::id.eq(mentions::account_id)))
        .filter(mentions::status_id.eq_any(ids))
        .select((mentions::status_id, Account::as_select()))
        .load::<(i64, Account)>(conn)
        .await
        .map(|rows| rows.into_iter().map(|(s, a)| (StatusId(s), a)).collect())
}

pub async fn tags(
    conn: &mut AsyncPgConnection,
    ids: &[StatusId],
) -> QueryResult<Vec<(StatusId, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    status_tags::table
        .filter(status_tags::status_id.eq_any(ids))
        .select((status_tags::status_id, status_tags::name))
        .order((status_tags::status_id, status_tags::name))
        .load::<(i64, String)>(conn)
        .await
        .map(|rows| rows.into_iter().map(|(s, t)| (StatusId(s), t)).collect())
}

/// Counts of a status, and what the viewer did with it.
#[derive(QueryableByName, Debug, Clone, Default)]
pub struct Counts {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub replies: i64,
    #[diesel(sql_type = BigInt)]
    pub favourites: i64,
    #[diesel(sql_type = BigInt)]
    pub reblogs: i64,
    #[diesel(sql_type = Bool)]
    pub favourited: bool,
    #[diesel(sql_type = Bool)]
    pub reblogged: bool,
    #[diesel(sql_type = Bool)]
    pub bookmarked: bool,
    /// Pinned by its author (only authors pin their posts).
    #[diesel(sql_type = Bool)]
    pub pinned: bool,
}

pub async fn counts(
    conn: &mut AsyncPgConnection,
    ids: &[StatusId],
    viewer: Option<AccountId>,
) -> QueryResult<Vec<Counts>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    super::prepared::Cached(diesel::sql_query(
        "SELECT s.id,
                (SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = s.id AND r.deleted_at IS NULL) AS replies,
                (SELECT count(*) FROM favourites f WHERE f.status_id = s.id) AS favourites,
                (SELECT count(*) FROM statuses b WHERE b.reblog_of_id = s.id AND b.deleted_at IS NULL) AS reblogs,
                EXISTS (SELECT 1 FROM favourites f WHERE f.status_id = s.id AND f.account_id = $2) AS favourited,
                EXISTS (SELECT 1 FROM statuses b WHERE b.reblog_of_id = s.id AND b.account_id = $2 AND b.deleted_at IS NULL) AS reblogged,
                EXISTS (SELECT 1 FROM bookmarks k WHERE k.status_id = s.id AND k.account_id = $2) AS bookmarked,
                EXISTS (SELECT 1 FROM status_pins p WHERE p.status_id = s.id) AS pinned
         FROM unnest($1::bigint[]) AS s(id)",
    )
    .bind::<Array<BigInt>, _>(ids.iter().map(|i| i.0).collect::<Vec<_>>())
    .bind::<BigInt, _>(viewer.map(|v| v.0).unwrap_or(0)))
    .load(conn)
    .await
}

/// What each of `viewers` did with one status (favourited, boosted, bookmarked):
/// the part of a status's view that differs between readers, for many at once.
#[derive(QueryableByName, Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ViewerFlags {
    #[diesel(sql_type = BigInt)]
    pub viewer: i64,
    #[diesel(sql_type = Bool)]
    pub favourited: bool,
    #[diesel(sql_type = Bool)]
    pub reblogged: bool,
    #[diesel(sql_type = Bool)]
    pub bookmarked: bool,
}

pub async fn viewer_flags(
    conn: &mut AsyncPgConnection,
    status: StatusId,
    viewers: &[AccountId],
) -> QueryResult<Vec<ViewerFlags>> {
    if viewers.is_empty() {
        return Ok(Vec::new());
    }
    super::prepared::Cached(
        diesel::sql_query(
            "SELECT v.id AS viewer,
                EXISTS (SELECT 1 FROM favourites f WHERE f.status_id = $1 AND f.account_id = v.id) AS favourited,
                EXISTS (SELECT 1 FROM statuses b WHERE b.reblog_of_id = $1 AND b.account_id = v.id AND b.deleted_at IS NULL) AS reblogged,
                EXISTS (SELECT 1 FROM bookmarks k WHERE k.status_id = $1 AND k.account_id = v.id) AS bookmarked
         FROM unnest($2::bigint[]) AS v(id)",
        )
        .bind::<BigInt, _>(status.0)
        .bind::<Array<BigInt>, _>(viewers.iter().map(|v| v.0).collect::<Vec<_>>()),
    )
    .load(conn)
    .await
}
