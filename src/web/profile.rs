//! A teacher's public profile page, at `/@name` and at `/users/name` for browsers.

use crate::{context::AppContext, db::accounts::Account, error::Result, services};
use actix_web::{web, HttpResponse};
use maud::{html, PreEscaped};

pub async fn page(ctx: web::Data<AppContext>, name: web::Path<String>) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    render(&ctx, &account).await
}

pub async fn render(ctx: &AppContext, account: &Account) -> Result<HttpResponse> {
    let handle = format!("@{}@{}", account.username, ctx.urls.domain());
    let shown_name = if account.display_name.is_empty() { account.username.as_str() } else { account.display_name.as_str() };
    let body = html! {
        h1 { (shown_name) }
        p.handle { (handle) }
        @if account.locked { p { "This account approves its followers." } }
        // The bio is stored as sanitised HTML (see services::accounts).
        @if !account.note.is_empty() { div.note { (PreEscaped(&account.note)) } }
        p { "Joined " (account.created_at.format("%B %Y")) "." }
        p {
            "To follow " (shown_name) ", search for "
            code { (handle) }
            " in your Mastodon app or any other fediverse app."
        }
    };
    Ok(super::html_response(super::layout(shown_name, ctx.urls.domain(), body)))
}
