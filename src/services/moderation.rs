//! Reports and what moderators do about them. A report comes from a teacher
//! (`POST /api/v1/reports`) or from another server (`Flag`, federation/activities/
//! flag.rs); both land in one queue. Actions on accounts — warn, mark sensitive,
//! disable a login, limit (silence), suspend, and their undoing — are checked here
//! against the actor's role (services::roles) and written to the audit log in the
//! same transaction.
//!
//! What a flag means elsewhere: a suspended local account cannot sign in
//! (services::accounts::may_sign_in) and its actor answers 410
//! (federation/routes.rs); a suspended remote account's activities are refused
//! (federation/inbox.rs); who sees the posts of suspended and silenced accounts is
//! the visibility rule's business (services::visibility).

use super::{
    events::{Event, Outcome},
    roles::{audit, Acting, Permission, Target},
};
use crate::{
    context::AppContext,
    db::{
        accounts::{Account, Limit},
        reports::{Filter, Report, ReportInsertForm},
        users::User,
        AccountId, DbPool, StatusId,
    },
    error::{Error, ErrorKind, Result},
};
use diesel_async::{AsyncConnection, AsyncPgConnection};

pub const MAX_COMMENT_CHARS: usize = 1000;
const MAX_STATUSES: usize = 100;
pub const CATEGORIES: [&str; 4] = ["spam", "legal", "violation", "other"];

/// What a teacher reports.
pub struct NewReport {
    pub target: Account,
    pub status_ids: Vec<StatusId>,
    pub comment: String,
    pub category: Option<String>,
    pub rule_ids: Vec<i32>,
    /// Send a copy (a `Flag` from the instance actor) to the target's server.
    pub forward: bool,
}

fn category(given: Option<&str>, rule_ids: &[i32]) -> Result<String> {
    match given.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if CATEGORIES.contains(&c) => Ok(c.to_string()),
        Some(c) => Err(Error::bad_request(format!(
            "unknown category {c:?}: use spam, legal, violation or other"
        ))),
        // Mastodon's default: a report naming rules is about a violation.
        None if !rule_ids.is_empty() => Ok("violation".into()),
        None => Ok("other".into()),
    }
}

/// A teacher reports an account (and some of its posts) to the moderators, and,
/// if they ask and it is remote, to its server too.
#[tracing::instrument(skip_all, fields(reporter = %reporter.id, target = %new.target.id))]
pub async fn report(ctx: &AppContext, reporter: &Account, new: NewReport) -> Result<Report> {
    if new.target.id == reporter.id {
        return Err(Error::bad_request("you cannot report yourself"));
    }
    if new.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(Error::bad_request(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    if new.status_ids.len() > MAX_STATUSES {
        return Err(Error::bad_request(format!(
            "report at most {MAX_STATUSES} posts at once"
        )));
    }
    let category = category(new.category.as_deref(), &new.rule_ids)?;
    let rules = super::registrations::rules(&ctx.pool).await?;
    if let Some(bad) = new
        .rule_ids
        .iter()
        .find(|r| **r < 1 || **r as usize > rules.len())
    {
        return Err(Error::bad_request(format!("there is no rule {bad}")));
    }
    let mut conn = ctx.pool.get().await?;
    // Only posts of the reported account that the reporter can see are attached.
    let mut status_ids = Vec::new();
    for id in &new.status_ids {
        let status = super::visibility::visible(&mut conn, Some(reporter.id), *id).await?;
        if status.account_id != new.target.id {
            return Err(Error::bad_request(format!(
                "post {id} is not by the reported account"
            )));
        }
        status_ids.push(id.0);
    }
    let forward = new.forward && !new.target.is_local();
    let form = ReportInsertForm {
        id: crate::db::new_id(),
        account_id: reporter.id,
        target_account_id: new.target.id,
        status_ids,
        rule_ids: new.rule_ids,
        comment: new.comment.trim().to_string(),
        category,
        forwarded: forward,
        uri: None,
    };
    let (report, deliveries) = conn
        .transaction::<_, Error, _>(async |conn| {
            let report = Report::insert(conn, &form)
                .await?
                .ok_or_else(|| Error::internal(anyhow::anyhow!("report id taken")))?;
            let deliveries = if forward {
                crate::federation::activities::flag::forward(conn, ctx, &report, &new.target)
                    .await?
            } else {
                0
            };
            Ok((report, deliveries))
        })
        .await?;
    tracing::info!(report_id = report.id, forwarded = forward, "report filed");
    ctx.dispatch(Outcome::none().delivering(deliveries));
    Ok(report)
}

/// A `Flag` from another server: one report per local account it names, from the
/// actor that sent it, with the posts of that account it names. Stored once per
/// Flag id.
pub async fn receive_flag(
    ctx: &AppContext,
    from: &Account,
    uri: &str,
    targets: &[Account],
    status_ids: &[StatusId],
    comment: &str,
) -> Result<usize> {
    let mut conn = ctx.pool.get().await?;
    let mut stored = 0;
    for (n, target) in targets.iter().enumerate() {
        let statuses = crate::db::statuses::Status::find_many(&mut conn, status_ids).await?;
        let form = ReportInsertForm {
            id: crate::db::new_id(),
            account_id: from.id,
            target_account_id: target.id,
            status_ids: statuses
                .iter()
                .filter(|s| s.account_id == target.id)
                .map(|s| s.id.0)
                .collect(),
            rule_ids: Vec::new(),
            comment: comment.chars().take(MAX_COMMENT_CHARS).collect(),
            category: "other".into(),
            forwarded: false,
            // One Flag may name several accounts; each report gets an id of its own.
            uri: Some(if n == 0 {
                uri.to_string()
            } else {
                format!("{uri}#{n}")
            }),
        };
        if let Some(report) = Report::insert(&mut conn, &form).await? {
            tracing::info!(report_id = report.id, from = %from.uri.as_deref().unwrap_or_default(), "report received from another server");
            stored += 1;
        }
    }
    Ok(stored)
}

/// The queue: unresolved reports (or resolved ones), newest first.
pub async fn reports(
    pool: &DbPool,
    acting: &Acting,
    filter: &Filter,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<Report>> {
    acting.require(Permission::ManageReports)?;
    let mut conn = pool.get().await?;
    Ok(Report::page(&mut conn, filter, max_id, limit.clamp(1, 200)).await?)
}

pub async fn find_report(pool: &DbPool, acting: &Acting, id: i64) -> Result<Report> {
    acting.require(Permission::ManageReports)?;
    let mut conn = pool.get().await?;
    Report::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))
}

/// What a moderator does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportChange {
    Resolve,
    Reopen,
    AssignToSelf,
    Unassign,
}

#[tracing::instrument(skip(pool))]
pub async fn change_report(
    pool: &DbPool,
    acting: &Acting,
    id: i64,
    change: ReportChange,
) -> Result<Report> {
    let report = find_report(pool, acting, id).await?;
    let mut conn = pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        let (updated, action) = match change {
            ReportChange::Resolve => (
                Report::set_resolved(conn, id, Some(acting.account)).await?,
                "resolve_report",
            ),
            ReportChange::Reopen => (Report::set_resolved(conn, id, None).await?, "reopen_report"),
            ReportChange::AssignToSelf => (
                Report::assign(conn, id, acting.account).await?,
                "assign_report",
            ),
            ReportChange::Unassign => (Report::assign(conn, id, None).await?, "unassign_report"),
        };
        audit(
            conn,
            acting,
            action,
            &Target {
                kind: "report",
                id: Some(report.id),
                name: format!("report {}", report.id),
            },
            "",
        )
        .await?;
        Ok(updated)
    })
    .await
}

/// Mastodon's account actions (`POST /api/v1/admin/accounts/:id/action`) and
/// their undoing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountAction {
    /// A warning only: the text is the note.
    None,
    Sensitive,
    Disable,
    Silence,
    Suspend,
    Unsensitive,
    Enable,
    Unsilence,
    Unsuspend,
}

impl AccountAction {
    pub fn parse(s: &str) -> Option<AccountAction> {
        Some(match s {
            "none" => AccountAction::None,
            "sensitive" => AccountAction::Sensitive,
            "disable" => AccountAction::Disable,
            "silence" => AccountAction::Silence,
            "suspend" => AccountAction::Suspend,
            _ => return None,
        })
    }

    /// What the teacher is told was done (in a mail, and on their notices);
    /// `None` for an undoing, which is not announced.
    pub fn told(self) -> Option<&'static str> {
        Some(match self {
            AccountAction::None => "sent you a warning",
            AccountAction::Sensitive => "marked your media as sensitive",
            AccountAction::Disable => "disabled your login",
            AccountAction::Silence => "limited your account: your posts reach only your followers",
            AccountAction::Suspend => "suspended your account",
            _ => return None,
        })
    }

    /// The action's name in Mastodon's `AccountWarning` (`none` for a warning).
    pub fn mastodon_name(self) -> &'static str {
        match self {
            AccountAction::None => "none",
            other => other.name(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            AccountAction::None => "warn",
            AccountAction::Sensitive => "sensitive",
            AccountAction::Disable => "disable",
            AccountAction::Silence => "silence",
            AccountAction::Suspend => "suspend",
            AccountAction::Unsensitive => "unsensitive",
            AccountAction::Enable => "enable",
            AccountAction::Unsilence => "unsilence",
            AccountAction::Unsuspend => "unsuspend",
        }
    }
}

/// The user of a local account (for its role and login), `None` for a remote one.
async fn user_of(conn: &mut AsyncPgConnection, account: &Account) -> Result<Option<User>> {
    if !account.is_local() {
        return Ok(None);
    }
    Ok(User::find_by_account(conn, account.id).await?)
}

/// Acts on an account; with `report`, that report is resolved by it. Needs
/// `ManageUsers`, and for a local account a role above theirs.
#[tracing::instrument(skip(ctx, target, reason), fields(target = %target.id))]
pub async fn act(
    ctx: &AppContext,
    acting: &Acting,
    target: &Account,
    action: AccountAction,
    report: Option<i64>,
    reason: &str,
) -> Result<()> {
    act_in_database(&ctx.pool, acting, target, action, report, reason).await?;
    // What the inbox cached about a remote actor (with its moderation state) goes.
    if let Some(uri) = target.uri.clone().filter(|_| !target.is_local()) {
        ctx.dispatch(Outcome::of(Event::ActorRefreshed {
            account: target.id,
            uri,
        }));
    }
    Ok(())
}

/// `act` without telling the running server's caches: for the command line, on
/// local accounts (whose state no cache holds; every sign-in and request reads it).
pub async fn act_in_database(
    pool: &DbPool,
    acting: &Acting,
    target: &Account,
    action: AccountAction,
    report: Option<i64>,
    reason: &str,
) -> Result<()> {
    acting.require(Permission::ManageUsers)?;
    if reason.chars().count() > MAX_COMMENT_CHARS {
        return Err(Error::bad_request(format!(
            "the text is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    let mut conn = pool.get().await?;
    let user = user_of(&mut conn, target).await?;
    if target.is_local() && user.is_none() {
        return Err(Error::new(
            ErrorKind::Gone,
            format!("@{} was deleted", target.username),
        ));
    }
    match &user {
        Some(user) => acting.require_over(target.id, user.role)?,
        None if acting.account == Some(target.id) => {
            return Err(Error::new(
                ErrorKind::Forbidden,
                "You may not do this to your own account",
            ))
        }
        None => {}
    }
    if matches!(action, AccountAction::Disable | AccountAction::Enable) && user.is_none() {
        return Err(Error::new(
            ErrorKind::Unprocessable,
            "only accounts of this server have a login to disable",
        ));
    }
    let reported = match report {
        Some(id) => {
            let found = Report::find(&mut conn, id)
                .await?
                .ok_or_else(|| Error::not_found("no such report"))?;
            if found.target_account_id != target.id {
                return Err(Error::bad_request("that report is about another account"));
            }
            Some(found)
        }
        None => None,
    };
    conn.transaction::<_, Error, _>(async |conn| {
        match action {
            AccountAction::None => false,
            AccountAction::Sensitive => {
                Account::set_limit(conn, target.id, Limit::Sensitized, true).await?
            }
            AccountAction::Unsensitive => {
                Account::set_limit(conn, target.id, Limit::Sensitized, false).await?
            }
            AccountAction::Silence => {
                Account::set_limit(conn, target.id, Limit::Silenced, true).await?
            }
            AccountAction::Unsilence => {
                Account::set_limit(conn, target.id, Limit::Silenced, false).await?
            }
            AccountAction::Suspend => {
                Account::set_limit(conn, target.id, Limit::Suspended, true).await?
            }
            AccountAction::Unsuspend => {
                Account::set_limit(conn, target.id, Limit::Suspended, false).await?
            }
            AccountAction::Disable | AccountAction::Enable => match &user {
                Some(u) => User::set_disabled(conn, u.id, action == AccountAction::Disable).await?,
                None => false,
            },
        };
        if let Some(id) = report {
            Report::set_resolved(conn, id, Some(acting.account)).await?;
        }
        if let (Some(user), Some(what)) = (&user, action.told()) {
            super::mail::moderated(conn, user, &target.username, what, reason).await?;
            let form = crate::db::account_warnings::WarningInsertForm {
                id: crate::db::new_id(),
                account_id: acting.account,
                target_account_id: target.id,
                action: action.mastodon_name(),
                text: reason,
                status_ids: reported
                    .as_ref()
                    .map(|r| r.status_ids.clone())
                    .unwrap_or_default(),
                report_id: report,
            };
            crate::db::account_warnings::insert_and_notify(conn, &form).await?;
        }
        audit(
            conn,
            acting,
            action.name(),
            &Target::account(target),
            reason,
        )
        .await
    })
    .await
}

/// Deletes a teacher's account: posts, follows and login go at once, the account
/// answers 410 from then on, and a `Delete` of the actor goes to every server that
/// follows it or that it follows. Needs `ManageUsers` and a role above theirs;
/// audited. Returns how many deliveries were queued.
#[tracing::instrument(skip(ctx, target, reason), fields(target = %target.id))]
pub async fn delete_account(
    ctx: &AppContext,
    acting: &Acting,
    target: &Account,
    reason: &str,
) -> Result<usize> {
    acting.require(Permission::ManageUsers)?;
    if !target.is_local() {
        return Err(Error::new(
            ErrorKind::Unprocessable,
            "only accounts of this server can be deleted here; suspend a remote one",
        ));
    }
    let mut conn = ctx.pool.get().await?;
    let user = user_of(&mut conn, target).await?.ok_or_else(|| {
        Error::new(
            ErrorKind::Gone,
            format!("@{} was deleted already", target.username),
        )
    })?;
    acting.require_over(target.id, user.role)?;
    let n = conn
        .transaction::<_, Error, _>(async |conn| {
            let inboxes = crate::db::aliases::related_inboxes(conn, target.id).await?;
            let activity = crate::federation::activities::delete::build_actor(ctx, target);
            let n =
                crate::federation::activities::queue(conn, ctx, target, &activity, inboxes).await?;
            crate::db::aliases::erase_local(conn, target.id).await?;
            audit(
                conn,
                acting,
                "delete_account",
                &Target::account(target),
                reason,
            )
            .await?;
            Ok(n)
        })
        .await?;
    tracing::info!(deliveries = n, "account deleted");
    ctx.dispatch(Outcome::none().delivering(n));
    Ok(n)
}

/// What moderators did to a teacher's account that they are told of (warnings with
/// their notes, limits, suspensions), newest first: the action's name, its note, when.
pub async fn notices_for(
    pool: &DbPool,
    account: &Account,
) -> Result<Vec<crate::db::audit_log::Entry>> {
    let told: Vec<&str> = [
        AccountAction::None,
        AccountAction::Sensitive,
        AccountAction::Disable,
        AccountAction::Silence,
        AccountAction::Suspend,
    ]
    .iter()
    .map(|a| a.name())
    .collect();
    let mut conn = pool.get().await?;
    Ok(crate::db::audit_log::done_to_account(&mut conn, account.id, &told, 5).await?)
}

/// An account for the admin API: any account, local or remote, by id.
pub async fn find_account(
    pool: &DbPool,
    acting: &Acting,
    id: AccountId,
) -> Result<(Account, Option<User>)> {
    acting.require(Permission::ManageUsers)?;
    let mut conn = pool.get().await?;
    let account = Account::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))?;
    let user = user_of(&mut conn, &account).await?;
    Ok((account, user))
}

pub async fn accounts(
    pool: &DbPool,
    acting: &Acting,
    filter: &crate::db::accounts::AdminFilter,
    max_id: Option<AccountId>,
    limit: i64,
) -> Result<Vec<(Account, Option<User>)>> {
    acting.require(Permission::ManageUsers)?;
    let mut conn = pool.get().await?;
    Ok(Account::admin_page(&mut conn, filter, max_id, limit.clamp(1, 200)).await?)
}

/// The accounts a list of reports names (reporters, targets, moderators), by id.
pub async fn accounts_of(
    pool: &DbPool,
    reports: &[Report],
) -> Result<Vec<(Account, Option<User>)>> {
    let mut ids: Vec<AccountId> = reports
        .iter()
        .flat_map(|r| {
            [
                Some(r.account_id),
                Some(r.target_account_id),
                r.assigned_account_id,
                r.action_taken_by_account_id,
            ]
        })
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    let mut conn = pool.get().await?;
    let accounts = Account::find_many(&mut conn, &ids).await?;
    let mut out = Vec::with_capacity(accounts.len());
    for a in accounts {
        let user = user_of(&mut conn, &a).await?;
        out.push((a, user));
    }
    Ok(out)
}

/// Domain blocks and allows as the admin API manages them: the same policy as
/// `staffroom domain …` (federation::domains), with the actor's permission checked
/// and each change in the audit log. Needs `ManageFederation`.
pub mod domains {
    use super::*;
    use crate::{
        config::FederationMode,
        db::{
            domain_allows,
            domain_blocks::{self, DomainBlock},
        },
        federation::domains as policy,
    };
    use chrono::{DateTime, Utc};

    fn target(domain: &str) -> Target<'static> {
        Target {
            kind: "domain",
            id: None,
            name: domain.to_string(),
        }
    }

    pub async fn blocks(
        pool: &DbPool,
        acting: &Acting,
        max_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DomainBlock>> {
        acting.require(Permission::ManageFederation)?;
        let mut conn = pool.get().await?;
        Ok(domain_blocks::page(&mut conn, max_id, limit.clamp(1, 200)).await?)
    }

    pub async fn find_block(pool: &DbPool, acting: &Acting, id: i64) -> Result<DomainBlock> {
        acting.require(Permission::ManageFederation)?;
        let mut conn = pool.get().await?;
        domain_blocks::find(&mut conn, id)
            .await?
            .ok_or_else(|| Error::not_found("Record not found"))
    }

    /// Blocks a server (or changes an existing block's comments).
    pub async fn block(
        pool: &DbPool,
        acting: &Acting,
        host: &str,
        private_comment: Option<&str>,
        public_comment: Option<&str>,
    ) -> Result<DomainBlock> {
        acting.require(Permission::ManageFederation)?;
        let mut conn = pool.get().await?;
        conn.transaction::<_, Error, _>(async |conn| {
            let (added, dropped) = policy::block_in(conn, host).await?;
            let domain = policy::host_arg(host)?;
            domain_blocks::set_comments(conn, &domain, private_comment, public_comment).await?;
            if added {
                tracing::info!(%domain, dropped, "domain blocked");
                audit(
                    conn,
                    acting,
                    "block_domain",
                    &target(&domain),
                    private_comment.unwrap_or(""),
                )
                .await?;
            }
            domain_blocks::find_by_domain(conn, &domain)
                .await?
                .ok_or_else(|| Error::internal(anyhow::anyhow!("the block just made is gone")))
        })
        .await
    }

    pub async fn update_block(
        pool: &DbPool,
        acting: &Acting,
        id: i64,
        private_comment: Option<&str>,
        public_comment: Option<&str>,
    ) -> Result<DomainBlock> {
        let found = find_block(pool, acting, id).await?;
        block(
            pool,
            acting,
            &found.domain,
            private_comment.or(found.private_comment.as_deref()),
            public_comment.or(found.public_comment.as_deref()),
        )
        .await
    }

    pub async fn unblock(pool: &DbPool, acting: &Acting, id: i64) -> Result<()> {
        let found = find_block(pool, acting, id).await?;
        let mut conn = pool.get().await?;
        conn.transaction::<_, Error, _>(async |conn| {
            if policy::unblock_in(conn, &found.domain).await? {
                audit(conn, acting, "unblock_domain", &target(&found.domain), "").await?;
            }
            Ok(())
        })
        .await
    }

    pub async fn allows(
        pool: &DbPool,
        acting: &Acting,
        max_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<(i64, String, DateTime<Utc>)>> {
        acting.require(Permission::ManageFederation)?;
        let mut conn = pool.get().await?;
        Ok(domain_allows::page(&mut conn, max_id, limit.clamp(1, 200)).await?)
    }

    pub async fn find_allow(
        pool: &DbPool,
        acting: &Acting,
        id: i64,
    ) -> Result<(i64, String, DateTime<Utc>)> {
        acting.require(Permission::ManageFederation)?;
        let mut conn = pool.get().await?;
        domain_allows::find(&mut conn, id)
            .await?
            .ok_or_else(|| Error::not_found("Record not found"))
    }

    pub async fn allow(
        pool: &DbPool,
        acting: &Acting,
        host: &str,
    ) -> Result<(i64, String, DateTime<Utc>)> {
        acting.require(Permission::ManageFederation)?;
        let mut conn = pool.get().await?;
        conn.transaction::<_, Error, _>(async |conn| {
            let added = policy::allow_in(conn, host).await?;
            let domain = policy::host_arg(host)?;
            if added {
                audit(conn, acting, "allow_domain", &target(&domain), "").await?;
            }
            domain_allows::find_by_domain(conn, &domain)
                .await?
                .ok_or_else(|| Error::internal(anyhow::anyhow!("the allow just made is gone")))
        })
        .await
    }

    pub async fn disallow(
        pool: &DbPool,
        acting: &Acting,
        id: i64,
        mode: FederationMode,
    ) -> Result<()> {
        let (_, domain, _) = find_allow(pool, acting, id).await?;
        let mut conn = pool.get().await?;
        conn.transaction::<_, Error, _>(async |conn| {
            if policy::disallow_in(conn, &domain, mode).await?.0 {
                audit(conn, acting, "disallow_domain", &target(&domain), "").await?;
            }
            Ok(())
        })
        .await
    }
}

/// A moderator removes a post (from a report, or wherever they found it). A post
/// written here is deleted as its author would delete it (the `Delete` goes to
/// everyone who got it), and only by someone whose role is above its author's; our
/// copy of another server's post goes from here (its server is told through a
/// forwarded report, not by us deleting what is not ours). Needs
/// `ManageReports`; audited with `reason`.
#[tracing::instrument(skip(ctx, reason))]
pub async fn delete_post(
    ctx: &AppContext,
    acting: &Acting,
    id: StatusId,
    reason: &str,
) -> Result<()> {
    acting.require(Permission::ManageReports)?;
    if reason.chars().count() > MAX_COMMENT_CHARS {
        return Err(Error::bad_request(format!(
            "the text is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    let mut conn = ctx.pool.get().await?;
    let status = crate::db::statuses::Status::find(&mut conn, id)
        .await?
        .filter(|s| s.deleted_at.is_none() && s.reblog_of_id.is_none())
        .ok_or_else(|| Error::not_found("no such post"))?;
    let author = Account::find(&mut conn, status.account_id)
        .await?
        .ok_or_else(|| Error::not_found("the post's author is gone"))?;
    if let Some(user) = user_of(&mut conn, &author).await? {
        acting.require_over(author.id, user.role)?;
    }
    drop(conn);
    if author.is_local() {
        super::statuses::delete_as(ctx, &author, &status, Some((acting, reason))).await
    } else {
        super::statuses::remove_received(ctx, &author, &status, Some((acting, reason))).await
    }
}

/// The posts attached to a report, as its reporter could see them (they were
/// checked when it was filed; the visibility rule still decides today).
pub async fn report_statuses(
    pool: &DbPool,
    report: &Report,
) -> Result<Vec<super::status_views::StatusView>> {
    let mut conn = pool.get().await?;
    let ids: Vec<StatusId> = report.status_ids.iter().map(|id| StatusId(*id)).collect();
    let statuses = crate::db::statuses::Status::find_many(&mut conn, &ids).await?;
    let visible =
        super::visibility::only_visible(&mut conn, Some(report.account_id), statuses).await?;
    super::status_views::views(&mut conn, visible, None).await
}
