//! The admin pages (`/admin/…`) for staff: accounts (roles, sign-ups waiting,
//! warning, limiting and suspending, here and on other servers), the report queue
//! (acting on a report, removing posts), invites and registrations, the servers we
//! federate with (domain blocks and the allowlist), tag actors (switching a
//! hashtag's announcing off and on), relays, and the audit log. Every check of who
//! may do what is services::roles', through the same
//! service calls as the admin API and the command line; a refusal is a 403 page.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{self, Failure, SignedInBrowser},
};
use crate::{
    context::AppContext,
    db::{accounts::AdminFilter, reports::Filter, users::Role, AccountId},
    error::Error,
    services::{
        moderation::{self, AccountAction, ReportChange},
        registrations::{self, InvitesBy, RegistrationMode},
        relays,
        roles::{self, Acting},
    },
};
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

fn page(ctx: &AppContext, browser: &SignedInBrowser, title: &str, body: Markup) -> HttpResponse {
    let lang = browser.lang;
    let body = html! {
        nav aria-label=(t(lang, Msg::AdminNavigation)) {
            ul {
                li { a href="/admin/accounts" { (t(lang, Msg::AdminAccounts)) } }
                li { a href="/admin/reports" { (t(lang, Msg::AdminReports)) } }
                li { a href="/admin/joining" { (t(lang, Msg::AdminJoining)) } }
                li { a href="/admin/federation" { (t(lang, Msg::AdminFederation)) } }
                li { a href="/admin/tags" { (t(lang, Msg::AdminTags)) } }
                li { a href="/admin/relays" { (t(lang, Msg::AdminRelays)) } }
                li { a href="/admin/audit" { (t(lang, Msg::AdminAudit)) } }
            }
        }
        (body)
    };
    super::private_response(super::frame(
        lang,
        title,
        ctx.urls.domain(),
        Some(browser),
        body,
    ))
}

fn acting(browser: &SignedInBrowser) -> Acting {
    Acting::user(&browser.session.user)
}

fn handle(a: &crate::db::accounts::Account) -> String {
    match &a.domain {
        Some(d) => format!("@{}@{d}", a.username),
        None => format!("@{}", a.username),
    }
}

fn when(d: &chrono::DateTime<chrono::Utc>) -> String {
    d.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A one-button form POSTing to `action`.
fn button(browser: &SignedInBrowser, action: &str, label: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (browser.csrf_field())
            button type="submit" { (label) }
        }
    }
}

fn role_name(lang: Lang, role: Role) -> &'static str {
    t(
        lang,
        match role {
            Role::Owner => Msg::RoleOwner,
            Role::Admin => Msg::RoleAdmin,
            Role::Moderator => Msg::RoleModerator,
            Role::Member => Msg::RoleMember,
        },
    )
}

#[derive(Deserialize)]
pub struct AccountsQuery {
    /// Accounts of other servers instead of ours.
    #[serde(default)]
    remote: Option<String>,
}

/// A note field and a button: an action whose text the teacher is told (a
/// warning), or that stays in the audit log as its reason.
fn action_with_note(
    browser: &SignedInBrowser,
    action: &str,
    id: &str,
    label: &str,
    button_label: &str,
) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            (browser.csrf_field())
            label for=(id) { (label) }
            " "
            input id=(id) type="text" name="text" maxlength=(moderation::MAX_COMMENT_CHARS);
            " "
            button type="submit" { (button_label) }
        }
    }
}

pub async fn accounts(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    query: web::Query<AccountsQuery>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let acting = acting(&browser);
    let remote = query.remote.is_some();
    let rows = moderation::accounts(
        &ctx.pool,
        &acting,
        &AdminFilter {
            local: !remote,
            remote,
            ..Default::default()
        },
        None,
        200,
    )
    .await
    .map_err(Failure::from(lang))?;
    if remote {
        return Ok(page(
            &ctx,
            &browser,
            t(lang, Msg::AdminRemoteAccounts),
            remote_accounts(&browser, &rows),
        ));
    }
    let may_change_roles = acting.require(roles::Permission::ManageRoles).is_ok();
    let title = t(lang, Msg::AdminAccounts);
    let body = html! {
        h1 { (title) }
        p { a href="/admin/accounts?remote=1" { (t(lang, Msg::AdminRemoteAccounts)) } }
        table {
            thead { tr { th { (t(lang, Msg::Username)) } th { (t(lang, Msg::RoleHeading)) } th { (t(lang, Msg::StateHeading)) } th { (t(lang, Msg::PostActions)) } } }
            tbody {
                @for (a, user) in &rows {
                    @let Some(user) = user else { continue };
                    @let base = format!("/admin/accounts/{}", a.id);
                    tr {
                        td { a href=(ctx.urls.profile(&a.username)) { (handle(a)) } }
                        td {
                            @if may_change_roles && user.account_id != browser.account().id {
                                form.inline method="post" action=(format!("{base}/role")) {
                                    (browser.csrf_field())
                                    label for=(format!("role-{}", a.id)) { (tf(lang, Msg::RoleOf, &[("handle", &handle(a))])) }
                                    " "
                                    select id=(format!("role-{}", a.id)) name="role" {
                                        @for role in Role::ALL {
                                            option value=(role.as_str()) selected[role == user.role] { (role_name(lang, role)) }
                                        }
                                    }
                                    " "
                                    button type="submit" { (t(lang, Msg::ChangeRole)) }
                                }
                            } @else {
                                (role_name(lang, user.role))
                            }
                        }
                        td {
                            @if !user.approved { (t(lang, Msg::StatePending)) " " @if let Some(r) = &user.sign_up_reason { q { (r) } } }
                            @if a.suspended_at.is_some() { (t(lang, Msg::StateSuspended)) " " }
                            @if a.silenced_at.is_some() { (t(lang, Msg::StateLimited)) " " }
                            @if user.disabled { (t(lang, Msg::StateDisabled)) }
                        }
                        td {
                            @if !user.approved {
                                (button(&browser, &format!("{base}/approve"), &tf(lang, Msg::ApproveAccount, &[("handle", &handle(a))])))
                                (button(&browser, &format!("{base}/reject"), &tf(lang, Msg::RejectAccount, &[("handle", &handle(a))])))
                            } @else if user.account_id != browser.account().id {
                                @if a.suspended_at.is_some() {
                                    (button(&browser, &format!("{base}/unsuspend"), &tf(lang, Msg::UnsuspendAccount, &[("handle", &handle(a))])))
                                } @else {
                                    (button(&browser, &format!("{base}/suspend"), &tf(lang, Msg::SuspendAccount, &[("handle", &handle(a))])))
                                }
                                @if a.silenced_at.is_some() {
                                    (button(&browser, &format!("{base}/unsilence"), &tf(lang, Msg::UnlimitAccount, &[("handle", &handle(a))])))
                                } @else {
                                    (button(&browser, &format!("{base}/silence"), &tf(lang, Msg::LimitAccount, &[("handle", &handle(a))])))
                                }
                                (action_with_note(&browser, &format!("{base}/warn"), &format!("warn-{}", a.id), &tf(lang, Msg::WarningFor, &[("handle", &handle(a))]), &tf(lang, Msg::WarnAccount, &[("handle", &handle(a))])))
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &browser, title, body))
}

/// Accounts of other servers known here: limit or suspend them (their server is
/// not told; a forwarded report does that).
fn remote_accounts(
    browser: &SignedInBrowser,
    rows: &[(crate::db::accounts::Account, Option<crate::db::users::User>)],
) -> Markup {
    let lang = browser.lang;
    html! {
        h1 { (t(lang, Msg::AdminRemoteAccounts)) }
        p { a href="/admin/accounts" { (t(lang, Msg::AdminAccounts)) } }
        table {
            thead { tr { th { (t(lang, Msg::Username)) } th { (t(lang, Msg::StateHeading)) } th { (t(lang, Msg::PostActions)) } } }
            tbody {
                @for (a, _) in rows {
                    @let base = format!("/admin/accounts/{}", a.id);
                    tr {
                        td { a href=(format!("/{}", handle(a))) { (handle(a)) } }
                        td {
                            @if a.suspended_at.is_some() { (t(lang, Msg::StateSuspended)) " " }
                            @if a.silenced_at.is_some() { (t(lang, Msg::StateLimited)) }
                        }
                        td {
                            @if a.suspended_at.is_some() {
                                (button(browser, &format!("{base}/unsuspend"), &tf(lang, Msg::UnsuspendAccount, &[("handle", &handle(a))])))
                            } @else {
                                (button(browser, &format!("{base}/suspend"), &tf(lang, Msg::SuspendAccount, &[("handle", &handle(a))])))
                            }
                            @if a.silenced_at.is_some() {
                                (button(browser, &format!("{base}/unsilence"), &tf(lang, Msg::UnlimitAccount, &[("handle", &handle(a))])))
                            } @else {
                                (button(browser, &format!("{base}/silence"), &tf(lang, Msg::LimitAccount, &[("handle", &handle(a))])))
                            }
                        }
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: RoleForm = browser.form(&body)?;
    let (target, _) = find(&ctx, &browser, &id).await?;
    let role = Role::parse(&form.role).ok_or_else(|| {
        Failure::from(lang)(Error::bad_request(format!("unknown role {:?}", form.role)))
    })?;
    roles::set_role(&ctx.pool, &acting(&browser), &target.username, role)
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other("/admin/accounts"))
}

async fn find(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    id: &str,
) -> Result<(crate::db::accounts::Account, Option<crate::db::users::User>), Failure> {
    let lang = browser.lang;
    let id: i64 = id
        .parse()
        .map_err(|_| Failure::from(lang)(Error::not_found("no such account")))?;
    moderation::find_account(&ctx.pool, &acting(browser), AccountId(id))
        .await
        .map_err(Failure::from(lang))
}

pub async fn account_action(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: NoteForm = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let (target, _) = find(&ctx, &browser, &id).await?;
    let back = if target.is_local() {
        "/admin/accounts"
    } else {
        "/admin/accounts?remote=1"
    };
    let acting = acting(&browser);
    let fail = Failure::from(lang);
    let action = match verb.as_str() {
        "approve" => {
            return registrations::approve(&ctx.pool, &acting, &target)
                .await
                .map_err(fail)
                .map(|()| session::see_other("/admin/accounts"))
        }
        "reject" => {
            return registrations::reject(&ctx.pool, &acting, &target)
                .await
                .map_err(fail)
                .map(|()| session::see_other("/admin/accounts"))
        }
        "warn" => AccountAction::None,
        "suspend" => AccountAction::Suspend,
        "unsuspend" => AccountAction::Unsuspend,
        "silence" => AccountAction::Silence,
        "unsilence" => AccountAction::Unsilence,
        _ => return Err(fail(Error::not_found("no such action"))),
    };
    moderation::act(&ctx, &acting, &target, action, None, form.text.trim())
        .await
        .map_err(fail)?;
    Ok(session::see_other(back))
}

/// A form whose only field (besides its CSRF token) is an optional note.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    text: String,
}

#[derive(Deserialize)]
pub struct ReportsQuery {
    /// Resolved reports instead of open ones.
    #[serde(default)]
    resolved: Option<String>,
}

pub async fn reports(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    query: web::Query<ReportsQuery>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let resolved = query.resolved.is_some();
    let filter = Filter {
        resolved,
        ..Filter::default()
    };
    let found = moderation::reports(&ctx.pool, &acting(&browser), &filter, None, 100)
        .await
        .map_err(&fail)?;
    let accounts: std::collections::HashMap<AccountId, crate::db::accounts::Account> =
        moderation::accounts_of(&ctx.pool, &found)
            .await
            .map_err(&fail)?
            .into_iter()
            .map(|(a, _)| (a.id, a))
            .collect();
    let name = |id: AccountId| accounts.get(&id).map(handle).unwrap_or_default();
    let title = t(lang, Msg::AdminReports);
    let body = html! {
        h1 { (title) }
        @if resolved {
            p { a href="/admin/reports" { (t(lang, Msg::OpenReports)) } }
        } @else {
            p { a href="/admin/reports?resolved=1" { (t(lang, Msg::ResolvedReports)) } }
        }
        @if found.is_empty() { p { (t(lang, Msg::NoReports)) } }
        @for r in &found {
            @let target = name(r.target_account_id);
            article aria-label=(tf(lang, Msg::ReportAbout, &[("handle", &target)])) {
                h2 { (tf(lang, Msg::ReportAbout, &[("handle", &target)])) }
                p { (tf(lang, Msg::ReportedBy, &[("handle", &name(r.account_id)), ("date", &when(&r.created_at))])) " · " (r.category) }
                @if !r.comment.is_empty() { blockquote { (r.comment) } }
                @for view in moderation::report_statuses(&ctx.pool, r).await.map_err(&fail)? {
                    (super::posts::article(&ctx, lang, None, &view, "/admin/reports"))
                    (action_with_note(&browser, &format!("/admin/statuses/{}/delete", view.status.id), &format!("delete-{}-{}", r.id, view.status.id), t(lang, Msg::ReasonLabel), t(lang, Msg::DeletePostAsModerator)))
                }
                @if let Some(who) = r.assigned_account_id {
                    p { (tf(lang, Msg::AssignedTo, &[("handle", &name(who))])) }
                    (button(&browser, &format!("/admin/reports/{}/unassign", r.id), t(lang, Msg::Unassign)))
                } @else {
                    (button(&browser, &format!("/admin/reports/{}/assign_to_self", r.id), t(lang, Msg::AssignToMe)))
                }
                @if resolved {
                    (button(&browser, &format!("/admin/reports/{}/reopen", r.id), t(lang, Msg::ReopenReport)))
                } @else {
                    form method="post" action=(format!("/admin/reports/{}/act", r.id)) {
                        (browser.csrf_field())
                        p {
                            label for=(format!("action-{}", r.id)) { (tf(lang, Msg::ActionOn, &[("handle", &target)])) }
                            " "
                            select id=(format!("action-{}", r.id)) name="action" {
                                option value="none" { (t(lang, Msg::ActionNone)) }
                                option value="warn" { (t(lang, Msg::ActionWarn)) }
                                option value="silence" { (t(lang, Msg::ActionLimit)) }
                                option value="suspend" { (t(lang, Msg::ActionSuspend)) }
                            }
                        }
                        p {
                            label for=(format!("text-{}", r.id)) { (t(lang, Msg::ActionNote)) }
                            textarea id=(format!("text-{}", r.id)) name="text" rows="2" maxlength=(moderation::MAX_COMMENT_CHARS) {}
                        }
                        p { button type="submit" { (t(lang, Msg::ResolveReport)) } }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &browser, title, body))
}

pub async fn report_action(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: ReportActForm = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let fail = Failure::from(lang);
    let id: i64 = id
        .parse()
        .map_err(|_| fail(Error::not_found("no such report")))?;
    let change = match verb.as_str() {
        "resolve" => ReportChange::Resolve,
        "reopen" => ReportChange::Reopen,
        "assign_to_self" => ReportChange::AssignToSelf,
        "unassign" => ReportChange::Unassign,
        "act" => {
            let acting = acting(&browser);
            let report = moderation::find_report(&ctx.pool, &acting, id)
                .await
                .map_err(&fail)?;
            let action = match form.action.as_str() {
                // Resolving with no action taken, the note kept as the reason.
                "" | "none" => None,
                "warn" => Some(AccountAction::None),
                other => Some(AccountAction::parse(other).ok_or_else(|| {
                    fail(Error::bad_request(format!("unknown action {other:?}")))
                })?),
            };
            match action {
                Some(action) => {
                    let (target, _) =
                        moderation::find_account(&ctx.pool, &acting, report.target_account_id)
                            .await
                            .map_err(&fail)?;
                    moderation::act(&ctx, &acting, &target, action, Some(id), form.text.trim())
                        .await
                        .map_err(&fail)?;
                }
                None => {
                    moderation::change_report(&ctx.pool, &acting, id, ReportChange::Resolve)
                        .await
                        .map_err(&fail)?;
                }
            }
            return Ok(session::see_other("/admin/reports"));
        }
        _ => return Err(fail(Error::not_found("no such action"))),
    };
    moderation::change_report(&ctx.pool, &acting(&browser), id, change)
        .await
        .map_err(fail)?;
    Ok(session::see_other("/admin/reports"))
}

#[derive(Deserialize)]
pub struct ReportActForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    text: String,
}

/// `POST /admin/statuses/ID/delete`: a moderator removes a post (services::
/// moderation::delete_post decides who may), the note kept as the reason.
pub async fn delete_status(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let fail = Failure::from(browser.lang);
    let form: NoteForm = browser.form(&body)?;
    let id: i64 = id
        .parse()
        .map_err(|_| fail(Error::not_found("no such post")))?;
    moderation::delete_post(
        &ctx,
        &acting(&browser),
        crate::db::StatusId(id),
        form.text.trim(),
    )
    .await
    .map_err(fail)?;
    Ok(session::see_other("/admin/reports"))
}

/// Registrations and invites: the mode, a form to make an invite, the invites made.
pub async fn joining(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    joining_page(&ctx, &browser, None).await
}

async fn joining_page(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    made: Option<&str>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let acting = acting(browser);
    let invites = registrations::list_invites(&ctx.pool, &acting)
        .await
        .map_err(&fail)?;
    let mode = registrations::mode(&ctx.pool).await.map_err(&fail)?;
    let profile = registrations::profile(&ctx.pool).await.map_err(&fail)?;
    let rules = registrations::rules(&ctx.pool).await.map_err(&fail)?;
    let invites_by = registrations::invites_by(&ctx.pool).await.map_err(&fail)?;
    let mode_name = |m: RegistrationMode| {
        t(
            lang,
            match m {
                RegistrationMode::Closed => Msg::ModeClosed,
                RegistrationMode::InviteOnly => Msg::ModeInviteOnly,
                RegistrationMode::Approval => Msg::ModeApproval,
                RegistrationMode::Open => Msg::ModeOpen,
            },
        )
    };
    let title = t(lang, Msg::AdminJoining);
    let body = html! {
        h1 { (title) }
        @if let Some(url) = made { p role="status" { (t(lang, Msg::InviteMade)) " " code { (url) } } }
        form method="post" action="/admin/joining/registrations" {
            (browser.csrf_field())
            p {
                label for="registrations" { (t(lang, Msg::RegistrationsLabel)) }
                " "
                select #registrations name="registrations" {
                    @for m in RegistrationMode::ALL { option value=(m.as_str()) selected[m == mode] { (mode_name(m)) } }
                }
                " "
                button type="submit" { (t(lang, Msg::SaveButton)) }
            }
        }
        h2 { (t(lang, Msg::InstanceProfileHeading)) }
        form method="post" action="/admin/joining/profile" {
            (browser.csrf_field())
            p {
                label for="description" { (t(lang, Msg::InstanceDescription)) }
                textarea #description name="description" rows="4" maxlength=(registrations::MAX_DESCRIPTION_CHARS) { (profile.description) }
            }
            p {
                label for="contact" { (t(lang, Msg::InstanceContact)) }
                input #contact type="email" name="contact" value=(profile.contact.clone().unwrap_or_default());
            }
            p {
                label for="rules" { (t(lang, Msg::InstanceRules)) }
                textarea #rules name="rules" rows="6" maxlength=(registrations::MAX_RULES_CHARS) { (rules.join("\n")) }
            }
            p { button type="submit" { (t(lang, Msg::SaveButton)) } }
        }
        h2 { (t(lang, Msg::InvitesHeading)) }
        form method="post" action="/admin/joining/invites_by" {
            (browser.csrf_field())
            p {
                label for="invites_by" { (t(lang, Msg::InvitesByLabel)) }
                " "
                select #invites_by name="invites_by" {
                    @for by in InvitesBy::ALL {
                        option value=(by.as_str()) selected[by == invites_by] {
                            (t(lang, match by {
                                InvitesBy::Admins => Msg::InvitesByAdmins,
                                InvitesBy::Staff => Msg::InvitesByStaff,
                                InvitesBy::Everyone => Msg::InvitesByEveryone,
                            }))
                        }
                    }
                }
                " "
                button type="submit" { (t(lang, Msg::SaveButton)) }
            }
        }
        (super::invites::form(browser, "/admin/joining/invites"))
        (super::invites::list(ctx, lang, &invites))
    };
    Ok(page(ctx, browser, title, body))
}

#[derive(Deserialize)]
pub struct RegistrationsForm {
    #[serde(default)]
    registrations: String,
}

pub async fn set_registrations(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: RegistrationsForm = browser.form(&body)?;
    registrations::set_setting(
        &ctx.pool,
        &acting(&browser),
        "registrations",
        &form.registrations,
    )
    .await
    .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other("/admin/joining"))
}

#[derive(Deserialize)]
pub struct InvitesByForm {
    #[serde(default)]
    invites_by: String,
}

pub async fn set_invites_by(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: InvitesByForm = browser.form(&body)?;
    registrations::set_setting(&ctx.pool, &acting(&browser), "invites_by", &form.invites_by)
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other("/admin/joining"))
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    rules: String,
}

/// `POST /admin/joining/profile`: description, contact and rules, each changed
/// (and audited) only if it differs.
pub async fn set_profile(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let fail = Failure::from(browser.lang);
    let form: ProfileForm = browser.form(&body)?;
    let acting = acting(&browser);
    let profile = registrations::profile(&ctx.pool).await.map_err(&fail)?;
    let rules = registrations::rules(&ctx.pool)
        .await
        .map_err(&fail)?
        .join("\n");
    let rules_given = form
        .rules
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if form.description.trim() != profile.description {
        registrations::set_setting(&ctx.pool, &acting, "description", &form.description)
            .await
            .map_err(&fail)?;
    }
    if form.contact.trim() != profile.contact.unwrap_or_default() {
        registrations::set_setting(&ctx.pool, &acting, "contact", &form.contact)
            .await
            .map_err(&fail)?;
    }
    if rules_given != rules {
        registrations::set_setting(&ctx.pool, &acting, "rules", &rules_given)
            .await
            .map_err(&fail)?;
    }
    Ok(session::see_other("/admin/joining"))
}

pub async fn make_invite(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: super::invites::InviteForm = browser.form(&body)?;
    let (max_uses, days) = form.limits().map_err(Failure::from(lang))?;
    let invite = registrations::create_invite(&ctx.pool, &acting(&browser), max_uses, days)
        .await
        .map_err(Failure::from(lang))?;
    joining_page(&ctx, &browser, Some(&ctx.urls.invite(&invite.code))).await
}

pub async fn audit(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let entries = roles::audit_log(&ctx.pool, &acting(&browser), None, 200)
        .await
        .map_err(Failure::from(lang))?;
    let title = t(lang, Msg::AdminAudit);
    let body = html! {
        h1 { (title) }
        table {
            thead { tr { th { (t(lang, Msg::AuditWhen)) } th { (t(lang, Msg::AuditWho)) } th { (t(lang, Msg::AuditWhat)) } th { (t(lang, Msg::AuditTarget)) } th { (t(lang, Msg::AuditWhy)) } } }
            tbody {
                @for (e, who) in &entries {
                    tr {
                        td { (when(&e.created_at)) }
                        td { @if let Some(who) = who { "@" (who) } @else { (t(lang, Msg::CommandLine)) } }
                        td { (e.action) }
                        td { (e.target_name) }
                        td { (e.reason) }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &browser, title, body))
}

/// The servers we federate with: domain blocks (with their comments) and, in
/// allowlist mode, the partners. The same services as the admin API and
/// `staffroom domain …`; needs `ManageFederation`.
pub async fn federation(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let acting = acting(&browser);
    let blocks = moderation::domains::blocks(&ctx.pool, &acting, None, 200)
        .await
        .map_err(&fail)?;
    let allows = moderation::domains::allows(&ctx.pool, &acting, None, 200)
        .await
        .map_err(&fail)?;
    let allowlist = ctx.settings.federation_mode == crate::config::FederationMode::Allowlist;
    let title = t(lang, Msg::AdminFederation);
    let body = html! {
        h1 { (title) }
        p { (t(lang, if allowlist { Msg::FederationModeAllowlist } else { Msg::FederationModeOpen })) }
        h2 { (t(lang, Msg::BlockedServers)) }
        form method="post" action="/admin/federation/blocks" {
            (browser.csrf_field())
            p {
                label for="block-domain" { (t(lang, Msg::ServerName)) }
                input #block-domain type="text" name="domain" required;
            }
            p {
                label for="private_comment" { (t(lang, Msg::PrivateComment)) }
                input #private_comment type="text" name="private_comment" maxlength="1000";
            }
            p {
                label for="public_comment" { (t(lang, Msg::PublicComment)) }
                input #public_comment type="text" name="public_comment" maxlength="1000";
            }
            p { button type="submit" { (t(lang, Msg::BlockServer)) } }
        }
        @if blocks.is_empty() { p { (t(lang, Msg::NoBlockedServers)) } }
        ul {
            @for b in &blocks {
                li {
                    strong { (b.domain) }
                    @if let Some(c) = &b.public_comment { " — " (c) }
                    @if let Some(c) = &b.private_comment { " (" (c) ")" }
                    " "
                    (button(&browser, &format!("/admin/federation/blocks/{}/remove", b.id), &tf(lang, Msg::UnblockServer, &[("domain", &b.domain)])))
                }
            }
        }
        h2 { (t(lang, Msg::AllowedServers)) }
        form method="post" action="/admin/federation/allows" {
            (browser.csrf_field())
            p {
                label for="allow-domain" { (t(lang, Msg::ServerName)) }
                input #allow-domain type="text" name="domain" required;
                " "
                button type="submit" { (t(lang, Msg::AllowServer)) }
            }
        }
        ul {
            @for (id, domain, _) in &allows {
                li {
                    strong { (domain) } " "
                    (button(&browser, &format!("/admin/federation/allows/{id}/remove"), &tf(lang, Msg::DisallowServer, &[("domain", domain)])))
                }
            }
        }
    };
    Ok(page(&ctx, &browser, title, body))
}

#[derive(Deserialize)]
pub struct DomainForm {
    #[serde(default)]
    domain: String,
    #[serde(default)]
    private_comment: String,
    #[serde(default)]
    public_comment: String,
}

fn comment(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|c| !c.is_empty())
}

pub async fn block_server(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: DomainForm = browser.form(&body)?;
    moderation::domains::block(
        &ctx.pool,
        &acting(&browser),
        form.domain.trim(),
        comment(&form.private_comment),
        comment(&form.public_comment),
    )
    .await
    .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other("/admin/federation"))
}

pub async fn allow_server(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: DomainForm = browser.form(&body)?;
    moderation::domains::allow(&ctx.pool, &acting(&browser), form.domain.trim())
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other("/admin/federation"))
}

/// `POST /admin/federation/{blocks|allows}/ID/remove`.
pub async fn remove_server_rule(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let fail = Failure::from(browser.lang);
    let _: NoteForm = browser.form(&body)?;
    let (kind, id) = path.into_inner();
    let id: i64 = id
        .parse()
        .map_err(|_| fail(Error::not_found("Record not found")))?;
    let acting = acting(&browser);
    match kind.as_str() {
        "blocks" => moderation::domains::unblock(&ctx.pool, &acting, id).await,
        "allows" => {
            moderation::domains::disallow(&ctx.pool, &acting, id, ctx.settings.federation_mode)
                .await
        }
        _ => Err(Error::not_found("no such list")),
    }
    .map_err(fail)?;
    Ok(session::see_other("/admin/federation"))
}

/// Tag actors (services::tag_actors): which hashtags announce, their followers, and
/// switching one off or on, listed or by name.
pub async fn tags(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let actors = crate::services::tag_actors::list(&ctx.pool, &acting(&browser))
        .await
        .map_err(Failure::from(lang))?;
    let title = t(lang, Msg::AdminTags);
    let body = html! {
        h1 { (title) }
        p { (tf(lang, Msg::AdminTagsIntro, &[
            ("per_tag", &crate::services::tag_actors::PER_TAG_PER_HOUR.to_string()),
            ("per_author", &crate::services::tag_actors::PER_AUTHOR_PER_HOUR.to_string()),
        ])) }
        @if actors.is_empty() {
            p { (t(lang, Msg::AdminTagsNone)) }
        } @else {
            table {
                thead { tr { th { (t(lang, Msg::AdminTagName)) } th { (t(lang, Msg::AdminTagState)) } th { (t(lang, Msg::AdminTagFollowers)) } th { (t(lang, Msg::AdminTagAnnounced)) } th { (t(lang, Msg::AdminTagLast)) } th {} } }
                tbody {
                    @for a in &actors {
                        tr {
                            td { a href=(ctx.urls.tag(&a.name)) { "#" (a.name) } }
                            td { @if a.enabled { (t(lang, Msg::AdminTagEnabled)) } @else { (t(lang, Msg::AdminTagDisabled)) } }
                            td { (a.followers) }
                            td { (a.announced) }
                            td { @if let Some(d) = &a.last_announced_at { (when(d)) } @else { "–" } }
                            td {
                                @if a.enabled {
                                    (button(&browser, &format!("/admin/tags/{}/disable", a.name), &tf(lang, Msg::AdminTagDisable, &[("name", &a.name)])))
                                } @else {
                                    (button(&browser, &format!("/admin/tags/{}/enable", a.name), &tf(lang, Msg::AdminTagEnable, &[("name", &a.name)])))
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(lang, Msg::AdminTagSwitchOff)) }
        form method="post" action="/admin/tags" {
            (browser.csrf_field())
            label for="tag-name" { (t(lang, Msg::AdminTagName)) }
            input #tag-name type="text" name="name" required;
            button type="submit" { (t(lang, Msg::AdminTagSwitchOff)) }
        }
    };
    Ok(page(&ctx, &browser, title, body))
}

#[derive(Deserialize)]
pub struct TagForm {
    name: String,
}

/// Switches off the hashtag named in the form (one not listed yet, too).
pub async fn disable_tag(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: TagForm = browser.form(&body)?;
    switch_tag(&ctx, &browser, &form.name, false).await
}

pub async fn tag_action(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let _: Vec<(String, String)> = browser.form(&body)?;
    let (name, verb) = path.into_inner();
    let enabled = match verb.as_str() {
        "enable" => true,
        "disable" => false,
        _ => {
            return Err(Failure::from(browser.lang)(Error::not_found(
                "no such action",
            )))
        }
    };
    switch_tag(&ctx, &browser, &name, enabled).await
}

async fn switch_tag(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    name: &str,
    enabled: bool,
) -> Result<HttpResponse, Failure> {
    crate::services::tag_actors::set_enabled(&ctx.pool, &acting(browser), name, enabled)
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other("/admin/tags"))
}

/// Relays (services/relays.rs): each with its style and state, per-hashtag
/// subscriptions under their base, a form to add one and a button to remove each.
pub async fn relays_page(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let listed = relays::list(&ctx, &acting(&browser))
        .await
        .map_err(Failure::from(lang))?;
    let state = |s: &str| {
        t(
            lang,
            match s {
                "accepted" => Msg::RelayAccepted,
                "rejected" => Msg::RelayRejected,
                _ => Msg::RelayPending,
            },
        )
    };
    let title = t(lang, Msg::AdminRelays);
    let body = html! {
        h1 { (title) }
        p { (t(lang, Msg::RelaysIntro)) }
        form method="post" action="/admin/relays" {
            (browser.csrf_field())
            p {
                label for="relay_url" { (t(lang, Msg::RelayUrlLabel)) }
                " "
                input #relay_url type="url" name="url" required placeholder="https://relay.example/inbox";
                " "
                button type="submit" { (t(lang, Msg::AddRelay)) }
            }
        }
        @if listed.is_empty() {
            p { (t(lang, Msg::NoRelays)) }
        } @else {
            table {
                thead { tr { th { (t(lang, Msg::RelayUrlLabel)) } th { (t(lang, Msg::RelayStyleHeading)) } th { (t(lang, Msg::StateHeading)) } th { (t(lang, Msg::PostActions)) } } }
                tbody {
                    @for l in &listed {
                        tr {
                            td { code { (l.relay.url) } }
                            @if l.relay.style == "tags" {
                                td { (t(lang, Msg::RelayPerHashtag)) }
                                td {
                                    ul {
                                        @for sub in &l.tags {
                                            li { "#" (sub.tag.as_deref().unwrap_or_default()) ": " (state(&sub.state)) }
                                        }
                                    }
                                }
                            } @else {
                                td { (l.relay.style) }
                                td { (state(&l.relay.state)) }
                            }
                            td {
                                form.inline method="post" action="/admin/relays/remove" {
                                    (browser.csrf_field())
                                    input type="hidden" name="url" value=(l.relay.url);
                                    button type="submit" { (tf(lang, Msg::RemoveRelay, &[("url", &l.relay.url)])) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&ctx, &browser, title, body))
}

#[derive(Deserialize)]
pub struct RelayForm {
    #[serde(default)]
    url: String,
}

/// `POST /admin/relays`: subscribe to a relay.
pub async fn add_relay(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: RelayForm = browser.form(&body)?;
    relays::add(&ctx, &acting(&browser), &form.url)
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other("/admin/relays"))
}

/// `POST /admin/relays/remove`: leave a relay.
pub async fn remove_relay(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let form: RelayForm = browser.form(&body)?;
    relays::remove(&ctx, &acting(&browser), &form.url)
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other("/admin/relays"))
}
