//! `/settings/sessions`: the browsers a teacher is signed in with, each with
//! "Revoke"; `/settings/password`: changing the password (services::sessions).

use super::{
    i18n::{t, tf, Msg},
    session::{self, Failure, SignedInBrowser},
};
use crate::{
    context::AppContext,
    error::Error,
    services::{oauth::OAuthError, sessions},
};
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

pub async fn page(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let list = sessions::list(&ctx.pool, browser.session.user.id)
        .await
        .map_err(Failure::from(lang))?;
    let when = |d: &chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
    let body = html! {
        h1 { (t(lang, Msg::SessionsTitle)) }
        (super::settings::nav(lang, "/settings/sessions"))
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
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::SessionsTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}

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
        .map_err(|_| Failure::from(lang)(Error::not_found("no such session")))?;
    sessions::revoke(&ctx.pool, browser.session.user.id, id)
        .await
        .map_err(Failure::from(lang))?;
    Ok(session::see_other("/settings/sessions"))
}

fn password_page(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    status: StatusCode,
    note: Option<(bool, &str)>,
) -> HttpResponse {
    let lang = browser.lang;
    let body = html! {
        h1 { (t(lang, Msg::PasswordTitle)) }
        (super::settings::nav(lang, "/settings/password"))
        p { (t(lang, Msg::PasswordIntro)) }
        @if let Some((problem, text)) = note { p.alert[problem] role=(if problem { "alert" } else { "status" }) { (text) } }
        form method="post" action="/settings/password" {
            (browser.csrf_field())
            p {
                label for="current_password" { (t(lang, Msg::CurrentPassword)) }
                input #current_password type="password" name="current_password" autocomplete="current-password" required;
            }
            p {
                label for="new_password" { (t(lang, Msg::NewPassword)) }
                input #new_password type="password" name="new_password" autocomplete="new-password" minlength="8" required aria-describedby="new_password_hint";
                small #new_password_hint { (t(lang, Msg::NewPasswordHint)) }
            }
            p { button type="submit" { (t(lang, Msg::ChangePasswordButton)) } }
        }
    };
    let mut res = super::private_response(super::frame(
        lang,
        t(lang, Msg::PasswordTitle),
        ctx.urls.domain(),
        Some(browser),
        body,
    ));
    *res.status_mut() = status;
    res
}

pub async fn password_form(ctx: web::Data<AppContext>, browser: SignedInBrowser) -> HttpResponse {
    password_page(&ctx, &browser, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

#[tracing::instrument(skip_all)]
pub async fn change_password(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let form: PasswordForm = browser.form(&body)?;
    let ip = crate::api::oauth::client_ip(&req);
    let problem = match sessions::change_password(
        &ctx.pool,
        &ctx.logins,
        ip,
        &browser.session,
        &form.current_password,
        &form.new_password,
    )
    .await
    {
        Ok(()) => {
            return Ok(password_page(
                &ctx,
                &browser,
                StatusCode::OK,
                Some((false, t(lang, Msg::PasswordChanged))),
            ))
        }
        Err(OAuthError::InvalidGrant) => (
            StatusCode::UNAUTHORIZED,
            t(lang, Msg::WrongCurrentPassword).to_string(),
        ),
        Err(OAuthError::RateLimited(secs)) => (
            StatusCode::TOO_MANY_REQUESTS,
            tf(
                lang,
                Msg::TooManyAttempts,
                &[("minutes", &secs.div_ceil(60).to_string())],
            ),
        ),
        Err(OAuthError::Other(e)) if e.kind.status().is_client_error() => {
            (e.kind.status(), e.message)
        }
        Err(OAuthError::Other(e)) => return Err(Failure::from(lang)(e)),
        Err(e) => {
            return Err(Failure::from(lang)(Error::internal(anyhow::anyhow!(
                e.description()
            ))))
        }
    };
    Ok(password_page(
        &ctx,
        &browser,
        problem.0,
        Some((true, &problem.1)),
    ))
}
