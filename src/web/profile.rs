//! A teacher's public profile page, at `/@name` and at `/users/name` for browsers.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::Browser,
};
use crate::{context::AppContext, db::accounts::Account, error::Result, services};
use actix_web::{web, HttpResponse};
use maud::{html, PreEscaped};

pub async fn page(ctx: web::Data<AppContext>, browser: Browser, name: web::Path<String>) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    Ok(super::page_response(markup(&ctx, browser.lang, browser.session.as_ref(), &account)))
}

/// The page in English, for the actor's id (federation/routes.rs).
pub async fn render(ctx: &AppContext, account: &Account) -> Result<HttpResponse> {
    Ok(super::html_response(markup(ctx, Lang::En, None, account)))
}

fn markup(ctx: &AppContext, lang: Lang, browser: Option<&super::session::SignedInBrowser>, account: &Account) -> maud::Markup {
    let handle = format!("@{}@{}", account.username, ctx.urls.domain());
    let shown_name = if account.display_name.is_empty() { account.username.as_str() } else { account.display_name.as_str() };
    let body = html! {
        h1 { (shown_name) }
        p.handle { (handle) }
        @if account.locked { p { (t(lang, Msg::ApprovesFollowers)) } }
        // The bio is stored as sanitised HTML (see services::accounts).
        @if !account.note.is_empty() { div.note { (PreEscaped(&account.note)) } }
        p { (tf(lang, Msg::Joined, &[("date", &account.created_at.format("%Y-%m").to_string())])) }
        p {
            (tf(lang, Msg::FollowHintBefore, &[("name", shown_name)])) " "
            code { (handle) }
            " " (t(lang, Msg::FollowHintAfter))
        }
    };
    super::frame(lang, shown_name, ctx.urls.domain(), browser, body)
}
