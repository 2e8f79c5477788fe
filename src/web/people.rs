//! Lists of people: an account's followers and the accounts it follows
//! (`/@name/followers`, `/@name/following`, as far as this server knows them), and
//! a locked account's follow requests (`/follow_requests`) with **Approve** and
//! **Reject**, which answer the asker's server (services::follows).

use super::{
    i18n::{t, tf, Lang, Msg},
    posts,
    session::{self, Browser, Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, ACCOUNTS},
    context::AppContext,
    db::{accounts::Account, pagination::Page},
    services::{self, timelines::AccountPage},
};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};

/// A list of accounts, each linked to its page here, with "Load more".
fn list(
    ctx: &AppContext,
    lang: Lang,
    found: &AccountPage,
    page: &Page,
    path: &str,
    empty: Msg,
    each: impl Fn(&Account) -> Markup,
) -> Markup {
    html! {
        @if found.accounts.is_empty() { p { (t(lang, empty)) } }
        ul.people {
            @for (_, account, _) in &found.accounts {
                li {
                    a href=(super::profile_path(account)) { strong { (posts::shown_name(account)) } }
                    " " span.handle { (posts::handle(ctx, account)) }
                    (each(account))
                }
            }
        }
        (posts::load_more(lang, path, page, found.accounts.len(), found.accounts.last().map(|(k, _, _)| *k)))
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Followers,
    Following,
}

async fn people(
    ctx: &AppContext,
    req: &HttpRequest,
    browser: Browser,
    name: &str,
    direction: Direction,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let account = super::profile::find(ctx, name, browser.session.is_some())
        .await
        .map_err(Failure::from(lang))?;
    let page = Query::of(req).page(ACCOUNTS).map_err(Failure::from(lang))?;
    let shown = posts::shown_name(&account);
    let (title, found, empty) = match direction {
        Direction::Followers => (
            tf(lang, Msg::FollowersOf, &[("name", shown)]),
            services::timelines::followers(ctx, account.id, page).await,
            Msg::NoFollowers,
        ),
        Direction::Following => (
            tf(lang, Msg::FollowingOf, &[("name", shown)]),
            services::timelines::following(ctx, account.id, page).await,
            Msg::NoFollowing,
        ),
    };
    let found = found.map_err(Failure::from(lang))?;
    let body = html! {
        h1 { (title) }
        p { a href=(super::profile_path(&account)) { (tf(lang, Msg::BackToProfile, &[("name", shown)])) } }
        @if !account.is_local() { p { (t(lang, Msg::RemoteListNote)) } }
        (list(ctx, lang, &found, &page, req.path(), empty, |_| html! {}))
    };
    Ok(super::page_response(super::frame(
        lang,
        &title,
        ctx.urls.domain(),
        browser.session.as_ref(),
        body,
    )))
}

pub async fn followers(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
    name: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    people(&ctx, &req, browser, &name, Direction::Followers).await
}

pub async fn following(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
    name: web::Path<String>,
) -> Result<HttpResponse, Failure> {
    people(&ctx, &req, browser, &name, Direction::Following).await
}

/// `/follow_requests`: who asks to follow the signed-in teacher.
pub async fn requests(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(&req)
        .page(ACCOUNTS)
        .map_err(Failure::from(lang))?;
    let found = services::timelines::follow_requests(&ctx, browser.account().id, page)
        .await
        .map_err(Failure::from(lang))?;
    let answer = |account: &Account, verb: &str, label: Msg| {
        html! {
            form method="post" action=(format!("/follow_requests/{}/{verb}", account.id)) {
                (browser.csrf_field())
                button type="submit" { (t(lang, label)) }
            }
        }
    };
    let body = html! {
        h1 { (t(lang, Msg::FollowRequestsTitle)) }
        p { (t(lang, if browser.account().locked { Msg::FollowRequestsIntro } else { Msg::FollowRequestsUnlocked })) }
        (list(&ctx, lang, &found, &page, "/follow_requests", Msg::NoFollowRequests, |account| html! {
            div.actions { (answer(account, "authorize", Msg::Approve)) (answer(account, "reject", Msg::Reject)) }
        }))
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::FollowRequestsTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

/// `POST /follow_requests/{id}/authorize` and `/reject`: the same services as the
/// API's, which send the asker's server an `Accept` or a `Reject`.
#[tracing::instrument(skip_all)]
pub async fn answer(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let _: Vec<(String, String)> = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let follower = services::timelines::find_account(&ctx, &id)
        .await
        .map_err(Failure::from(lang))?;
    let me = browser.account();
    match verb.as_str() {
        "authorize" => services::follows::authorize(&ctx, me, &follower).await,
        "reject" => services::follows::reject(&ctx, me, &follower).await,
        _ => Err(crate::error::Error::not_found("no such action")),
    }
    .map_err(Failure::from(lang))?;
    Ok(session::see_other("/follow_requests"))
}
