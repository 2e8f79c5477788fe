//! Security headers for every HTML page, and the stylesheet and the one script
//! served from the binary (pages carry no inline styles or scripts, so the policy
//! can forbid both).

use actix_web::{
    http::header::{self, HeaderMap, HeaderName, HeaderValue},
    HttpResponse,
};
use std::sync::LazyLock;

/// Scripts and styles from this server only (no inline ones), no plugins, forms
/// posting only here, and never inside another site's frame. Images also from the
/// origin of `STAFFROOM_MEDIA_BASE_URL` (a CDN) when media is served from there;
/// other servers' images are linked, never loaded.
pub fn content_security_policy(media_base: Option<&str>) -> HeaderValue {
    let media = media_base
        .and_then(|u| url::Url::parse(u).ok())
        .map(|u| format!(" {}", u.origin().ascii_serialization()))
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{media}; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).expect("a URL's origin is a valid header value")
}

/// Adds the page headers to an HTML response that does not set them itself (the
/// OAuth sign-in page sets its own, stricter `Referrer-Policy`).
pub fn protect(headers: &mut HeaderMap, csp: &HeaderValue) {
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return;
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    }
    let defaults: [(HeaderName, &'static str); 3] = [
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

const STYLESHEET: &str = include_str!("staffroom.css");

/// The stylesheet's address, with a digest of its content so that a new version
/// is a new URL and the old one may be cached for a year.
pub static STYLESHEET_URL: LazyLock<String> = LazyLock::new(|| {
    let digest = crate::services::tokens::hash_token(STYLESHEET);
    format!("/assets/staffroom.css?v={}", &digest[..12])
});

const SCRIPT: &str = include_str!("staffroom.js");

/// The script's address, versioned like the stylesheet's.
pub static SCRIPT_URL: LazyLock<String> = LazyLock::new(|| {
    let digest = crate::services::tokens::hash_token(SCRIPT);
    format!("/assets/staffroom.js?v={}", &digest[..12])
});

pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

pub async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", STYLESHEET)
}

/// A file of the binary at a versioned address: cached for a year.
fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}
