//! The front page and the about page.

use crate::{context::AppContext, error::Result, services};
use actix_web::{web, HttpResponse};
use maud::html;

pub async fn home(ctx: web::Data<AppContext>) -> Result<HttpResponse> {
    let users = services::accounts::list_local_users(&ctx.pool).await?;
    let domain = ctx.urls.domain();
    let body = html! {
        h1 { "Staffroom on " (domain) }
        p { "A server for teachers' learning networks in the fediverse. Follow the people here from Mastodon or any other fediverse app." }
        h2 { "People" }
        @if users.is_empty() {
            p { "No accounts yet. An administrator creates them with " code { "staffroom user add NAME" } "." }
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
    Ok(super::html_response(super::layout("Home", domain, body)))
}

pub async fn about(ctx: web::Data<AppContext>) -> HttpResponse {
    let domain = ctx.urls.domain();
    let body = html! {
        h1 { "About " (domain) }
        p { "This server runs Staffroom " (env!("CARGO_PKG_VERSION")) ", free software licensed AGPL-3.0-or-later, speaking ActivityPub with Mastodon and the rest of the fediverse." }
    };
    super::html_response(super::layout("About", domain, body))
}
