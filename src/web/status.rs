//! A single post's page, at `/@name/ID` and at its ActivityPub id for browsers.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{Browser, Failure, SignedInBrowser},
};
use crate::{
    context::AppContext, db::StatusId, error::Result, services, services::published::PostView,
};
use actix_web::{web, HttpResponse};
use maud::{html, PreEscaped};

/// A visitor sees only a post anyone may see (services::published asks the
/// visibility rule with nobody as the viewer): a followers-only post is not found;
/// a signed-in reader sees what the rule lets them.
pub async fn page(
    ctx: web::Data<AppContext>,
    browser: Browser,
    path: web::Path<(String, i64)>,
) -> std::result::Result<HttpResponse, Failure> {
    let (name, id) = path.into_inner();
    let view = services::published::local_post(
        &ctx,
        &name,
        StatusId(id),
        browser.session.as_ref().map(|b| b.account().id),
    )
    .await
    .map_err(Failure::from(browser.lang))?;
    Ok(super::page_response(markup(
        &ctx,
        browser.lang,
        browser.session.as_ref(),
        &view,
    )))
}

/// The page in English, for the post's id (federation/routes.rs).
pub fn render(ctx: &AppContext, view: &PostView) -> Result<HttpResponse> {
    let mut response = super::html_response(markup(ctx, Lang::En, None, view));
    response.headers_mut().insert(
        actix_web::http::header::VARY,
        actix_web::http::header::HeaderValue::from_static("Accept"),
    );
    Ok(response)
}

fn markup(
    ctx: &AppContext,
    lang: Lang,
    browser: Option<&SignedInBrowser>,
    view: &PostView,
) -> maud::Markup {
    let author = &view.author;
    let shown_name = if author.display_name.is_empty() {
        author.username.as_str()
    } else {
        author.display_name.as_str()
    };
    let title = tf(lang, Msg::PostBy, &[("name", shown_name)]);
    let body = html! {
        // The author's line says it to the eye; a screen reader's list of headings needs it too.
        h1.visually-hidden { (title) }
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
        @if browser.is_some() { p { a href=(format!("/statuses/{}", view.status.id)) { (t(lang, Msg::OpenThread)) } } }
    };
    let url = format!("{}/{}", ctx.urls.profile(&author.username), view.status.id);
    // A content warning is what the post shows first; the preview says no more.
    let description = if view.status.spoiler_text.is_empty() {
        crate::content::html_to_text(&view.status.content)
    } else {
        view.status.spoiler_text.clone()
    };
    let og = super::OpenGraph {
        title: &title,
        description: &description,
        url: &url,
        kind: "article",
    };
    let head = html! {
        (super::open_graph(ctx.urls.domain(), &og))
        meta property="article:published_time" content=(view.status.created_at.to_rfc3339());
    };
    super::frame_with(lang, &title, ctx.urls.domain(), browser, Some(head), body)
}
