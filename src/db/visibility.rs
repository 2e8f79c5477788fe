//! Who may see a status, as SQL. The rule itself is stated (and documented) in
//! `services::visibility`; this is its one SQL form, which every list of statuses
//! adds to its query and which single checks run too, so lists and single posts
//! can never disagree.

use super::{schema::statuses, AccountId, StatusId};
use diesel::{dsl::sql, expression::SqlLiteral, prelude::*, sql_types::Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The condition on the row `alias` of `statuses` (not on a boost's original).
/// Each part is a set the planner builds once per query (hashed), not a look-up per
/// row. The viewer's id is a number formatted into the text, so nothing from
/// outside reaches the SQL.
fn own_condition(viewer: Option<AccountId>, alias: &str) -> String {
    let s = alias;
    // Posts of accounts on servers we refuse are hidden from everyone, including
    // those stored before the block (`accounts.domain_blocked`, kept by the database).
    let common = format!("{s}.deleted_at IS NULL AND {s}.account_id NOT IN (SELECT id FROM accounts WHERE domain_blocked)");
    match viewer {
        None => format!("{common} AND {s}.visibility <= 1"),
        Some(AccountId(v)) => format!(
            "{common} \
             AND ({s}.visibility <= 1 OR {s}.account_id = {v} \
                  OR ({s}.visibility = 2 AND {s}.account_id IN (SELECT target_account_id FROM follows WHERE account_id = {v} AND accepted)) \
                  OR {s}.id IN (SELECT status_id FROM mentions WHERE account_id = {v})) \
             AND {s}.account_id NOT IN (SELECT target_account_id FROM blocks WHERE account_id = {v} \
                                        UNION ALL SELECT account_id FROM blocks WHERE target_account_id = {v})"
        ),
    }
}

/// The SQL text of "`viewer` may see this row of `statuses`" (None: someone not
/// signed in). A boost is visible only if the boosted post is too.
pub fn condition_sql(viewer: Option<AccountId>) -> String {
    format!(
        "({} AND (statuses.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses vo WHERE vo.id = statuses.reblog_of_id AND {})))",
        own_condition(viewer, "statuses"),
        own_condition(viewer, "vo")
    )
}

/// `condition_sql` as a filter for any query over `statuses`.
pub fn visible_to(viewer: Option<AccountId>) -> SqlLiteral<Bool> {
    sql::<Bool>(&condition_sql(viewer))
}

/// Which of `ids` `viewer` may see.
pub async fn visible_ids(conn: &mut AsyncPgConnection, viewer: Option<AccountId>, ids: &[StatusId]) -> QueryResult<Vec<StatusId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    statuses::table.filter(statuses::id.eq_any(ids)).filter(visible_to(viewer)).select(statuses::id).load(conn).await
}

/// Whether an account's server is one we refuse (its posts and profile are hidden).
pub async fn account_domain_blocked(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<bool> {
    use super::schema::accounts;
    accounts::table.find(account).select(accounts::domain_blocked).first(conn).await.optional().map(|b| b.unwrap_or(false))
}

/// Accounts among `others` that `viewer` blocks or that block `viewer`.
pub async fn blocked_either(conn: &mut AsyncPgConnection, viewer: AccountId, others: &[AccountId]) -> QueryResult<Vec<AccountId>> {
    use super::schema::blocks;
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let theirs: Vec<AccountId> =
        blocks::table.filter(blocks::target_account_id.eq(viewer)).filter(blocks::account_id.eq_any(others)).select(blocks::account_id).load(conn).await?;
    let mine: Vec<AccountId> =
        blocks::table.filter(blocks::account_id.eq(viewer)).filter(blocks::target_account_id.eq_any(others)).select(blocks::target_account_id).load(conn).await?;
    Ok(theirs.into_iter().chain(mine).collect())
}
