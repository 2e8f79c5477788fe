//! Who may see a status, as SQL. The rule itself is stated (and documented) in
//! `services::visibility`; this is its one SQL form, which every list of statuses
//! adds to its query and which single checks run too, so lists and single posts
//! can never disagree.

use super::{schema::statuses, AccountId, StatusId};
use diesel::{dsl::sql, expression::SqlLiteral, prelude::*, sql_types::Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The host of an account's domain as domain blocks are written: lower case, no port.
const AUTHOR_HOST: &str = "lower(regexp_replace(da.domain, ':[0-9]+$', ''))";

/// The condition on the row `alias` of `statuses` (not on a boost's original).
/// The viewer's id is a number formatted into the text, so nothing from outside
/// reaches the SQL.
fn own_condition(viewer: Option<AccountId>, alias: &str) -> String {
    let s = alias;
    // Posts of accounts on servers we refuse are hidden from everyone, including
    // those stored before the block.
    let domain = format!(
        "({s}.local OR NOT EXISTS (SELECT 1 FROM accounts da JOIN domain_blocks db \
         ON {AUTHOR_HOST} = db.domain OR {AUTHOR_HOST} LIKE '%.' || db.domain WHERE da.id = {s}.account_id))"
    );
    match viewer {
        None => format!("{s}.deleted_at IS NULL AND {s}.visibility <= 1 AND {domain}"),
        Some(AccountId(v)) => format!(
            "{s}.deleted_at IS NULL AND {domain} \
             AND ({s}.account_id = {v} OR {s}.visibility <= 1 \
                  OR ({s}.visibility = 2 AND EXISTS (SELECT 1 FROM follows vf WHERE vf.account_id = {v} \
                      AND vf.target_account_id = {s}.account_id AND vf.accepted)) \
                  OR EXISTS (SELECT 1 FROM mentions vm WHERE vm.status_id = {s}.id AND vm.account_id = {v})) \
             AND NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.account_id = {s}.account_id AND vb.target_account_id = {v}) \
             AND NOT EXISTS (SELECT 1 FROM blocks vb WHERE vb.account_id = {v} AND vb.target_account_id = {s}.account_id)"
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
    diesel::select(sql::<Bool>(&format!(
        "EXISTS (SELECT 1 FROM accounts da JOIN domain_blocks db ON {AUTHOR_HOST} = db.domain OR {AUTHOR_HOST} LIKE '%.' || db.domain \
         WHERE da.id = {})",
        account.0
    )))
    .get_result(conn)
    .await
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
