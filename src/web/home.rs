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
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

pub async fn page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(&req)
        .page(STATUSES)
        .map_err(Failure::from(lang))?;
    let views = services::status_views::home(&ctx, browser.account(), page)
        .await
        .map_err(Failure::from(lang))?;
    // Only the newest page grows at the top; an older one stays as it is.
    let grows = page.max_id.is_none() && page.lower().is_none();
    let shown = posts::list(
        &ctx,
        lang,
        Some(&browser),
        &views,
        &page,
        "/home",
        Msg::TimelineEmpty,
    );
    let body = html! {
        h1 { (t(lang, Msg::Home)) }
        (posts::compose(&browser, posts::Draft::New))
        h2 { (t(lang, Msg::TimelineTitle)) }
        @if grows { (posts::live(lang, "/home/newer", "/streaming?stream=user", shown)) } @else { (shown) }
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::Home),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

/// `GET /home/newer?since_id=`: the home posts newer than `since_id`, newest first,
/// as bare `<article>`s for the script to put on top (no page around them).
pub async fn newer(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(&req)
        .page(STATUSES)
        .map_err(Failure::from(lang))?;
    let views = services::status_views::home(&ctx, browser.account(), page)
        .await
        .map_err(Failure::from(lang))?;
    Ok(posts::fragment(&ctx, lang, Some(&browser), &views, "/home"))
}
