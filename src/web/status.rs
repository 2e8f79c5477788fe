//! A single post's page, at `/@name/ID` and at its ActivityPub id for browsers.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{Browser, SignedInBrowser},
};
use crate::{context::AppContext, db::StatusId, error::Result, services, services::published::PostView};
use actix_web::{web, HttpResponse};
use maud::{html, PreEscaped};

pub async fn page(ctx: web::Data<AppContext>, browser: Browser, path: web::Path<(String, i64)>) -> Result<HttpResponse> {
    let (name, id) = path.into_inner();
    let view = services::published::local_post(&ctx, &name, StatusId(id), None).await?;
    Ok(super::page_response(markup(&ctx, browser.lang, browser.session.as_ref(), &view)))
}

/// The page in English, for the post's id (federation/routes.rs).
pub fn render(ctx: &AppContext, view: &PostView) -> Result<HttpResponse> {
    let mut response = super::html_response(markup(ctx, Lang::En, None, view));
    response.headers_mut().insert(actix_web::http::header::VARY, actix_web::http::header::HeaderValue::from_static("Accept"));
    Ok(response)
}

fn markup(ctx: &AppContext, lang: Lang, browser: Option<&SignedInBrowser>, view: &PostView) -> maud::Markup {
    let author = &view.author;
    let shown_name = if author.display_name.is_empty() { author.username.as_str() } else { author.display_name.as_str() };
    let body = html! {
        article {
            p { a href=(ctx.urls.profile(&author.username)) { strong { (shown_name) } } " " span.handle { "@" (author.username) "@" (ctx.urls.domain()) } }
            @if view.status.spoiler_text.is_empty() {
                // Content is rendered and sanitised when it is stored.
                div.note { (PreEscaped(&view.status.content)) }
            } @else {
                details {
                    summary { (view.status.spoiler_text) }
                    div.note { (PreEscaped(&view.status.content)) }
                }
            }
            p.handle { (view.status.created_at.format("%Y-%m-%d %H:%M UTC")) @if view.status.edited_at.is_some() { " · " (t(lang, Msg::Edited)) } }
        }
    };
    super::frame(lang, &tf(lang, Msg::PostBy, &[("name", shown_name)]), ctx.urls.domain(), browser, body)
}
