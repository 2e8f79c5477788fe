//! A teacher's public profile page, at `/@name` and at `/users/name` for browsers:
//! who they are, **Follow** / **Unfollow** for a signed-in visitor, and their posts
//! as the visitor may see them (services::timelines::account).

use super::{
    i18n::{t, tf, Lang, Msg},
    posts,
    session::{self, Browser, Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, STATUSES},
    context::AppContext,
    db::{accounts::Account, pagination::Page, timelines::AccountFilter},
    error::Result,
    services::{self, relationships::Relationship, status_views::StatusView},
};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;

pub async fn page(ctx: web::Data<AppContext>, req: HttpRequest, browser: Browser, name: web::Path<String>) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    let page = Query::of(&req).page(STATUSES)?;
    let signed_in = browser.session.as_ref();
    let viewer = signed_in.map(|b| b.account());
    let posts = services::timelines::account(&ctx, viewer, &account, AccountFilter::default(), page).await?;
    let relationship = match viewer.filter(|v| v.id != account.id) {
        Some(v) => Some(services::relationships::between(&ctx, v, &account).await?),
        None => None,
    };
    let shown = Shown { lang: browser.lang, browser: signed_in, relationship, posts: &posts, page, path: req.path() };
    Ok(super::page_response(markup(&ctx, &account, shown)))
}

/// The page in English for a visitor, at the actor's id (federation/routes.rs).
pub async fn render(ctx: &AppContext, account: &Account) -> Result<HttpResponse> {
    let page = Page::newest(STATUSES.0);
    let posts = services::timelines::account(ctx, None, account, AccountFilter::default(), page).await?;
    let path = format!("/@{}", account.username);
    let shown = Shown { lang: Lang::En, browser: None, relationship: None, posts: &posts, page, path: &path };
    Ok(super::html_response(markup(ctx, account, shown)))
}

/// What the page shows besides the account.
struct Shown<'a> {
    lang: Lang,
    browser: Option<&'a SignedInBrowser>,
    /// The signed-in visitor's, unless it is their own profile.
    relationship: Option<Relationship>,
    posts: &'a [StatusView],
    page: Page,
    path: &'a str,
}

fn follow_button(browser: &SignedInBrowser, account: &Account, relationship: Relationship, back: &str) -> Markup {
    let lang = browser.lang;
    let (verb, label) = if relationship.following || relationship.requested { ("unfollow", Msg::Unfollow) } else { ("follow", Msg::Follow) };
    html! {
        form method="post" action=(format!("/accounts/{}/{verb}", account.id)) {
            (browser.csrf_field())
            input type="hidden" name="back" value=(back);
            @if relationship.requested { p { (t(lang, Msg::FollowRequested)) } }
            @if relationship.followed_by { p { (t(lang, Msg::FollowsYou)) } }
            button type="submit" { (t(lang, label)) }
        }
    }
}

fn markup(ctx: &AppContext, account: &Account, shown: Shown) -> Markup {
    let lang = shown.lang;
    let handle = format!("@{}@{}", account.username, ctx.urls.domain());
    let shown_name = posts::shown_name(account);
    let body = html! {
        h1 { (shown_name) }
        p.handle { (handle) }
        @if account.locked { p { (t(lang, Msg::ApprovesFollowers)) } }
        // The bio is stored as sanitised HTML (see services::accounts).
        @if !account.note.is_empty() { div.note { (PreEscaped(&account.note)) } }
        p { (tf(lang, Msg::Joined, &[("date", &account.created_at.format("%Y-%m").to_string())])) }
        @match (shown.browser, shown.relationship) {
            (Some(browser), Some(relationship)) => { (follow_button(browser, account, relationship, shown.path)) }
            (None, _) => {
                p {
                    (tf(lang, Msg::FollowHintBefore, &[("name", shown_name)])) " "
                    code { (handle) }
                    " " (t(lang, Msg::FollowHintAfter))
                }
            }
            _ => {}
        }
        h2 { (t(lang, Msg::PostsHeading)) }
        (posts::list(ctx, lang, shown.browser, shown.posts, &shown.page, shown.path, Msg::ListEmpty))
    };
    super::frame(lang, shown_name, ctx.urls.domain(), shown.browser, body)
}

#[derive(Deserialize)]
pub struct FollowForm {
    #[serde(default)]
    back: Option<String>,
}

/// `POST /accounts/{id}/follow` and `/unfollow` (services::follows).
#[tracing::instrument(skip_all)]
pub async fn follow(ctx: web::Data<AppContext>, browser: SignedInBrowser, path: web::Path<(String, String)>, body: web::Bytes) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: FollowForm = browser.form(&body)?;
    let (id, verb) = path.into_inner();
    let target = services::timelines::find_account(&ctx, &id).await.map_err(Failure::from(lang))?;
    let me = browser.account();
    match verb.as_str() {
        "follow" => services::follows::follow(&ctx, me, &target).await.map(drop),
        "unfollow" => services::follows::unfollow(&ctx, me, &target).await,
        _ => Err(crate::error::Error::not_found("no such action")),
    }
    .map_err(Failure::from(lang))?;
    Ok(session::see_other(&session::local_path(form.back.as_deref())))
}
