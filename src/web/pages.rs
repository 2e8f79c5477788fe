//! The front page and the about page.

use super::{
    i18n::{t, tf, Msg},
    session::Browser,
};
use crate::{context::AppContext, error::Result, services};
use actix_web::{web, HttpResponse};
use maud::html;

pub async fn home(ctx: web::Data<AppContext>, browser: Browser) -> Result<HttpResponse> {
    let lang = browser.lang;
    // Sign-ups still waiting, and suspended or disabled accounts, are nobody's business here.
    let users: Vec<_> = services::accounts::list_local_users(&ctx.pool)
        .await?
        .into_iter()
        .filter(|(user, account)| services::accounts::may_sign_in(user, account).is_ok())
        .collect();
    let domain = ctx.urls.domain();
    let body = html! {
        h1 { (tf(lang, Msg::FrontTitle, &[("domain", domain)])) }
        p { (t(lang, Msg::FrontIntro)) }
        h2 { (t(lang, Msg::People)) }
        @if users.is_empty() {
            p { (t(lang, Msg::NoAccounts)) " " code { "staffroom user add NAME" } "." }
        } @else {
            ul.people {
                @for (_, account) in &users {
                    li {
                        a href=(ctx.urls.profile(&account.username)) {
                            @if account.display_name.is_empty() { (account.username) } @else { (account.display_name) }
                        }
                        " " span.handle { "@" (account.username) "@" (domain) }
                    }
                }
            }
        }
    };
    Ok(super::page_response(super::frame(
        lang,
        t(lang, Msg::Home),
        domain,
        browser.session.as_ref(),
        body,
    )))
}

pub async fn about(
    ctx: web::Data<AppContext>,
    browser: Browser,
) -> Result<HttpResponse, super::session::Failure> {
    let lang = browser.lang;
    let fail = super::session::Failure::from(lang);
    let domain = ctx.urls.domain();
    let profile = crate::services::registrations::profile(&ctx.pool)
        .await
        .map_err(&fail)?;
    let rules = crate::services::registrations::rules(&ctx.pool)
        .await
        .map_err(&fail)?;
    let contact = crate::api::instance::contact_email(&ctx, &profile);
    let next_chats = crate::services::chats::upcoming(&ctx, 5)
        .await
        .map_err(&fail)?;
    let tags = crate::services::tags::pln(&ctx.pool).await.map_err(&fail)?;
    let body = html! {
        h1 { (tf(lang, Msg::AboutTitle, &[("domain", domain)])) }
        @for paragraph in profile.description.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) { p.description { (paragraph) } }
        p { (tf(lang, Msg::AboutText, &[("version", env!("CARGO_PKG_VERSION"))])) }
        h2 #rules { (t(lang, Msg::RulesHeading)) }
        @if rules.is_empty() { p { (t(lang, Msg::NoRules)) } } @else { ol { @for rule in &rules { li { (rule) } } } }
        h2 { (t(lang, Msg::ContactHeading)) }
        p { a href=(format!("mailto:{contact}")) { (contact) } }
        (pln_tags(&ctx, lang, &tags))
        (super::chats::next_chats(lang, &next_chats))
    };
    Ok(super::page_response(super::frame(
        lang,
        t(lang, Msg::About),
        domain,
        browser.session.as_ref(),
        body,
    )))
}

/// The about page's hashtags: what teachers here use and follow, and what trends.
fn pln_tags(
    ctx: &AppContext,
    lang: super::i18n::Lang,
    tags: &services::tags::PlnTags,
) -> maud::Markup {
    use super::i18n::count;
    let example = tags.used.first().map_or("edchat", |u| u.name.as_str());
    let handle = format!("@{example}@{}", ctx.urls.domain());
    html! {
        section #pln-tags aria-labelledby="pln-tags-heading" {
            h2 #pln-tags-heading { (t(lang, Msg::PlnTagsHeading)) }
            p { (tf(lang, Msg::PlnTagsIntro, &[("days", &services::tags::PLN_DAYS.to_string()), ("handle", &handle)])) }
            @if tags.used.is_empty() {
                p { (t(lang, Msg::PlnTagsNone)) }
            } @else {
                ol.tags {
                    @for tag in &tags.used {
                        li {
                            a href=(ctx.urls.tag(&tag.name)) rel="tag" { "#" (tag.name) }
                            " · " (count(lang, Msg::OnePost, Msg::PostCount, tag.uses))
                            @if tag.followers > 0 { " · " (count(lang, Msg::TagFollowersOne, Msg::TagFollowersMany, tag.followers)) }
                        }
                    }
                }
            }
        }
        section #trending-tags aria-labelledby="trending-tags-heading" {
            h2 #trending-tags-heading { (t(lang, Msg::TrendingTagsHeading)) }
            p { (tf(lang, Msg::TrendingTagsIntro, &[("days", &services::tags::TRENDING_DAYS.to_string())])) }
            @if tags.trending.is_empty() {
                p { (t(lang, Msg::TrendingTagsNone)) }
            } @else {
                ol.tags {
                    @for tag in &tags.trending {
                        li {
                            a href=(ctx.urls.tag(&tag.name)) rel="tag" { "#" (tag.name) }
                            " · " (count(lang, Msg::TagPeopleOne, Msg::TagPeopleMany, tag.accounts))
                            " · " (count(lang, Msg::OnePost, Msg::PostCount, tag.uses))
                        }
                    }
                }
            }
        }
    }
}
