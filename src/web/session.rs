//! Who is browsing: the language they read (`Accept-Language`) and their session
//! (a cookie naming a row of `web_sessions`, services/sessions.rs). Pages that need
//! a session take `SignedInBrowser`, which sends everyone else to the sign-in page;
//! every POST of a signed-in page is read through `SignedInBrowser::form`, which
//! refuses it with 403 unless it carries the session's CSRF token.

use super::i18n::{t, Lang, Msg};
use crate::{
    context::AppContext,
    db::accounts::Account,
    error::{Error, ErrorKind},
    services::sessions::{self, SignedIn},
};
use actix_web::{
    dev::Payload,
    http::{header, StatusCode},
    web, FromRequest, HttpRequest, HttpResponse, ResponseError,
};
use maud::{html, Markup};
use serde::de::DeserializeOwned;
use std::{fmt, future::Future, pin::Pin};

pub const SESSION_COOKIE: &str = "staffroom_session";
/// Holds the CSRF token of the sign-in form, before there is a session.
pub const SIGN_IN_COOKIE: &str = "staffroom_sign_in";
/// The hidden field every form carries its CSRF token in.
pub const CSRF_FIELD: &str = "csrf";

/// The value of one cookie of a request.
pub fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: never readable by scripts, not sent with cross-site
/// POSTs, and only over https outside development mode. Without `max_age` it
/// lasts until the browser closes, which suits shared school computers.
pub fn set_cookie(ctx: &AppContext, name: &str, value: &str, max_age: Option<i64>) -> String {
    let secure = if ctx.settings.dev { "" } else { "; Secure" };
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}")
}

pub fn clear_cookie(ctx: &AppContext, name: &str) -> String {
    set_cookie(ctx, name, "", Some(0))
}

pub fn lang_of(req: &HttpRequest) -> Lang {
    Lang::negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// After a form: see the page `to` (303, so the browser GETs it).
pub fn see_other(to: &str) -> HttpResponse {
    see_other_setting(to, &[])
}

/// `see_other`, setting these cookies on the way.
pub fn see_other_setting(to: &str, cookies: &[String]) -> HttpResponse {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, to))
        .insert_header((header::CACHE_CONTROL, "no-store"));
    for c in cookies {
        res.append_header((header::SET_COOKIE, c.as_str()));
    }
    res.finish()
}

/// A path on this site to go back to after a form, or `/home`: never another site.
/// Browsers drop tabs and newlines from URLs and read `\\` as `/`, so a path with
/// anything but visible ASCII could turn into `//elsewhere` and is not taken.
pub fn local_path(back: Option<&str>) -> String {
    match back {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && p.len() < 2000
                && p.chars().all(|c| c.is_ascii_graphic() && c != '\\') =>
        {
            p.to_string()
        }
        _ => "/home".to_string(),
    }
}

/// Whether a form shown before signing in (sign-in, sign-up) carries the token
/// its page set in the cookie `cookie`: another site cannot post it for a browser.
pub fn pre_session_form_ok(req: &HttpRequest, body: &[u8], cookie_name: &str) -> bool {
    let expected = cookie(req, cookie_name).unwrap_or_default();
    let given = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == CSRF_FIELD)
        .map(|(_, v)| v.into_owned());
    sessions::tokens_match(&expected, given.as_deref())
}

/// Why a page could not be shown, as a page.
pub struct Failure {
    lang: Lang,
    kind: FailureKind,
}

enum FailureKind {
    SignInNeeded,
    /// A POST without the session's CSRF token.
    Forged,
    Error(Error),
}

impl Failure {
    pub fn forged(lang: Lang) -> Failure {
        Failure {
            lang,
            kind: FailureKind::Forged,
        }
    }

    /// Turns a service's error into a page in `lang`.
    pub fn from(lang: Lang) -> impl Fn(Error) -> Failure {
        move |e| Failure {
            lang,
            kind: FailureKind::Error(e),
        }
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FailureKind::SignInNeeded => f.write_str("sign-in needed"),
            FailureKind::Forged => f.write_str("form without its CSRF token"),
            FailureKind::Error(e) => write!(f, "{e}"),
        }
    }
}

impl ResponseError for Failure {
    fn status_code(&self) -> StatusCode {
        match &self.kind {
            FailureKind::SignInNeeded => StatusCode::SEE_OTHER,
            FailureKind::Forged => StatusCode::FORBIDDEN,
            FailureKind::Error(e) => e.kind.status(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let lang = self.lang;
        let (title, message) = match &self.kind {
            FailureKind::SignInNeeded => return see_other("/auth/sign_in"),
            FailureKind::Forged => {
                tracing::info!("form refused: CSRF token missing or wrong");
                (
                    t(lang, Msg::FormRefusedTitle),
                    t(lang, Msg::FormRefused).to_string(),
                )
            }
            FailureKind::Error(e) => {
                if matches!(e.kind, ErrorKind::Internal | ErrorKind::Unavailable) {
                    tracing::error!(kind = ?e.kind, error = %e, "page failed");
                }
                (t(lang, Msg::ErrorTitle), e.message.clone())
            }
        };
        let body = html! {
            h1 { (title) }
            p role="alert" { (message) }
            p { a href="/home" { (t(lang, Msg::BackHome)) } }
        };
        HttpResponse::build(self.status_code())
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(super::frame(lang, title, "Staffroom", None, body).into_string())
    }
}

/// Any browser: its language, and its session if it has a live one.
pub struct Browser {
    pub lang: Lang,
    pub session: Option<SignedInBrowser>,
}

/// A browser with a live session.
pub struct SignedInBrowser {
    pub lang: Lang,
    pub session: SignedIn,
    /// The session id from the cookie.
    pub token: String,
}

impl SignedInBrowser {
    pub fn account(&self) -> &Account {
        &self.session.account
    }

    /// The hidden field that lets a form of this session through.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name=(CSRF_FIELD) value=(self.session.csrf); }
    }

    /// A POSTed form of this session: its fields, if it carries the session's CSRF
    /// token; 403 (and nothing done) otherwise. Checked before anything is parsed.
    /// Checks the CSRF token of a form read some other way (a multipart upload).
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), Failure> {
        if !sessions::tokens_match(&self.session.csrf, given) {
            return Err(Failure::forged(self.lang));
        }
        Ok(())
    }

    pub fn form<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, Failure> {
        let given = url::form_urlencoded::parse(body)
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v.into_owned());
        if !sessions::tokens_match(&self.session.csrf, given.as_deref()) {
            return Err(Failure::forged(self.lang));
        }
        serde_urlencoded::from_bytes(body).map_err(|e| {
            Failure::from(self.lang)(Error::bad_request(format!("The form is incomplete: {e}")))
        })
    }
}

async fn browser(req: HttpRequest) -> Result<Browser, Failure> {
    let lang = lang_of(&req);
    let Some(token) = cookie(&req, SESSION_COOKIE) else {
        return Ok(Browser {
            lang,
            session: None,
        });
    };
    let ctx = req
        .app_data::<web::Data<AppContext>>()
        .ok_or_else(|| Failure::from(lang)(Error::internal(anyhow::anyhow!("no AppContext"))))?;
    let Some(session) = sessions::authenticate(&ctx.pool, &token)
        .await
        .map_err(Failure::from(lang))?
    else {
        return Ok(Browser {
            lang,
            session: None,
        });
    };
    // The language chosen in the settings comes before the browser's.
    let lang = session
        .user
        .language
        .as_deref()
        .and_then(Lang::from_tag)
        .unwrap_or(lang);
    Ok(Browser {
        lang,
        session: Some(SignedInBrowser {
            lang,
            session,
            token,
        }),
    })
}

impl FromRequest for Browser {
    type Error = Failure;
    type Future = Pin<Box<dyn Future<Output = Result<Browser, Failure>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(browser(req.clone()))
    }
}

impl FromRequest for SignedInBrowser {
    type Error = Failure;
    type Future = Pin<Box<dyn Future<Output = Result<SignedInBrowser, Failure>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let found = browser(req).await?;
            found.session.ok_or(Failure {
                lang: found.lang,
                kind: FailureKind::SignInNeeded,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn forms_only_send_browsers_back_to_this_site() {
        assert_eq!(
            local_path(Some("/statuses/1?max_id=2")),
            "/statuses/1?max_id=2"
        );
        assert_eq!(local_path(Some("/@ada")), "/@ada");
        for elsewhere in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "evil",
            "",
        ] {
            assert_eq!(local_path(Some(elsewhere)), "/home", "{elsewhere:?}");
        }
        assert_eq!(local_path(None), "/home");
    }
}
