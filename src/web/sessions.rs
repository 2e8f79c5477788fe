//! `/settings/sessions`: the browsers a teacher is signed in with, each with
//! "Revoke" (services::sessions).

use super::{
    i18n::{t, tf, Msg},
    session::{self, Failure, SignedInBrowser},
};
use crate::{context::AppContext, error::Error, services::sessions};
use actix_web::{web, HttpResponse};
use maud::html;

pub async fn page(ctx: web::Data<AppContext>, browser: SignedInBrowser) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let list = sessions::list(&ctx.pool, browser.session.user.id).await.map_err(Failure::from(lang))?;
    let when = |d: &chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
    let body = html! {
        h1 { (t(lang, Msg::SessionsTitle)) }
        p { (t(lang, Msg::SessionsIntro)) }
        ul.sessions {
            @for s in &list {
                li {
                    strong { @if s.user_agent.is_empty() { (t(lang, Msg::UnknownBrowser)) } @else { (s.user_agent) } }
                    @if s.id == browser.session.session_id { " (" (t(lang, Msg::ThisBrowser)) ")" }
                    br;
                    (tf(lang, Msg::SessionTimes, &[("created", &when(&s.created_at)), ("seen", &when(&s.last_seen_at))]))
                    @if s.id != browser.session.session_id {
                        form method="post" action=(format!("/settings/sessions/{}/revoke", s.id)) {
                            (browser.csrf_field())
                            button type="submit" { (t(lang, Msg::Revoke)) }
                        }
                    }
                }
            }
        }
    };
    Ok(super::private_response(super::frame(lang, t(lang, Msg::SessionsTitle), ctx.urls.domain(), Some(&browser), body)))
}

pub async fn revoke(ctx: web::Data<AppContext>, browser: SignedInBrowser, id: web::Path<String>, body: web::Bytes) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let _: Vec<(String, String)> = browser.form(&body)?;
    let id: i64 = id.parse().map_err(|_| Failure::from(lang)(Error::not_found("no such session")))?;
    sessions::revoke(&ctx.pool, browser.session.user.id, id).await.map_err(Failure::from(lang))?;
    Ok(session::see_other("/settings/sessions"))
}
