//! `/notifications`: what others did with one's posts and account, newest first
//! (services::notifications, with its visibility rules), paginated as the API's.

use super::{
    i18n::{t, tf, Msg},
    posts,
    session::{Failure, SignedInBrowser},
};
use crate::{
    api::pagination::{Query, STATUSES},
    context::AppContext,
    db::notifications::Filter,
    services,
};
use actix_web::{web, HttpRequest, HttpResponse};
use maud::html;

fn what(kind: &str) -> Msg {
    match kind {
        "mention" => Msg::NotifiedMention,
        "favourite" => Msg::NotifiedFavourite,
        "reblog" => Msg::NotifiedReblog,
        "follow" => Msg::NotifiedFollow,
        "follow_request" => Msg::NotifiedFollowRequest,
        "status" => Msg::NotifiedStatus,
        "update" => Msg::NotifiedUpdate,
        _ => Msg::NotifiedOther,
    }
}

/// What a moderation action is called in a notice to its teacher.
fn told(action: &str) -> Msg {
    match action {
        "sensitive" => Msg::ToldSensitive,
        "disable" => Msg::ToldDisable,
        "silence" => Msg::ToldSilence,
        "suspend" => Msg::ToldSuspend,
        _ => Msg::ToldWarning,
    }
}

pub async fn page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let page = Query::of(&req)
        .page(STATUSES)
        .map_err(Failure::from(lang))?;
    // Warnings have their own section above the list (from the moderators).
    let filter = Filter {
        exclude_types: vec!["moderation_warning".into()],
        ..Filter::default()
    };
    let list = services::notifications::list(&ctx, browser.account(), &filter, page)
        .await
        .map_err(Failure::from(lang))?;
    let notices = services::moderation::notices_for(&ctx.pool, browser.account())
        .await
        .map_err(Failure::from(lang))?;
    let body = html! {
        h1 { (t(lang, Msg::NotificationsTitle)) }
        @if !notices.is_empty() {
            section.moderation aria-labelledby="moderators-said" {
                h2 #moderators-said { (t(lang, Msg::ModeratorsSaid)) }
                ul {
                    @for n in &notices {
                        li {
                            time datetime=(n.created_at.to_rfc3339()) { (n.created_at.format("%Y-%m-%d %H:%M UTC")) }
                            " · " (t(lang, told(&n.action)))
                            @if !n.reason.is_empty() { blockquote { (n.reason) } }
                        }
                    }
                }
            }
        }
        @if list.is_empty() { p { (t(lang, Msg::NotificationsEmpty)) } }
        @for n in &list {
            section.notification aria-label=(tf(lang, what(&n.notification.kind), &[("name", posts::shown_name(&n.from))])) {
                p.meta {
                    strong { (tf(lang, what(&n.notification.kind), &[("name", posts::shown_name(&n.from))])) }
                    " · " time datetime=(n.notification.created_at.to_rfc3339()) { (n.notification.created_at.format("%Y-%m-%d %H:%M UTC")) }
                }
                @if n.notification.kind == "follow_request" { p { a href="/follow_requests" { (t(lang, Msg::AnswerFollowRequests)) } } }
                @if let Some(status) = &n.status { (posts::article(&ctx, lang, Some(&browser), status, "/notifications")) }
            }
        }
        (posts::load_more(lang, "/notifications", &page, list.len(), list.last().map(|n| n.notification.id)))
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::NotificationsTitle),
        ctx.urls.domain(),
        Some(&browser),
        body,
    )))
}
