//! Groups in the web interface: `/groups` (the groups hosted here, and a form to
//! start one, whose creator moderates it), and for a group's moderators
//! `/groups/{id}/moderate`: who asks to join (**Approve** / **Reject**), the members
//! (**Remove**), and the group's posts (**Remove from group**). A group's own page
//! is its profile (`/@name`), where **Join** / **Leave** are (web/profile.rs).
//! Every action is the same service as the client API's (services::groups).

use super::{
    i18n::{t, tf, Msg},
    posts,
    session::{self, Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, STATUSES},
    context::AppContext,
    db::{pagination::Page, timelines::AccountFilter, AccountId, StatusId},
    error::Error,
    services::{self, groups::NewGroup},
};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

fn number(id: &str) -> Result<i64, Error> {
    id.parse().map_err(|_| Error::not_found("no such group"))
}

/// `/groups`: the groups hosted here, those one moderates marked, and a new one.
pub async fn index(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let all = services::groups::all(&ctx.pool)
        .await
        .map_err(Failure::from(lang))?;
    let mine = services::groups::moderated_by(&ctx, browser.account().id)
        .await
        .map_err(Failure::from(lang))?;
    let body = html! {
        h1 { (t(lang, Msg::GroupsTitle)) }
        p { (t(lang, Msg::GroupsIntro)) }
        @if all.is_empty() { p { (t(lang, Msg::NoGroups)) } }
        ul.people {
            @for (group, members_only) in &all {
                li {
                    a href=(super::profile_path(group)) { strong { (posts::shown_name(group)) } }
                    " " span.handle { (posts::handle(&ctx, group)) }
                    " · " (t(lang, if group.locked { Msg::GroupClosed } else { Msg::GroupOpen }))
                    @if *members_only { " · " (t(lang, Msg::GroupMembersOnly)) }
                    @if mine.iter().any(|m| m.id == group.id) {
                        " · " a href=(format!("/groups/{}/moderate", group.id)) { (t(lang, Msg::ModerateGroup)) }
                    }
                }
            }
        }
        h2 { (t(lang, Msg::NewGroup)) }
        form method="post" action="/groups" {
            (browser.csrf_field())
            label for="group-name" { (t(lang, Msg::GroupNameLabel)) }
            input #group-name type="text" name="name" required maxlength="30" pattern="[A-Za-z0-9_]+";
            label for="group-display-name" { (t(lang, Msg::GroupDisplayNameLabel)) }
            input #group-display-name type="text" name="display_name" maxlength="100";
            label { input type="checkbox" name="open" value="true"; " " (t(lang, Msg::GroupOpenLabel)) }
            label { input type="checkbox" name="members_only" value="true"; " " (t(lang, Msg::GroupMembersOnlyLabel)) }
            button type="submit" { (t(lang, Msg::CreateGroup)) }
        }
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::GroupsTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

#[derive(Deserialize)]
pub struct NewGroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    open: Option<String>,
    #[serde(default)]
    members_only: Option<String>,
}

/// `POST /groups`: a teacher starts a group and moderates it.
pub async fn create(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: NewGroupForm = browser.form(&body)?;
    if browser.account().actor_type == "Group" {
        return Err(Failure::from(lang)(Error::new(
            crate::error::ErrorKind::Forbidden,
            "a group cannot start a group",
        )));
    }
    let display_name = Some(form.display_name.trim().to_string()).filter(|d| !d.is_empty());
    let new = NewGroup {
        name: form.name.trim().to_string(),
        display_name,
        open: form.open.is_some(),
        members_only: form.members_only.is_some(),
        creator: Some(browser.account().id),
    };
    let group = services::groups::create(&ctx.pool, new)
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other(&format!(
        "/groups/{}/moderate",
        group.id
    )))
}

/// `/groups/{id}/moderate`, for the group's moderators.
pub async fn moderate(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
    id: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let id = AccountId(number(&id).map_err(Failure::from(lang))?);
    let group = services::groups::moderated(&ctx, browser.account(), id)
        .await
        .map_err(Failure::from(lang))?;
    let g = &group.account;
    let waiting = services::timelines::follow_requests(&ctx, g.id, Page::newest(80))
        .await
        .map_err(Failure::from(lang))?;
    let members = services::timelines::followers(&ctx, g.id, Page::newest(200))
        .await
        .map_err(Failure::from(lang))?;
    let page = Query::of(&req)
        .page(STATUSES)
        .map_err(Failure::from(lang))?;
    let relayed = services::timelines::account(
        &ctx,
        Some(browser.account()),
        g,
        AccountFilter::default(),
        page,
    )
    .await
    .map_err(Failure::from(lang))?;
    let path = format!("/groups/{}/moderate", g.id);
    let action = |to: String, label: Msg, name: &str| {
        html! {
            form method="post" action=(to) {
                (browser.csrf_field())
                button type="submit" aria-label=(tf(lang, label, &[("name", name)])) { (tf(lang, label, &[("name", name)])) }
            }
        }
    };
    let shown = posts::shown_name(g);
    let body = html! {
        h1 { (tf(lang, Msg::ModerateTitle, &[("name", shown)])) }
        p { a href=(super::profile_path(g)) { (tf(lang, Msg::BackToProfile, &[("name", shown)])) } }
        p {
            (t(lang, if g.locked { Msg::GroupClosed } else { Msg::GroupOpen }))
            @if group.members_only { " · " (t(lang, Msg::GroupMembersOnly)) }
            " · " (t(lang, Msg::ModeratorsLabel)) " "
            @for (i, m) in group.moderators.iter().enumerate() {
                @if i > 0 { ", " }
                a href=(super::profile_path(m)) { (posts::shown_name(m)) }
            }
        }
        section aria-labelledby="waiting" {
            h2 #waiting { (t(lang, Msg::WaitingToJoin)) }
            @if waiting.accounts.is_empty() { p { (t(lang, Msg::NobodyWaiting)) } }
            ul.people {
                @for (_, account, _) in &waiting.accounts {
                    @let handle = posts::handle(&ctx, account);
                    li {
                        a href=(super::profile_path(account)) { strong { (posts::shown_name(account)) } }
                        " " span.handle { (handle) }
                        div.actions {
                            (action(format!("/groups/{}/requests/{}/authorize", g.id, account.id), Msg::ApproveMember, &handle))
                            (action(format!("/groups/{}/requests/{}/reject", g.id, account.id), Msg::RejectMember, &handle))
                        }
                    }
                }
            }
        }
        section aria-labelledby="members" {
            h2 #members { (t(lang, Msg::GroupMembers)) }
            @if members.accounts.is_empty() { p { (t(lang, Msg::NoMembers)) } }
            ul.people {
                @for (_, account, _) in &members.accounts {
                    @let handle = posts::handle(&ctx, account);
                    li {
                        a href=(super::profile_path(account)) { strong { (posts::shown_name(account)) } }
                        " " span.handle { (handle) }
                        (action(format!("/groups/{}/members/{}/remove", g.id, account.id), Msg::RemoveMember, &handle))
                    }
                }
            }
        }
        section aria-labelledby="relayed" {
            h2 #relayed { (t(lang, Msg::GroupPosts)) }
            @if relayed.is_empty() { p { (t(lang, Msg::ListEmpty)) } }
            @for view in &relayed {
                (posts::article(&ctx, lang, Some(&browser), view, &path))
                form method="post" action=(format!("/groups/{}/statuses/{}/remove", g.id, view.status.id)) {
                    (browser.csrf_field())
                    label { (t(lang, Msg::RemovalReason)) " " input type="text" name="reason" maxlength="500"; }
                    button type="submit" { (t(lang, Msg::RemoveFromGroup)) }
                }
            }
        }
    };
    Ok(super::private_response(super::frame(
        lang,
        &tf(lang, Msg::ModerateTitle, &[("name", shown)]),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

/// `POST /groups/{id}/requests/{account}/{authorize|reject}` and
/// `/groups/{id}/members/{account}/remove`.
pub async fn member(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let _: Vec<(String, String)> = browser.form(&body)?;
    let (id, account, verb) = path.into_inner();
    let id = AccountId(number(&id).map_err(Failure::from(lang))?);
    let group = services::groups::moderated(&ctx, browser.account(), id)
        .await
        .map_err(Failure::from(lang))?;
    let member = services::timelines::find_account(&ctx, &account)
        .await
        .map_err(Failure::from(lang))?;
    match verb.as_str() {
        "authorize" => services::groups::approve(&ctx, &group, &member).await,
        "reject" | "remove" => services::groups::remove_member(&ctx, &group, &member).await,
        _ => Err(Error::not_found("no such action")),
    }
    .map_err(Failure::from(lang))?;
    Ok(session::see_other(&format!(
        "/groups/{}/moderate",
        group.account.id
    )))
}

#[derive(Deserialize)]
pub struct RemovalForm {
    #[serde(default)]
    reason: String,
}

/// `POST /groups/{id}/statuses/{status}/remove`.
pub async fn remove_post(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: RemovalForm = browser.form(&body)?;
    let (id, status) = path.into_inner();
    let id = AccountId(number(&id).map_err(Failure::from(lang))?);
    let status = StatusId(
        status
            .parse()
            .map_err(|_| Failure::from(lang)(Error::not_found("no such post")))?,
    );
    let group = services::groups::moderated(&ctx, browser.account(), id)
        .await
        .map_err(Failure::from(lang))?;
    services::groups::remove_post(
        &ctx,
        &group,
        Some(browser.account()),
        status,
        Some(&form.reason),
    )
    .await
    .map_err(Failure::from(lang))?;
    Ok(session::see_other(&format!(
        "/groups/{}/moderate",
        group.account.id
    )))
}
