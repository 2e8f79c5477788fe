//! The admin pages (`/admin/…`) for staff: accounts (roles, sign-ups waiting,
//! limiting and suspending), the report queue, invites and registrations, and the
//! audit log. Every check of who may do what is services::roles', through the same
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
        registrations::{self, RegistrationMode},
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

pub async fn accounts(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let acting = acting(&browser);
    let rows = moderation::accounts(
        &ctx.pool,
        &acting,
        &AdminFilter {
            local: true,
            ..Default::default()
        },
        None,
        200,
    )
    .await
    .map_err(Failure::from(lang))?;
    let may_change_roles = acting.require(roles::Permission::ManageRoles).is_ok();
    let title = t(lang, Msg::AdminAccounts);
    let body = html! {
        h1 { (title) }
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
    let _: Vec<(String, String)> = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let (target, _) = find(&ctx, &browser, &id).await?;
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
        "suspend" => AccountAction::Suspend,
        "unsuspend" => AccountAction::Unsuspend,
        "silence" => AccountAction::Silence,
        "unsilence" => AccountAction::Unsilence,
        _ => return Err(fail(Error::not_found("no such action"))),
    };
    moderation::act(&ctx, &acting, &target, action, None, "")
        .await
        .map_err(fail)?;
    Ok(session::see_other("/admin/accounts"))
}

pub async fn reports(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let found = moderation::reports(&ctx.pool, &acting(&browser), &Filter::default(), None, 100)
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
        @if found.is_empty() { p { (t(lang, Msg::NoReports)) } }
        @for r in &found {
            article aria-label=(tf(lang, Msg::ReportAbout, &[("handle", &name(r.target_account_id))])) {
                h2 { (tf(lang, Msg::ReportAbout, &[("handle", &name(r.target_account_id))])) }
                p { (tf(lang, Msg::ReportedBy, &[("handle", &name(r.account_id)), ("date", &when(&r.created_at))])) " · " (r.category) }
                @if !r.comment.is_empty() { blockquote { (r.comment) } }
                @for view in moderation::report_statuses(&ctx.pool, r).await.map_err(&fail)? {
                    (super::posts::article(&ctx, lang, None, &view, "/admin/reports"))
                }
                @if let Some(who) = r.assigned_account_id { p { (tf(lang, Msg::AssignedTo, &[("handle", &name(who))])) } }
                (button(&browser, &format!("/admin/reports/{}/assign_to_self", r.id), t(lang, Msg::AssignToMe)))
                (button(&browser, &format!("/admin/reports/{}/resolve", r.id), t(lang, Msg::ResolveReport)))
                (button(&browser, &format!("/admin/accounts/{}/suspend", r.target_account_id), &tf(lang, Msg::SuspendAccount, &[("handle", &name(r.target_account_id))])))
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
    let _: Vec<(String, String)> = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let fail = Failure::from(lang);
    let id: i64 = id
        .parse()
        .map_err(|_| fail(Error::not_found("no such report")))?;
    let change = match verb.as_str() {
        "resolve" => ReportChange::Resolve,
        "reopen" => ReportChange::Reopen,
        "assign_to_self" => ReportChange::AssignToSelf,
        _ => return Err(fail(Error::not_found("no such action"))),
    };
    moderation::change_report(&ctx.pool, &acting(&browser), id, change)
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
        form method="post" action="/admin/joining/invites" {
            (browser.csrf_field())
            p {
                label for="max_uses" { (t(lang, Msg::InviteMaxUses)) }
                input #max_uses type="number" name="max_uses" min="1";
            }
            p {
                label for="expires_in" { (t(lang, Msg::InviteExpiresIn)) }
                input #expires_in type="number" name="expires_in" min="1";
            }
            p { button type="submit" { (t(lang, Msg::MakeInvite)) } }
        }
        ul {
            @for i in &invites {
                li {
                    code { (ctx.urls.invite(&i.code)) } " — "
                    (tf(lang, Msg::InviteUses, &[("uses", &i.uses.to_string()), ("max", &i.max_uses.map(|m| m.to_string()).unwrap_or_else(|| "∞".into()))]))
                    @if let Some(at) = i.expires_at { " · " (tf(lang, Msg::InviteExpires, &[("date", &when(&at))])) }
                }
            }
        }
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

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    max_uses: String,
    #[serde(default)]
    expires_in: String,
}

pub async fn make_invite(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: InviteForm = browser.form(&body)?;
    let number = |s: &str| -> Result<Option<u32>, Failure> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse().map(Some).map_err(|_| {
            Failure::from(lang)(Error::bad_request(format!("{s:?} is not a whole number")))
        })
    };
    let invite = registrations::create_invite(
        &ctx.pool,
        &acting(&browser),
        number(&form.max_uses)?,
        number(&form.expires_in)?,
    )
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
