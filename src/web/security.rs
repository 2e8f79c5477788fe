//! Security headers for every HTML page, and the stylesheet and the one script
//! served from the binary (pages carry no inline styles or scripts, so the policy
//! can forbid both).

use actix_web::{
    http::header::{self, HeaderMap, HeaderName, HeaderValue},
    HttpResponse,
};
use std::sync::LazyLock;

/// Scripts and styles from this server only (no inline ones), no plugins, forms
/// posting only here, and never inside another site's frame.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the page headers to an HTML response that does not set them itself (the
/// OAuth sign-in page sets its own, stricter `Referrer-Policy`).
pub fn protect(headers: &mut HeaderMap) {
    let is_html = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if !is_html {
        return;
    }
    let defaults: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
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
