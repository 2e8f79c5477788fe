//! The `lists` and `list_accounts` tables: a teacher's lists and their members.
//! Which posts a list shows is not stored: `db::timelines::list` selects them when
//! the list is read.

use super::{
    accounts::Account,
    pagination::Page,
    schema::{accounts, follows, list_accounts, lists},
    AccountId,
};
use crate::paginate;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = lists, check_for_backend(diesel::pg::Pg))]
pub struct List {
    pub id: i64,
    pub account_id: AccountId,
    pub title: String,
    /// `followed`, `list` or `none` (Mastodon's names).
    pub replies_policy: String,
    pub exclusive: bool,
    pub created_at: DateTime<Utc>,
}

/// What changes in a list (`None`: left as it is).
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = lists)]
pub struct ListChange {
    pub title: Option<String>,
    pub replies_policy: Option<String>,
    pub exclusive: Option<bool>,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    title: &str,
    replies_policy: &str,
    exclusive: bool,
) -> QueryResult<List> {
    diesel::insert_into(lists::table)
        .values((
            lists::id.eq(super::new_id()),
            lists::account_id.eq(owner),
            lists::title.eq(title),
            lists::replies_policy.eq(replies_policy),
            lists::exclusive.eq(exclusive),
        ))
        .returning(List::as_returning())
        .get_result(conn)
        .await
}

/// The owner's lists, oldest first (as Mastodon lists them).
pub async fn of_owner(conn: &mut AsyncPgConnection, owner: AccountId) -> QueryResult<Vec<List>> {
    lists::table
        .filter(lists::account_id.eq(owner))
        .order(lists::id.asc())
        .select(List::as_select())
        .load(conn)
        .await
}

pub async fn count(conn: &mut AsyncPgConnection, owner: AccountId) -> QueryResult<i64> {
    lists::table
        .filter(lists::account_id.eq(owner))
        .count()
        .get_result(conn)
        .await
}

/// One of the owner's lists; someone else's is not found.
pub async fn find(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    id: i64,
) -> QueryResult<Option<List>> {
    lists::table
        .filter(lists::id.eq(id))
        .filter(lists::account_id.eq(owner))
        .select(List::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    id: i64,
    change: &ListChange,
) -> QueryResult<Option<List>> {
    if change.title.is_none() && change.replies_policy.is_none() && change.exclusive.is_none() {
        return find(conn, owner, id).await;
    }
    diesel::update(
        lists::table
            .filter(lists::id.eq(id))
            .filter(lists::account_id.eq(owner)),
    )
    .set(change)
    .returning(List::as_returning())
    .get_result(conn)
    .await
    .optional()
}

pub async fn delete(conn: &mut AsyncPgConnection, owner: AccountId, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(
        lists::table
            .filter(lists::id.eq(id))
            .filter(lists::account_id.eq(owner)),
    )
    .execute(conn)
    .await?
        > 0)
}

/// Of `targets`, those `owner` follows or asked to follow, with the follow's id.
pub async fn follows_of(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    targets: &[AccountId],
) -> QueryResult<Vec<(AccountId, i64)>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    follows::table
        .filter(follows::account_id.eq(owner))
        .filter(follows::target_account_id.eq_any(targets))
        .select((follows::target_account_id, follows::id))
        .load(conn)
        .await
}

/// Adds members (with the follow that allows each; none for the owner itself);
/// members already there stay as they are.
pub async fn add_members(
    conn: &mut AsyncPgConnection,
    list: i64,
    members: &[(AccountId, Option<i64>)],
) -> QueryResult<usize> {
    let rows: Vec<_> = members
        .iter()
        .map(|(account, follow)| {
            (
                list_accounts::id.eq(super::new_id()),
                list_accounts::list_id.eq(list),
                list_accounts::account_id.eq(*account),
                list_accounts::follow_id.eq(*follow),
            )
        })
        .collect();
    diesel::insert_into(list_accounts::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
}

pub async fn remove_members(
    conn: &mut AsyncPgConnection,
    list: i64,
    members: &[AccountId],
) -> QueryResult<usize> {
    diesel::delete(
        list_accounts::table
            .filter(list_accounts::list_id.eq(list))
            .filter(list_accounts::account_id.eq_any(members)),
    )
    .execute(conn)
    .await
}

pub async fn count_members(conn: &mut AsyncPgConnection, list: i64) -> QueryResult<i64> {
    list_accounts::table
        .filter(list_accounts::list_id.eq(list))
        .count()
        .get_result(conn)
        .await
}

/// A page of members, keyed by their membership's id (newest first, as Mastodon
/// pages them).
pub async fn members(
    conn: &mut AsyncPgConnection,
    list: i64,
    page: Page,
) -> QueryResult<Vec<(i64, Account)>> {
    let q = list_accounts::table
        .inner_join(accounts::table.on(accounts::id.eq(list_accounts::account_id)))
        .filter(list_accounts::list_id.eq(list))
        .select((list_accounts::id, Account::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, list_accounts::id, page).load(conn).await?))
}

/// The owner's lists that have `member`.
pub async fn holding(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    member: AccountId,
) -> QueryResult<Vec<List>> {
    lists::table
        .inner_join(list_accounts::table.on(list_accounts::list_id.eq(lists::id)))
        .filter(lists::account_id.eq(owner))
        .filter(list_accounts::account_id.eq(member))
        .order(lists::id.asc())
        .select(List::as_select())
        .load(conn)
        .await
}
