//! `/settings/apps`: the apps a teacher let use their account (through OAuth), each
//! with **Revoke**, which ends its tokens at once (services::oauth).

use super::{
    i18n::{t, tf, Msg},
    session::{self, Failure, SignedInBrowser},
};
use crate::{context::AppContext, error::Error, services::oauth};
use actix_web::{web, HttpResponse};
use maud::html;

pub async fn page(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let apps = oauth::authorized_apps(&ctx.pool, browser.session.user.id)
        .await
        .map_err(Failure::from(lang))?;
    let when = |d: &chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
    let body = html! {
        h1 { (t(lang, Msg::AppsTitle)) }
        (super::settings::nav(lang, "/settings/apps"))
        p { (t(lang, Msg::AppsIntro)) }
        @if apps.is_empty() { p { (t(lang, Msg::NoApps)) } }
        ul.sessions {
            @for a in &apps {
                li {
                    strong { (a.app.name) }
                    @if let Some(site) = &a.app.website { " (" a href=(site) rel="noopener noreferrer" { (site) } ")" }
                    br;
                    (tf(lang, Msg::AppMayDo, &[("scopes", &a.scopes.join(", "))]))
                    br;
                    (tf(lang, Msg::AppAuthorized, &[("when", &when(&a.authorized_at))]))
                    @if let Some(used) = &a.last_used_at { " · " (tf(lang, Msg::AppLastUsed, &[("when", &when(used))])) }
                    form method="post" action=(format!("/settings/apps/{}/revoke", a.app.id)) {
                        (browser.csrf_field())
                        button type="submit" { (t(lang, Msg::Revoke)) }
                    }
                }
            }
        }
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::AppsTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

#[tracing::instrument(skip_all)]
pub async fn revoke(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let _: Vec<(String, String)> = browser.form(&body)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Failure::from(lang)(Error::not_found("no such app")))?;
    oauth::revoke_app(&ctx.pool, browser.session.user.id, id)
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other("/settings/apps"))
}
