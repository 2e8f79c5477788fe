//! The `notifications` table (rows are written by triggers, see migration 000008:
//! every path that stores a mention, boost, favourite, follow or edit notifies) and
//! the `markers` table (where a reader stopped reading).

use super::{
    accounts::Account,
    pagination::Page,
    schema::{accounts, markers, notifications},
    AccountId, StatusId,
};
use crate::paginate;
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = notifications, check_for_backend(diesel::pg::Pg))]
pub struct Notification {
    pub id: i64,
    pub account_id: AccountId,
    pub from_account_id: AccountId,
    pub kind: String,
    pub status_id: Option<StatusId>,
    pub created_at: DateTime<Utc>,
    /// A `moderation_warning`'s warning (db::account_warnings).
    pub account_warning_id: Option<i64>,
}

/// Filters of `GET /api/v1/notifications`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Only these kinds (empty: all).
    pub types: Vec<String>,
    pub exclude_types: Vec<String>,
    pub from_account: Option<AccountId>,
}

/// A page of notifications with the accounts that caused them.
pub async fn page(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    filter: &Filter,
    page: Page,
) -> QueryResult<Vec<(Notification, Account)>> {
    let mut q = notifications::table
        .inner_join(accounts::table.on(accounts::id.eq(notifications::from_account_id)))
        .filter(notifications::account_id.eq(account))
        .select((Notification::as_select(), Account::as_select()))
        .into_boxed();
    if !filter.types.is_empty() {
        q = q.filter(notifications::kind.eq_any(filter.types.clone()));
    }
    if !filter.exclude_types.is_empty() {
        q = q.filter(notifications::kind.ne_all(filter.exclude_types.clone()));
    }
    if let Some(from) = filter.from_account {
        q = q.filter(notifications::from_account_id.eq(from));
    }
    Ok(page.finish(paginate!(q, notifications::id, page).load(conn).await?))
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    id: i64,
) -> QueryResult<Option<(Notification, Account)>> {
    notifications::table
        .inner_join(accounts::table.on(accounts::id.eq(notifications::from_account_id)))
        .filter(notifications::account_id.eq(account))
        .filter(notifications::id.eq(id))
        .select((Notification::as_select(), Account::as_select()))
        .first(conn)
        .await
        .optional()
}

pub async fn dismiss(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    id: i64,
) -> QueryResult<bool> {
    let n = diesel::delete(
        notifications::table
            .filter(notifications::account_id.eq(account))
            .filter(notifications::id.eq(id)),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}

pub async fn clear(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<usize> {
    diesel::delete(notifications::table.filter(notifications::account_id.eq(account)))
        .execute(conn)
        .await
}

/// Notifications newer than `after`, counted up to `cap` (Mastodon caps the count too).
pub async fn count_after(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    after: i64,
    cap: i64,
) -> QueryResult<i64> {
    let ids = notifications::table
        .filter(notifications::account_id.eq(account))
        .filter(notifications::id.gt(after))
        .select(notifications::id)
        .limit(cap)
        .load::<i64>(conn)
        .await?;
    Ok(ids.len() as i64)
}

pub async fn count(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<i64> {
    notifications::table
        .filter(notifications::account_id.eq(account))
        .select(count_star())
        .get_result(conn)
        .await
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = markers, check_for_backend(diesel::pg::Pg))]
pub struct Marker {
    pub timeline: String,
    pub last_read_id: i64,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

pub async fn markers(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    timelines: &[String],
) -> QueryResult<Vec<Marker>> {
    markers::table
        .filter(markers::account_id.eq(account))
        .filter(markers::timeline.eq_any(timelines))
        .select(Marker::as_select())
        .order(markers::timeline)
        .load(conn)
        .await
}

/// Sets a marker; each change raises its version (clients use it to detect conflicts).
pub async fn set_marker(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    timeline: &str,
    last_read_id: i64,
) -> QueryResult<Marker> {
    diesel::insert_into(markers::table)
        .values((
            markers::account_id.eq(account),
            markers::timeline.eq(timeline),
            markers::last_read_id.eq(last_read_id),
        ))
        .on_conflict((markers::account_id, markers::timeline))
        .do_update()
        .set((
            markers::last_read_id.eq(last_read_id),
            markers::version.eq(markers::version + 1),
            markers::updated_at.eq(Utc::now()),
        ))
        .returning(Marker::as_returning())
        .get_result(conn)
        .await
}
