//! Who may see a status, as SQL. The rule itself is stated (and documented) in
//! `services::visibility`; this is its one SQL form, which every list of statuses
//! adds to its query and which single checks run too, so lists and single posts
//! can never disagree.

use super::{schema::statuses, AccountId, StatusId};
use diesel::{
    expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping},
    pg::Pg,
    prelude::*,
    query_builder::{AstPass, QueryFragment, QueryId},
    sql_types::{BigInt, Bool},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// "`viewer` may see this row of `statuses`" (None: someone not signed in), as a
/// filter for any query over `statuses`. A boost is visible only if the boosted
/// post is too. The viewer is a bind parameter, so the statement's text is the same
/// for every viewer and PostgreSQL prepares it once per connection (`db::prepared`).
pub fn visible_to(viewer: Option<AccountId>) -> VisibleTo {
    VisibleTo {
        viewer: match viewer {
            Some(v) => Viewer::Bound(v.0),
            None => Viewer::Nobody,
        },
    }
}

#[derive(Debug, Clone, Copy)]
pub struct VisibleTo {
    viewer: Viewer,
}

/// Who the rule is asked for: nobody signed in, one account (a bind), or each row of
/// a list of accounts (`v.id` of [`viewers_of`]'s `unnest`), so that streaming asks
/// the same rule for a thousand subscribers in one statement.
#[derive(Debug, Clone, Copy)]
enum Viewer {
    Nobody,
    Bound(i64),
    EachOf,
}

impl VisibleTo {
    /// The condition on the row `s` of `statuses` (not on a boost's original). Each
    /// part is a set the planner builds once per query (hashed), not a look-up per row.
    fn own<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>, s: &str) -> QueryResult<()> {
        // Posts of accounts on servers we refuse, and of suspended accounts, are hidden
        // from everyone, including those stored before (`accounts.domain_blocked`, kept
        // by the database; `accounts.suspended_at`). A silenced account's public and
        // unlisted posts reach only its followers (and whom it mentions).
        out.push_sql(&format!("{s}.deleted_at IS NULL AND {s}.account_id NOT IN (SELECT id FROM accounts WHERE domain_blocked OR suspended_at IS NOT NULL)"));
        let open = format!("{s}.visibility <= 1 AND {s}.account_id NOT IN (SELECT id FROM accounts WHERE silenced_at IS NOT NULL)");
        let viewer = match &self.viewer {
            Viewer::Nobody => {
                out.push_sql(&format!(" AND {open}"));
                return Ok(());
            }
            Viewer::Bound(v) => Some(v),
            Viewer::EachOf => None,
        };
        let push_viewer = |out: &mut AstPass<'_, 'b, Pg>| match viewer {
            Some(v) => out.push_bind_param::<BigInt, _>(v),
            None => {
                out.push_sql("v.id");
                Ok(())
            }
        };
        out.push_sql(&format!(" AND (({open}) OR {s}.account_id = "));
        push_viewer(out)?;
        out.push_sql(&format!(" OR ({s}.visibility <= 2 AND {s}.account_id IN (SELECT target_account_id FROM follows WHERE accepted AND account_id = "));
        push_viewer(out)?;
        out.push_sql(&format!(
            ")) OR {s}.id IN (SELECT status_id FROM mentions WHERE account_id = "
        ));
        push_viewer(out)?;
        out.push_sql(&format!(")) AND {s}.account_id NOT IN (SELECT target_account_id FROM blocks WHERE account_id = "));
        push_viewer(out)?;
        out.push_sql(" UNION ALL SELECT account_id FROM blocks WHERE target_account_id = ");
        push_viewer(out)?;
        out.push_sql(")");
        Ok(())
    }
}

impl QueryFragment<Pg> for VisibleTo {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("(");
        self.own(&mut out, "statuses")?;
        out.push_sql(" AND (statuses.reblog_of_id IS NULL OR EXISTS (SELECT 1 FROM statuses vo WHERE vo.id = statuses.reblog_of_id AND ");
        self.own(&mut out, "vo")?;
        out.push_sql(")))");
        Ok(())
    }
}

impl Expression for VisibleTo {
    type SqlType = Bool;
}

impl QueryId for VisibleTo {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<QS> AppearsOnTable<QS> for VisibleTo {}
impl<QS> SelectableExpression<QS> for VisibleTo {}
impl<GB> ValidGrouping<GB> for VisibleTo {
    type IsAggregate = is_aggregate::Never;
}

/// Which of `ids` `viewer` may see.
pub async fn visible_ids(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    ids: &[StatusId],
) -> QueryResult<Vec<StatusId>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    statuses::table
        .filter(statuses::id.eq_any(ids))
        .filter(visible_to(viewer))
        .select(statuses::id)
        .load(conn)
        .await
}

/// Which of `viewers` may see the status `id`: the same rule, asked for each of them
/// in one statement (streaming, where one post meets many subscribers).
pub async fn viewers_of(
    conn: &mut AsyncPgConnection,
    id: StatusId,
    viewers: &[AccountId],
) -> QueryResult<Vec<AccountId>> {
    if viewers.is_empty() {
        return Ok(Vec::new());
    }
    let query = ViewersOf {
        status: id.0,
        viewers: viewers.iter().map(|v| v.0).collect(),
        rule: VisibleTo {
            viewer: Viewer::EachOf,
        },
    };
    Ok(query
        .load::<i64>(conn)
        .await?
        .into_iter()
        .map(AccountId)
        .collect())
}

struct ViewersOf {
    status: i64,
    viewers: Vec<i64>,
    rule: VisibleTo,
}

impl QueryFragment<Pg> for ViewersOf {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT v.id FROM unnest(");
        out.push_bind_param::<diesel::sql_types::Array<BigInt>, _>(&self.viewers)?;
        out.push_sql(") AS v(id) JOIN statuses ON statuses.id = ");
        out.push_bind_param::<BigInt, _>(&self.status)?;
        out.push_sql(" WHERE ");
        self.rule.walk_ast(out.reborrow())
    }
}

impl diesel::query_builder::Query for ViewersOf {
    type SqlType = BigInt;
}

impl QueryId for ViewersOf {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// Whether an account's server is one we refuse (its posts and profile are hidden).
pub async fn account_domain_blocked(
    conn: &mut AsyncPgConnection,
    account: AccountId,
) -> QueryResult<bool> {
    use super::schema::accounts;
    accounts::table
        .find(account)
        .select(accounts::domain_blocked)
        .first(conn)
        .await
        .optional()
        .map(|b| b.unwrap_or(false))
}

/// Accounts among `others` that `viewer` blocks or that block `viewer`.
pub async fn blocked_either(
    conn: &mut AsyncPgConnection,
    viewer: AccountId,
    others: &[AccountId],
) -> QueryResult<Vec<AccountId>> {
    use super::schema::blocks;
    if others.is_empty() {
        return Ok(Vec::new());
    }
    let theirs: Vec<AccountId> = blocks::table
        .filter(blocks::target_account_id.eq(viewer))
        .filter(blocks::account_id.eq_any(others))
        .select(blocks::account_id)
        .load(conn)
        .await?;
    let mine: Vec<AccountId> = blocks::table
        .filter(blocks::account_id.eq(viewer))
        .filter(blocks::target_account_id.eq_any(others))
        .select(blocks::target_account_id)
        .load(conn)
        .await?;
    Ok(theirs.into_iter().chain(mine).collect())
}
