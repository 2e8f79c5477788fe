//! `/home`: the signed-in start page, with the compose form above the home
//! timeline (services::status_views::home), paginated as the API's. With
//! JavaScript, new posts arrive on top without a reload: the script asks
//! `/home/newer?since_id=` for the posts after the first one shown, a fragment of
//! the same articles.

use super::{
    i18n::{t, Msg},
    posts,
    session::{Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, STATUSES},
    context::AppContext,
    services,
};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use maud::html;

/// How often an open home page asks for new posts, in milliseconds.
const POLL_MS: u32 = 20_000;

pub async fn page(ctx: web::Data<AppContext>, req: HttpRequest, browser: SignedInBrowser) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(&req).page(STATUSES).map_err(Failure::from(lang))?;
    let views = services::status_views::home(&ctx, browser.account(), page).await.map_err(Failure::from(lang))?;
    // Only the newest page grows at the top; an older one stays as it is.
    let live = page.max_id.is_none() && page.lower().is_none();
    let body = html! {
        h1 { (t(lang, Msg::Home)) }
        (posts::compose(&browser, posts::Draft::New))
        h2 { (t(lang, Msg::TimelineTitle)) }
        @if live {
            p.visually-hidden #new-posts role="status" data-template=(t(lang, Msg::NewPostsArrived)) {}
            div #timeline data-newer="/home/newer" data-status="new-posts" data-every=(POLL_MS) {
                (posts::list(&ctx, lang, Some(&browser), &views, &page, "/home", Msg::TimelineEmpty))
            }
        } @else {
            (posts::list(&ctx, lang, Some(&browser), &views, &page, "/home", Msg::TimelineEmpty))
        }
    };
    Ok(super::private_response(super::frame(lang, t(lang, Msg::Home), ctx.urls.domain(), Some(&browser), body)))
}

/// `GET /home/newer?since_id=`: the home posts newer than `since_id`, newest first,
/// as bare `<article>`s for the script to put on top (no page around them).
pub async fn newer(ctx: web::Data<AppContext>, req: HttpRequest, browser: SignedInBrowser) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(&req).page(STATUSES).map_err(Failure::from(lang))?;
    let views = services::status_views::home(&ctx, browser.account(), page).await.map_err(Failure::from(lang))?;
    let fragment = html! { @for view in &views { (posts::article(&ctx, lang, Some(&browser), view, "/home")) } };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(fragment.into_string()))
}
