//! A single post's page, at `/@name/ID` and at its ActivityPub id for browsers.

use crate::{context::AppContext, db::StatusId, error::Result, services, services::published::PostView};
use actix_web::{web, HttpResponse};
use maud::{html, PreEscaped};

pub async fn page(ctx: web::Data<AppContext>, path: web::Path<(String, i64)>) -> Result<HttpResponse> {
    let (name, id) = path.into_inner();
    let view = services::published::local_post(&ctx, &name, StatusId(id), None).await?;
    render(&ctx, &view)
}

pub fn render(ctx: &AppContext, view: &PostView) -> Result<HttpResponse> {
    let author = &view.author;
    let shown_name = if author.display_name.is_empty() { author.username.as_str() } else { author.display_name.as_str() };
    let body = html! {
        article {
            p { a href=(ctx.urls.profile(&author.username)) { strong { (shown_name) } } " " span.handle { "@" (author.username) "@" (ctx.urls.domain()) } }
            @if !view.status.spoiler_text.is_empty() { p { em { "Content warning: " (view.status.spoiler_text) } } }
            // Content is rendered and sanitised when it is stored.
            div.note { (PreEscaped(&view.status.content)) }
            p.handle { (view.status.created_at.format("%Y-%m-%d %H:%M UTC")) @if view.status.edited_at.is_some() { " · edited" } }
        }
    };
    let mut response = super::html_response(super::layout(&format!("{shown_name}'s post"), ctx.urls.domain(), body));
    response.headers_mut().insert(actix_web::http::header::VARY, actix_web::http::header::HeaderValue::from_static("Accept"));
    Ok(response)
}
