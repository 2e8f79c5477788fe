//! `/home`: the signed-in start page, with the compose form above the home
//! timeline (services::status_views::home), paginated as the API's.

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

pub async fn page(ctx: web::Data<AppContext>, req: HttpRequest, browser: SignedInBrowser) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(&req).page(STATUSES).map_err(Failure::from(lang))?;
    let views = services::status_views::home(&ctx, browser.account(), page).await.map_err(Failure::from(lang))?;
    let body = html! {
        h1 { (t(lang, Msg::Home)) }
        (posts::compose(&browser, posts::Draft::New))
        h2 { (t(lang, Msg::TimelineTitle)) }
        (posts::list(&ctx, lang, Some(&browser), &views, &page, "/home", Msg::TimelineEmpty))
    };
    Ok(super::private_response(super::frame(lang, t(lang, Msg::Home), ctx.urls.domain(), Some(&browser), body)))
}
