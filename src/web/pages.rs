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
    let body = html! {
        h1 { (tf(lang, Msg::AboutTitle, &[("domain", domain)])) }
        @for paragraph in profile.description.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) { p.description { (paragraph) } }
        p { (tf(lang, Msg::AboutText, &[("version", env!("CARGO_PKG_VERSION"))])) }
        h2 #rules { (t(lang, Msg::RulesHeading)) }
        @if rules.is_empty() { p { (t(lang, Msg::NoRules)) } } @else { ol { @for rule in &rules { li { (rule) } } } }
        h2 { (t(lang, Msg::ContactHeading)) }
        p { a href=(format!("mailto:{contact}")) { (contact) } }
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
