//! Signing in and out of the web interface (`/auth/sign_in`, `/auth/sign_out`).
//! The password check and its attempt limits are OAuth's (services::oauth); the
//! session is services::sessions'.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{
        self, Browser, Failure, SignedInBrowser, CSRF_FIELD, SESSION_COOKIE, SIGN_IN_COOKIE,
    },
};
use crate::{
    context::AppContext,
    error::{Error, ErrorKind},
    services::{oauth::OAuthError, sessions},
};
use actix_web::{http::header, http::StatusCode, web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

/// How long the sign-in form's token lives.
const SIGN_IN_FORM_SECONDS: i64 = 3600;

fn sign_in_page(
    ctx: &AppContext,
    lang: Lang,
    status: StatusCode,
    login: &str,
    back: Option<&str>,
    problem: Option<&str>,
) -> HttpResponse {
    // A fresh token with each form: the cookie and the hidden field must match.
    let token = sessions::pre_session_token();
    let title = t(lang, Msg::SignInTitle);
    let body = html! {
        h1 { (title) }
        p { (t(lang, Msg::SignInIntro)) }
        @if let Some(problem) = problem { p.alert role="alert" { (problem) } }
        form method="post" action="/auth/sign_in" {
            input type="hidden" name=(CSRF_FIELD) value=(token);
            @if let Some(back) = back { input type="hidden" name="back" value=(back); }
            p {
                label for="login" { (t(lang, Msg::UsernameOrEmail)) }
                input #login name="login" autocomplete="username" required value=(login);
            }
            p {
                label for="password" { (t(lang, Msg::Password)) }
                input #password type="password" name="password" autocomplete="current-password" required;
            }
            p { button type="submit" { (t(lang, Msg::SignInButton)) } }
        }
        p { a href="/auth/password/new" { (t(lang, Msg::ForgotPassword)) } }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((
            header::SET_COOKIE,
            session::set_cookie(ctx, SIGN_IN_COOKIE, &token, Some(SIGN_IN_FORM_SECONDS)),
        ))
        .body(super::frame(lang, title, ctx.urls.domain(), None, body).into_string())
}

/// The page to go to after signing in (`?back=`, a path here, such as an app's
/// authorization page), if one was given.
fn back_of(req: &HttpRequest) -> Option<String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "back")
        .map(|(_, v)| session::local_path(Some(&v)))
}

pub async fn sign_in_form(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
) -> HttpResponse {
    let back = back_of(&req);
    if browser.session.is_some() {
        return session::see_other(back.as_deref().unwrap_or("/home"));
    }
    sign_in_page(
        &ctx,
        browser.lang,
        StatusCode::OK,
        "",
        back.as_deref(),
        None,
    )
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    back: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn sign_in(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = session::lang_of(&req);
    // Before a session exists the form's token is checked against its cookie, so
    // another site cannot sign a browser into an account of its choosing.
    if !session::pre_session_form_ok(&req, &body, SIGN_IN_COOKIE) {
        return Err(Failure::forged(lang));
    }
    let form: SignInForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| Failure::from(lang)(Error::bad_request(e.to_string())))?;
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let previous = session::cookie(&req, SESSION_COOKIE);
    let ip = crate::api::oauth::client_ip(&req);
    match sessions::sign_in(
        &ctx.pool,
        &ctx.logins,
        ip,
        &form.login,
        &form.password,
        user_agent,
        previous.as_deref(),
    )
    .await
    {
        Ok(new) => Ok(session::see_other_setting(
            &session::local_path(form.back.as_deref()),
            &[
                session::set_cookie(&ctx, SESSION_COOKIE, &new.token, None),
                session::clear_cookie(&ctx, SIGN_IN_COOKIE),
            ],
        )),
        Err(OAuthError::RateLimited(secs)) => {
            let problem = tf(
                lang,
                Msg::TooManyAttempts,
                &[("minutes", &secs.div_ceil(60).to_string())],
            );
            let mut res = sign_in_page(
                &ctx,
                lang,
                StatusCode::TOO_MANY_REQUESTS,
                &form.login,
                form.back.as_deref(),
                Some(&problem),
            );
            res.headers_mut().insert(header::RETRY_AFTER, secs.into());
            Ok(res)
        }
        Err(OAuthError::InvalidGrant) => Ok(sign_in_page(
            &ctx,
            lang,
            StatusCode::UNAUTHORIZED,
            &form.login,
            form.back.as_deref(),
            Some(t(lang, Msg::WrongPassword)),
        )),
        Err(OAuthError::Refused(why)) => Ok(sign_in_page(
            &ctx,
            lang,
            StatusCode::FORBIDDEN,
            &form.login,
            form.back.as_deref(),
            Some(&why),
        )),
        Err(OAuthError::Other(e)) => Err(Failure::from(lang)(e)),
        Err(e) => Err(Failure::from(lang)(Error::new(
            ErrorKind::Internal,
            e.description(),
        ))),
    }
}

#[tracing::instrument(skip_all)]
pub async fn sign_out(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let _: Vec<(String, String)> = browser.form(&body)?;
    sessions::sign_out(&ctx.pool, &browser.token)
        .await
        .map_err(Failure::from(browser.lang))?;
    Ok(session::see_other_setting(
        "/auth/sign_in",
        &[session::clear_cookie(&ctx, SESSION_COOKIE)],
    ))
}
