//! HTML pages for people with a browser: the instance's front page and profiles
//! (public), and, once signed in, the timelines and the compose form. Pages call
//! the same services as the client API and hold no rules of their own.

pub mod auth;
pub mod home;
pub mod i18n;
pub mod notifications;
pub mod pages;
pub mod posts;
pub mod profile;
pub mod security;
pub mod session;
pub mod sessions;
pub mod status;

use i18n::{t, tf, Lang, Msg};
use maud::{html, Markup, DOCTYPE};
use session::SignedInBrowser;

/// The frame of the English public pages (and the OAuth sign-in page).
pub fn layout(title: &str, domain: &str, body: Markup) -> Markup {
    frame(Lang::En, title, domain, None, body)
}

/// The frame every page shares: landmarks, the stylesheet, and for a signed-in
/// browser the navigation and the sign-out button.
pub fn frame(lang: Lang, title: &str, domain: &str, signed_in: Option<&SignedInBrowser>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (domain) }
                link rel="stylesheet" href=(*security::STYLESHEET_URL);
            }
            body {
                a.skip href="#main" { (t(lang, Msg::SkipToContent)) }
                header {
                    a href=(if signed_in.is_some() { "/home" } else { "/" }) { "Staffroom" }
                    " · " (domain)
                    @if let Some(browser) = signed_in {
                        nav aria-label=(t(lang, Msg::MainNavigation)) {
                            ul {
                                li { a href="/home" { (t(lang, Msg::Home)) } }
                                li { a href="/notifications" { (t(lang, Msg::NotificationsNav)) } }
                                li { a href="/public/local" { (t(lang, Msg::LocalTimeline)) } }
                                li { a href="/public" { (t(lang, Msg::FederatedTimeline)) } }
                                li { a href="/settings/sessions" { (t(lang, Msg::SessionsNav)) } }
                                li { a href="/settings/password" { (t(lang, Msg::PasswordNav)) } }
                            }
                        }
                        form method="post" action="/auth/sign_out" {
                            (browser.csrf_field())
                            span.handle { (tf(lang, Msg::SignedInAs, &[("handle", &format!("@{}", browser.account().username))])) }
                            " "
                            button type="submit" { (t(lang, Msg::SignOut)) }
                        }
                    } @else {
                        nav aria-label=(t(lang, Msg::MainNavigation)) {
                            ul {
                                li { a href="/public/local" { (t(lang, Msg::LocalTimeline)) } }
                                li { a href="/about" { (t(lang, Msg::About)) } }
                                li { a href="/auth/sign_in" { (t(lang, Msg::SignInTitle)) } }
                            }
                        }
                    }
                }
                main #main { (body) }
                footer { (t(lang, Msg::Footer)) }
            }
        }
    }
}

/// A public page in the browser's language, with its navigation if signed in:
/// caches must keep the versions apart.
pub fn page_response(markup: Markup) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::VARY, "Accept-Language, Cookie"))
        .body(markup.into_string())
}

pub fn html_response(markup: Markup) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("text/html; charset=utf-8").body(markup.into_string())
}

/// A page only its signed-in reader may see: never stored by a cache on the way.
pub fn private_response(markup: Markup) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(markup.into_string())
}
