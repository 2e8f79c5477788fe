//! The `account_warnings` table (Mastodon's `AccountWarning`): what moderators told a
//! teacher of ours, and the `moderation_warning` notification that points at it.

use super::{schema::account_warnings, AccountId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = account_warnings, check_for_backend(diesel::pg::Pg))]
pub struct Warning {
    pub id: i64,
    /// The moderator; `None` for the command line.
    pub account_id: Option<AccountId>,
    pub target_account_id: AccountId,
    /// Mastodon's name: none, disable, sensitive, silence, suspend.
    pub action: String,
    pub text: String,
    pub status_ids: Vec<i64>,
    pub report_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = account_warnings)]
pub struct WarningInsertForm<'a> {
    pub id: i64,
    pub account_id: Option<AccountId>,
    pub target_account_id: AccountId,
    pub action: &'a str,
    pub text: &'a str,
    pub status_ids: Vec<i64>,
    pub report_id: Option<i64>,
}

/// Stores the warning and notifies its teacher (`moderation_warning`, from their own
/// account, as Mastodon does: the moderator is not named), announced on the
/// notifications channel as the triggers announce theirs (at commit).
pub async fn insert_and_notify(
    conn: &mut AsyncPgConnection,
    form: &WarningInsertForm<'_>,
) -> QueryResult<Warning> {
    let warning = diesel::insert_into(account_warnings::table)
        .values(form)
        .returning(Warning::as_returning())
        .get_result(conn)
        .await?;
    diesel::sql_query(
        "WITH n AS (INSERT INTO notifications (id, account_id, from_account_id, type, account_warning_id) \
         VALUES ($1, $2, $2, 'moderation_warning', $3) RETURNING id, account_id) \
         SELECT pg_notify('staffroom_notifications', n.account_id || ':' || n.id) FROM n",
    )
    .bind::<diesel::sql_types::BigInt, _>(super::new_id())
    .bind::<diesel::sql_types::BigInt, _>(form.target_account_id.0)
    .bind::<diesel::sql_types::BigInt, _>(warning.id)
    .execute(conn)
    .await?;
    Ok(warning)
}

pub async fn find_many(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<Warning>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    account_warnings::table
        .filter(account_warnings::id.eq_any(ids))
        .select(Warning::as_select())
        .load(conn)
        .await
}
