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
    Ok(super::page_response(super::frame(lang, t(lang, Msg::Home), domain, browser.session.as_ref(), body)))
}

pub async fn about(ctx: web::Data<AppContext>, browser: Browser) -> HttpResponse {
    let lang = browser.lang;
    let domain = ctx.urls.domain();
    let body = html! {
        h1 { (tf(lang, Msg::AboutTitle, &[("domain", domain)])) }
        p { (tf(lang, Msg::AboutText, &[("version", env!("CARGO_PKG_VERSION"))])) }
    };
    super::page_response(super::frame(lang, t(lang, Msg::About), domain, browser.session.as_ref(), body))
}
