//! Joining from a browser: `/auth/sign_up` (an invite URL, `/invite/CODE`, leads
//! there with its code), as the registration mode allows. The rules are
//! services::registrations'; this page only asks and shows. Before there is a
//! session, the form's CSRF token is checked against a short-lived cookie, as the
//! sign-in form's is.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{self, Browser, Failure, CSRF_FIELD, SESSION_COOKIE},
};
use crate::{
    context::AppContext,
    error::{Error, ErrorKind},
    services::{
        registrations::{self, RegistrationMode},
        sessions,
    },
};
use actix_web::{http::header, http::StatusCode, web, HttpRequest, HttpResponse};
use maud::html;
use serde::Deserialize;

/// Holds the sign-up form's CSRF token.
pub const SIGN_UP_COOKIE: &str = "staffroom_sign_up";
const SIGN_UP_FORM_SECONDS: i64 = 3600;

/// What the form shows again after a refused attempt.
#[derive(Deserialize, Default)]
pub struct SignUpForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    invite: String,
    #[serde(default)]
    agreement: Option<String>,
}

fn respond(
    ctx: &AppContext,
    lang: Lang,
    status: StatusCode,
    title: &str,
    body: maud::Markup,
    cookie: Option<&str>,
) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(token) = cookie {
        res.insert_header((
            header::SET_COOKIE,
            session::set_cookie(ctx, SIGN_UP_COOKIE, token, Some(SIGN_UP_FORM_SECONDS)),
        ));
    }
    res.body(super::frame(lang, title, ctx.urls.domain(), None, body).into_string())
}

/// The form, or why there is none. `problem` is a refused attempt's reason.
async fn page(
    ctx: &AppContext,
    lang: Lang,
    status: StatusCode,
    form: &SignUpForm,
    problem: Option<&str>,
) -> Result<HttpResponse, Failure> {
    let fail = Failure::from(lang);
    let mode = registrations::mode(&ctx.pool).await.map_err(&fail)?;
    let invite = form.invite.trim();
    let invited = !invite.is_empty() && mode != RegistrationMode::Closed;
    let title = t(lang, Msg::SignUpTitle);
    let refusal = if mode == RegistrationMode::Closed {
        Some(t(lang, Msg::SignUpsClosed))
    } else if invited
        && !registrations::invite_is_valid(&ctx.pool, invite)
            .await
            .map_err(&fail)?
    {
        Some(t(lang, Msg::InviteInvalid))
    } else if !invited && !mode.open_to_all() {
        Some(t(lang, Msg::InviteNeeded))
    } else {
        None
    };
    if let Some(refusal) = refusal {
        let body = html! { h1 { (title) } p.alert role="alert" { (refusal) } };
        let status = if status == StatusCode::OK {
            StatusCode::FORBIDDEN
        } else {
            status
        };
        return Ok(respond(ctx, lang, status, title, body, None));
    }
    let needs_approval = mode == RegistrationMode::Approval && !invited;
    let rules = registrations::rules(&ctx.pool).await.map_err(&fail)?;
    let token = sessions::pre_session_token();
    let body = html! {
        h1 { (title) }
        p { (tf(lang, Msg::SignUpIntro, &[("domain", ctx.urls.domain())])) }
        @if needs_approval { p { (t(lang, Msg::SignUpNeedsApproval)) } } @else if invited { p { (t(lang, Msg::SignUpInvited)) } }
        @if let Some(problem) = problem { p.alert role="alert" { (problem) } }
        h2 #rules { (t(lang, Msg::RulesHeading)) }
        @if rules.is_empty() { p { (t(lang, Msg::NoRules)) } } @else { ol { @for rule in &rules { li { (rule) } } } }
        form method="post" action="/auth/sign_up" {
            input type="hidden" name=(CSRF_FIELD) value=(token);
            @if invited { input type="hidden" name="invite" value=(invite); }
            p {
                label for="username" { (t(lang, Msg::Username)) }
                input #username name="username" autocomplete="username" required maxlength="30" pattern="[A-Za-z0-9_]+" aria-describedby="username-hint" value=(form.username);
                span #username-hint { (t(lang, Msg::UsernameHint)) }
            }
            p {
                label for="email" { (t(lang, Msg::EmailOptional)) }
                input #email type="email" name="email" autocomplete="email" value=(form.email);
            }
            p {
                label for="password" { (t(lang, Msg::Password)) }
                input #password type="password" name="password" autocomplete="new-password" required minlength="8" aria-describedby="password-hint";
                span #password-hint { (t(lang, Msg::NewPasswordHint)) }
            }
            @if needs_approval {
                p {
                    label for="reason" { (t(lang, Msg::SignUpReason)) }
                    textarea #reason name="reason" required maxlength=(registrations::MAX_REASON_CHARS) { (form.reason) }
                }
            }
            p {
                input #agreement type="checkbox" name="agreement" value="1" required aria-describedby="rules";
                " "
                label for="agreement" { (t(lang, Msg::AcceptRules)) }
            }
            p { button type="submit" { (t(lang, Msg::SignUpButton)) } }
        }
    };
    Ok(respond(ctx, lang, status, title, body, Some(&token)))
}

#[derive(Deserialize)]
pub struct Query {
    invite: Option<String>,
}

pub async fn form(
    ctx: web::Data<AppContext>,
    browser: Browser,
    q: web::Query<Query>,
) -> Result<HttpResponse, Failure> {
    if browser.session.is_some() {
        return Ok(session::see_other("/home"));
    }
    let form = SignUpForm {
        invite: q.invite.clone().unwrap_or_default(),
        ..Default::default()
    };
    page(&ctx, browser.lang, StatusCode::OK, &form, None).await
}

/// `/invite/CODE`: the URL `staffroom invite create` prints.
pub async fn invite(code: web::Path<String>) -> HttpResponse {
    let code: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    session::see_other(&format!("/auth/sign_up?invite={code}"))
}

#[tracing::instrument(skip_all)]
pub async fn submit(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = session::lang_of(&req);
    if !session::pre_session_form_ok(&req, &body, SIGN_UP_COOKIE) {
        return Err(Failure::forged(lang));
    }
    let form: SignUpForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| Failure::from(lang)(Error::bad_request(e.to_string())))?;
    let sign_up = registrations::SignUp {
        username: form.username.clone(),
        email: Some(form.email.clone()),
        password: form.password.clone(),
        agreement: form.agreement.is_some(),
        reason: Some(form.reason.clone()),
        invite_code: Some(form.invite.clone()),
    };
    let created = match registrations::sign_up(&ctx.pool, sign_up).await {
        Ok(created) => created,
        Err(e)
            if matches!(
                e.kind,
                ErrorKind::BadRequest | ErrorKind::Conflict | ErrorKind::Forbidden
            ) =>
        {
            let status = if e.kind == ErrorKind::Forbidden {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return page(&ctx, lang, status, &form, Some(&e.message)).await;
        }
        Err(e) => return Err(Failure::from(lang)(e)),
    };
    let clear = session::clear_cookie(&ctx, SIGN_UP_COOKIE);
    if !created.user.approved {
        let title = t(lang, Msg::SignUpPendingTitle);
        let body = html! { h1 { (title) } p role="status" { (tf(lang, Msg::SignUpPending, &[("name", &created.account.username)])) } };
        let mut res = respond(&ctx, lang, StatusCode::OK, title, body, None);
        res.headers_mut().append(
            header::SET_COOKIE,
            header::HeaderValue::from_str(&clear)
                .map_err(|e| Failure::from(lang)(Error::internal(e)))?,
        );
        return Ok(res);
    }
    // Signed in at once, through the same door as the sign-in form.
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let ip = crate::api::oauth::client_ip(&req);
    let new = sessions::sign_in(
        &ctx.pool,
        &ctx.logins,
        ip,
        &created.account.username,
        &form.password,
        user_agent,
        None,
    )
    .await
    .map_err(|e| Failure::from(lang)(Error::new(ErrorKind::Internal, e.description())))?;
    Ok(session::see_other_setting(
        "/home",
        &[
            session::set_cookie(&ctx, SESSION_COOKIE, &new.token, None),
            clear,
        ],
    ))
}
