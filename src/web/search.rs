//! `/search?q=`: people (`@name@host` from any server, a teacher's name here), a
//! post by its URL on any server, posts by their words (full-text), hashtags. The same service the client API's
//! `/api/v2/search` calls (services::search), always resolving: a teacher who
//! searches for someone wants them found.

use super::{
    i18n::{t, tf, Msg},
    posts, profile,
    session::{Failure, SignedInBrowser},
};
use crate::{context::AppContext, services};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::{html, Markup};

pub async fn page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let query: String = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    let me = browser.account();
    let options = services::search::Options {
        resolve: true,
        language: Some(lang.code().to_string()),
        ..Default::default()
    };
    let found = services::search::search(&ctx, me, &query, &options)
        .await
        .map_err(Failure::from(lang))?;
    // Buttons on the results come back to the same results.
    let back = format!(
        "/search?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &query)
            .finish()
    );
    let mut people = Vec::with_capacity(found.accounts.len());
    for account in &found.accounts {
        let relationship = match account.id == me.id {
            true => None,
            false => Some(
                services::relationships::between(&ctx, me, account)
                    .await
                    .map_err(Failure::from(lang))?,
            ),
        };
        people.push((account, relationship));
    }
    let nothing =
        found.accounts.is_empty() && found.statuses.is_empty() && found.hashtags.is_empty();
    let body = html! {
        h1 { (t(lang, Msg::SearchTitle)) }
        @if query.is_empty() {
            p { (t(lang, Msg::SearchIntro)) }
        } @else {
            p role="status" { (tf(lang, Msg::SearchResultsFor, &[("query", &query)])) }
            @if nothing { p { (t(lang, Msg::SearchNothing)) } }
            @if !people.is_empty() {
                section aria-labelledby="found-people" {
                    h2 #found-people { (t(lang, Msg::People)) }
                    ul.people {
                        @for (account, relationship) in &people {
                            li {
                                a href=(super::profile_path(account)) { strong { (posts::shown_name(account)) } }
                                " " span.handle { (posts::handle(&ctx, account)) }
                                @if let Some(relationship) = relationship {
                                    (profile::follow_button(&browser, account, *relationship, &back))
                                }
                            }
                        }
                    }
                }
            }
            @if !found.statuses.is_empty() {
                section aria-labelledby="found-posts" {
                    h2 #found-posts { (t(lang, Msg::PostsHeading)) }
                    @for view in &found.statuses { (posts::article(&ctx, lang, Some(&browser), view, &back)) }
                }
            }
            @if !found.hashtags.is_empty() {
                section aria-labelledby="found-tags" {
                    h2 #found-tags { (t(lang, Msg::Hashtags)) }
                    ul {
                        @for tag in &found.hashtags {
                            li { a href=(format!("/tags/{}", tag.name)) { "#" (tag.name) } }
                        }
                    }
                }
            }
        }
    };
    Ok(super::private_response(super::frame_searched(
        lang,
        t(lang, Msg::SearchTitle),
        ctx.urls.domain(),
        Some(&browser),
        None,
        &query,
        body,
    )))
}

/// What the compose form's script sent as `q`.
fn typed(req: &HttpRequest) -> String {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// Options for the suggestion list: a fragment, never cached (it is the reader's).
fn suggestions(options: Markup) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(options.into_string())
}

/// `GET /search/hashtags?q=`: hashtags for what is typed after `#` in the compose
/// form, as options of the same suggestion list as mentions.
pub async fn hashtags(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let typed = typed(&req);
    let found = services::search::hashtag_suggestions(&ctx, &typed)
        .await
        .map_err(Failure::from(browser.lang))?;
    let options = html! {
        @for (i, name) in found.iter().enumerate() {
            li #(format!("hashtag-{i}")) role="option" aria-selected="false" data-value=(format!("#{name}")) { "#" (name) }
        }
    };
    Ok(suggestions(options))
}

/// `GET /search/mentions?q=`: accounts to mention for what is typed after `@` in the
/// compose form, as the `<li role="option">`s of its suggestion list (staffroom.js
/// asks for them; nothing is fetched from other servers).
pub async fn mentions(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let typed = typed(&req);
    let found = services::search::mention_suggestions(&ctx, browser.account(), &typed)
        .await
        .map_err(Failure::from(browser.lang))?;
    let options = html! {
        @for (i, account) in found.iter().enumerate() {
            @let mention = match &account.domain { None => format!("@{}", account.username), Some(d) => format!("@{}@{d}", account.username) };
            li #(format!("mention-{i}")) role="option" aria-selected="false" data-value=(mention) {
                (posts::shown_name(account)) " " span.handle { (mention) }
            }
        }
    };
    Ok(suggestions(options))
}
