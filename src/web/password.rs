//! Mailed links: asking for a password-reset link (`/auth/password/new`), setting
//! the new password with it (`/auth/password/edit?token=…`), and confirming an
//! address (`/auth/confirmation?token=…`). The rules (single use, expiry, who gets
//! a link) are services::mail's. Without SMTP the page says to ask an admin.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{self, Browser, Failure, CSRF_FIELD},
};
use crate::{
    context::AppContext,
    error::{Error, ErrorKind},
    services::{mail, sessions},
};
use actix_web::{http::header, http::StatusCode, web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

/// Holds the CSRF token of these forms, before there is a session.
pub const PASSWORD_COOKIE: &str = "staffroom_password";
const FORM_SECONDS: i64 = 3600;

fn respond(
    ctx: &AppContext,
    lang: Lang,
    status: StatusCode,
    title: &str,
    body: Markup,
    csrf: Option<&str>,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(token) = csrf {
        res.insert_header((
            header::SET_COOKIE,
            session::set_cookie(ctx, PASSWORD_COOKIE, token, Some(FORM_SECONDS)),
        ));
    }
    res.body(super::frame(lang, title, ctx.urls.domain(), None, body).into_string())
}

fn notice(
    ctx: &AppContext,
    lang: Lang,
    status: StatusCode,
    title: &str,
    text: &str,
) -> HttpResponse {
    let role = if status.is_success() {
        "status"
    } else {
        "alert"
    };
    respond(
        ctx,
        lang,
        status,
        title,
        html! { h1 { (title) } p role=(role) { (text) } },
        None,
    )
}

pub async fn request_form(ctx: web::Data<AppContext>, browser: Browser) -> HttpResponse {
    let lang = browser.lang;
    let title = t(lang, Msg::PasswordResetTitle);
    if ctx.settings.smtp_url.is_none() {
        return notice(
            &ctx,
            lang,
            StatusCode::OK,
            title,
            t(lang, Msg::PasswordResetNoMail),
        );
    }
    let token = sessions::pre_session_token();
    let body = html! {
        h1 { (title) }
        p { (t(lang, Msg::PasswordResetIntro)) }
        form method="post" action="/auth/password/new" {
            input type="hidden" name=(CSRF_FIELD) value=(token);
            p {
                label for="login" { (t(lang, Msg::UsernameOrEmail)) }
                input #login name="login" autocomplete="username" required;
            }
            p { button type="submit" { (t(lang, Msg::PasswordResetButton)) } }
        }
    };
    respond(&ctx, lang, StatusCode::OK, title, body, Some(&token))
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    login: String,
}

#[tracing::instrument(skip_all)]
pub async fn request(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = session::lang_of(&req);
    if !session::pre_session_form_ok(&req, &body, PASSWORD_COOKIE) {
        return Err(Failure::forged(lang));
    }
    let title = t(lang, Msg::PasswordResetTitle);
    if ctx.settings.smtp_url.is_none() {
        return Ok(notice(
            &ctx,
            lang,
            StatusCode::OK,
            title,
            t(lang, Msg::PasswordResetNoMail),
        ));
    }
    let form: RequestForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| Failure::from(lang)(Error::bad_request(e.to_string())))?;
    mail::request_reset(&ctx.pool, &form.login)
        .await
        .map_err(Failure::from(lang))?;
    ctx.mail_wake.notify_one();
    // The same answer whether or not the account exists.
    Ok(notice(
        &ctx,
        lang,
        StatusCode::OK,
        title,
        t(lang, Msg::PasswordResetSent),
    ))
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

fn invalid(ctx: &AppContext, lang: Lang) -> HttpResponse {
    notice(
        ctx,
        lang,
        StatusCode::BAD_REQUEST,
        t(lang, Msg::PasswordResetTitle),
        t(lang, Msg::LinkInvalid),
    )
}

fn new_password_page(
    ctx: &AppContext,
    lang: Lang,
    status: StatusCode,
    token: &str,
    problem: Option<&str>,
) -> HttpResponse {
    let csrf = sessions::pre_session_token();
    let title = t(lang, Msg::PasswordResetTitle);
    let body = html! {
        h1 { (title) }
        @if let Some(problem) = problem { p.alert role="alert" { (problem) } }
        form method="post" action="/auth/password/edit" {
            input type="hidden" name=(CSRF_FIELD) value=(csrf);
            input type="hidden" name="token" value=(token);
            p {
                label for="password" { (t(lang, Msg::NewPassword)) }
                input #password type="password" name="password" autocomplete="new-password" required minlength="8" aria-describedby="password-hint";
                span #password-hint { (t(lang, Msg::NewPasswordHint)) }
            }
            p { button type="submit" { (t(lang, Msg::SetPasswordButton)) } }
        }
    };
    respond(ctx, lang, status, title, body, Some(&csrf))
}

pub async fn edit_form(
    ctx: web::Data<AppContext>,
    browser: Browser,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    if !mail::reset_link_is_valid(&ctx.pool, &q.token)
        .await
        .map_err(Failure::from(lang))?
    {
        return Ok(invalid(&ctx, lang));
    }
    Ok(new_password_page(
        &ctx,
        lang,
        StatusCode::OK,
        &q.token,
        None,
    ))
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
}

#[tracing::instrument(skip_all)]
pub async fn edit(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = session::lang_of(&req);
    if !session::pre_session_form_ok(&req, &body, PASSWORD_COOKIE) {
        return Err(Failure::forged(lang));
    }
    let form: EditForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| Failure::from(lang)(Error::bad_request(e.to_string())))?;
    match mail::reset_password(&ctx.pool, &form.token, &form.password).await {
        Ok(_) => {
            let title = t(lang, Msg::PasswordResetTitle);
            let body = html! {
                h1 { (title) }
                p role="status" { (t(lang, Msg::PasswordResetDone)) }
                p { a href="/auth/sign_in" { (t(lang, Msg::SignInTitle)) } }
            };
            let mut res = respond(&ctx, lang, StatusCode::OK, title, body, None);
            let clear = session::clear_cookie(&ctx, PASSWORD_COOKIE);
            res.headers_mut().append(
                header::SET_COOKIE,
                header::HeaderValue::from_str(&clear)
                    .map_err(|e| Failure::from(lang)(Error::internal(e)))?,
            );
            Ok(res)
        }
        // A password the rules refuse: the form again, the link still good.
        Err(e)
            if e.kind == ErrorKind::BadRequest
                && mail::reset_link_is_valid(&ctx.pool, &form.token)
                    .await
                    .unwrap_or(false) =>
        {
            Ok(new_password_page(
                &ctx,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                &form.token,
                Some(&e.message),
            ))
        }
        Err(e) if e.kind == ErrorKind::BadRequest => Ok(invalid(&ctx, lang)),
        Err(e) => Err(Failure::from(lang)(e)),
    }
}

pub async fn confirm(
    ctx: web::Data<AppContext>,
    browser: Browser,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let title = t(lang, Msg::EmailConfirmedTitle);
    match mail::confirm(&ctx.pool, &q.token).await {
        Ok(name) => Ok(notice(
            &ctx,
            lang,
            StatusCode::OK,
            title,
            &tf(lang, Msg::EmailConfirmed, &[("name", &name)]),
        )),
        Err(e) if e.kind == ErrorKind::BadRequest => Ok(notice(
            &ctx,
            lang,
            StatusCode::BAD_REQUEST,
            title,
            t(lang, Msg::LinkInvalid),
        )),
        Err(e) => Err(Failure::from(lang)(e)),
    }
}
