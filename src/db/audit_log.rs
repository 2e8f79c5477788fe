//! The `audit_log` table: every moderation and administration action.

use super::{schema::audit_log, AccountId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct Entry {
    pub id: i64,
    /// Who acted; `None` for the command line.
    pub account_id: Option<AccountId>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<i64>,
    pub target_name: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = audit_log)]
pub struct EntryInsertForm<'a> {
    pub id: i64,
    pub account_id: Option<AccountId>,
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: Option<i64>,
    pub target_name: &'a str,
    pub reason: &'a str,
}

pub async fn insert(conn: &mut AsyncPgConnection, form: &EntryInsertForm<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_log::table)
        .values(form)
        .execute(conn)
        .await
        .map(drop)
}

/// Newest first, a page before `max_id`, with the acting account's username.
pub async fn page(
    conn: &mut AsyncPgConnection,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(Entry, Option<String>)>> {
    use super::schema::accounts;
    let mut query = audit_log::table
        .left_join(accounts::table.on(accounts::id.nullable().eq(audit_log::account_id)))
        .select((Entry::as_select(), accounts::username.nullable()))
        .order(audit_log::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some(max) = max_id {
        query = query.filter(audit_log::id.lt(max));
    }
    query.load(conn).await
}

/// The newest entries of `actions` done to one account, newest first.
pub async fn done_to_account(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    actions: &[&str],
    limit: i64,
) -> QueryResult<Vec<Entry>> {
    audit_log::table
        .filter(audit_log::target_type.eq("account"))
        .filter(audit_log::target_id.eq(account.0))
        .filter(audit_log::action.eq_any(actions))
        .select(Entry::as_select())
        .order(audit_log::id.desc())
        .limit(limit)
        .load(conn)
        .await
}
