//! HTML pages for people with a browser: the instance's front page and profiles
//! (public), and, once signed in, the timelines and the compose form. Pages call
//! the same services as the client API and hold no rules of their own.

pub mod admin;
pub mod apps;
pub mod auth;
pub mod chats;
pub mod groups;
pub mod home;
pub mod i18n;
pub mod ical;
pub mod invites;
pub mod lists;
pub mod moving;
pub mod notifications;
pub mod pages;
pub mod password;
pub mod people;
pub mod posts;
pub mod profile;
pub mod search;
pub mod security;
pub mod session;
pub mod sessions;
pub mod settings;
pub mod sign_up;
pub mod status;

use i18n::{t, tf, Lang, Msg};
use maud::{html, Markup, DOCTYPE};
use session::SignedInBrowser;

/// The frame of the English public pages (and the OAuth sign-in page).
pub fn layout(title: &str, domain: &str, body: Markup) -> Markup {
    frame(Lang::En, title, domain, None, body)
}

/// The frame every page shares: landmarks, the stylesheet, and for a signed-in
/// browser the navigation, the search field and the sign-out button.
pub fn frame(
    lang: Lang,
    title: &str,
    domain: &str,
    signed_in: Option<&SignedInBrowser>,
    body: Markup,
) -> Markup {
    frame_with(lang, title, domain, signed_in, None, body)
}

/// `frame`, with more in `<head>` (a public page's OpenGraph tags).
pub fn frame_with(
    lang: Lang,
    title: &str,
    domain: &str,
    signed_in: Option<&SignedInBrowser>,
    head: Option<Markup>,
    body: Markup,
) -> Markup {
    frame_searched(lang, title, domain, signed_in, head, "", body)
}

/// `frame_with`, the search field holding `query` (the search page's own).
pub fn frame_searched(
    lang: Lang,
    title: &str,
    domain: &str,
    signed_in: Option<&SignedInBrowser>,
    head: Option<Markup>,
    query: &str,
    body: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (domain) }
                link rel="stylesheet" href=(*security::STYLESHEET_URL);
                @if let Some(head) = head { (head) }
                // Only signed-in pages have anything to enhance; public ones stay script-free.
                @if signed_in.is_some() { script src=(*security::SCRIPT_URL) defer {} }
                // No icon yet: this keeps browsers from asking for /favicon.ico on every visit.
                link rel="icon" href="data:,";
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
                                li { a href="/lists" { (t(lang, Msg::ListsNav)) } }
                                li { a href="/groups" { (t(lang, Msg::GroupsNav)) } }
                                li { a href="/chats" { (t(lang, Msg::ChatsNav)) } }
                                @if browser.account().locked {
                                    li { a href="/follow_requests" { (t(lang, Msg::FollowRequestsNav)) } }
                                }
                                li { a href="/public/local" { (t(lang, Msg::LocalTimeline)) } }
                                li { a href="/public" { (t(lang, Msg::FederatedTimeline)) } }
                                li { a href="/settings/profile" { (t(lang, Msg::SettingsNav)) } }
                                @if browser.session.user.role != crate::db::users::Role::Member {
                                    li { a href="/admin/reports" { (t(lang, Msg::AdminNav)) } }
                                }
                            }
                        }
                        form.search role="search" method="get" action="/search" {
                            label for="search-q" { (t(lang, Msg::Search)) }
                            " "
                            input #search-q type="search" name="q" value=(query) required;
                            " "
                            button type="submit" { (t(lang, Msg::SearchButton)) }
                        }
                        form.sign-out method="post" action="/auth/sign_out" {
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

/// What a link to a public page previews as, elsewhere (a class website, a chat):
/// OpenGraph's title, description, canonical address and kind.
pub struct OpenGraph<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// Absolute.
    pub url: &'a str,
    /// `profile`, `article` or `website`.
    pub kind: &'a str,
}

/// OpenGraph's tags (and the plain description and canonical link) for `<head>`.
pub fn open_graph(domain: &str, og: &OpenGraph) -> Markup {
    let description = excerpt(og.description, 300);
    html! {
        meta name="description" content=(description);
        link rel="canonical" href=(og.url);
        meta property="og:title" content=(og.title);
        meta property="og:description" content=(description);
        meta property="og:url" content=(og.url);
        meta property="og:type" content=(og.kind);
        meta property="og:site_name" content=(format!("Staffroom · {domain}"));
    }
}

/// The start of `text`, at most `max` characters, cut at a word where it can be.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{cut}…")
}

/// The page of an account on this site: `/@name` for ours, `/@name@host` for
/// another server's (shown from what is stored here).
pub fn profile_path(account: &crate::db::accounts::Account) -> String {
    match &account.domain {
        None => format!("/@{}", account.username),
        Some(domain) => format!("/@{}@{domain}", account.username),
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
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(markup.into_string())
}

/// A page only its signed-in reader may see: never stored by a cache on the way.
pub fn private_response(markup: Markup) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(markup.into_string())
}
