//! A single post's page, at `/@name/ID` and at its ActivityPub id for browsers: its
//! text, images (with their alt text), poll and link card, without JavaScript, and
//! OpenGraph tags (with its first image) for previews elsewhere.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{Browser, Failure, SignedInBrowser},
};
use crate::{
    context::AppContext,
    db::StatusId,
    error::Result,
    services,
    services::{published::PostView, status_views::StatusView},
};
use actix_web::{web, HttpResponse};
use maud::html;

/// A visitor sees only a post anyone may see (services::published asks the
/// visibility rule with nobody as the viewer): a followers-only post is not found;
/// a signed-in reader sees what the rule lets them.
pub async fn page(
    ctx: web::Data<AppContext>,
    browser: Browser,
    path: web::Path<(String, i64)>,
) -> std::result::Result<HttpResponse, Failure> {
    let (name, id) = path.into_inner();
    let reader = browser.session.as_ref().map(|b| b.account());
    let found = async {
        let post = services::published::local_post(&ctx, &name, StatusId(id), reader.map(|r| r.id))
            .await?;
        services::published::as_seen(&ctx, post, reader).await
    };
    let view = found.await.map_err(Failure::from(browser.lang))?;
    Ok(super::page_response(markup(
        &ctx,
        browser.lang,
        browser.session.as_ref(),
        &view,
    )))
}

/// The page in English, for the post's id (federation/routes.rs).
pub async fn render(ctx: &AppContext, post: PostView) -> Result<HttpResponse> {
    let view = services::published::as_seen(ctx, post, None).await?;
    let mut response = super::html_response(markup(ctx, Lang::En, None, &view));
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
    view: &StatusView,
) -> maud::Markup {
    let author = &view.author;
    let status = &view.status;
    let shown_name = super::posts::shown_name(author);
    let title = tf(lang, Msg::PostBy, &[("name", shown_name)]);
    let back = format!("/@{}/{}", author.username, status.id);
    let body = html! {
        // The author's line says it to the eye; a screen reader's list of headings needs it too.
        h1.visually-hidden { (title) }
        article {
            p { a href=(ctx.urls.profile(&author.username)) { strong { (shown_name) } } " " span.handle { "@" (author.username) "@" (ctx.urls.domain()) } }
            (super::posts::content(ctx, lang, view))
            (super::posts::poll_box(lang, browser, view, &back))
            (super::posts::card(view))
            p.handle { (status.created_at.format("%Y-%m-%d %H:%M UTC")) @if status.edited_at.is_some() { " · " (t(lang, Msg::Edited)) } }
        }
        @if browser.is_some() { p { a href=(format!("/statuses/{}", status.id)) { (t(lang, Msg::OpenThread)) } } }
    };
    let url = format!("{}/{}", ctx.urls.profile(&author.username), status.id);
    // A content warning is what the post shows first; the preview says no more.
    let description = if status.spoiler_text.is_empty() {
        crate::content::html_to_text(&status.content)
    } else {
        status.spoiler_text.clone()
    };
    let og = super::OpenGraph {
        title: &title,
        description: &description,
        url: &url,
        kind: "article",
    };
    // The first image previews the post, as on Mastodon; not when the images wait
    // behind a warning or a click here.
    let hidden =
        !status.spoiler_text.is_empty() || status.sensitive || author.sensitized_at.is_some();
    let image = view
        .media
        .iter()
        .find_map(|m| Some((m, m.file_key.as_deref()?)))
        .filter(|_| !hidden);
    let head = html! {
        (super::open_graph(ctx.urls.domain(), &og))
        @if let Some((m, key)) = image {
            meta property="og:image" content=(ctx.urls.media_file(key));
            meta property="og:image:type" content=(crate::media::store::content_type(key).unwrap_or("image/jpeg"));
            @if let (Some(w), Some(h)) = (m.width, m.height) {
                meta property="og:image:width" content=(w);
                meta property="og:image:height" content=(h);
            }
            @if let Some(alt) = m.description.as_deref().filter(|d| !d.is_empty()) { meta property="og:image:alt" content=(alt); }
            meta name="twitter:card" content="summary_large_image";
        }
        meta property="article:published_time" content=(status.created_at.to_rfc3339());
    };
    super::frame_with(lang, &title, ctx.urls.domain(), browser, Some(head), body)
}
