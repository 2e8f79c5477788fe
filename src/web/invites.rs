//! `/settings/invites`: a teacher's own invites, when the admins let staff or
//! everyone invite (the `invites_by` setting; admins make theirs in the admin
//! pages too). Who may is services::registrations' decision.

use super::{
    i18n::{t, tf, Lang, Msg},
    session::{Failure, SignedInBrowser},
};
use crate::{
    context::AppContext,
    db::invites::Invite,
    error::Error,
    services::{registrations, roles::Acting},
};
use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

/// The form that makes an invite (here, and on the admin pages' Joining).
pub fn form(browser: &SignedInBrowser, action: &str) -> Markup {
    let lang = browser.lang;
    html! {
        form method="post" action=(action) {
            (browser.csrf_field())
            p {
                label for="max_uses" { (t(lang, Msg::InviteMaxUses)) }
                input #max_uses type="number" name="max_uses" min="1";
            }
            p {
                label for="expires_in" { (t(lang, Msg::InviteExpiresIn)) }
                input #expires_in type="number" name="expires_in" min="1";
            }
            p { button type="submit" { (t(lang, Msg::MakeInvite)) } }
        }
    }
}

/// Invites with their URLs, uses and expiry.
pub fn list(ctx: &AppContext, lang: Lang, invites: &[Invite]) -> Markup {
    html! {
        ul {
            @for i in invites {
                li {
                    code { (ctx.urls.invite(&i.code)) } " — "
                    (tf(lang, Msg::InviteUses, &[("uses", &i.uses.to_string()), ("max", &i.max_uses.map(|m| m.to_string()).unwrap_or_else(|| "∞".into()))]))
                    @if let Some(at) = i.expires_at { " · " (tf(lang, Msg::InviteExpires, &[("date", &at.format("%Y-%m-%d %H:%M UTC").to_string())])) }
                }
            }
        }
    }
}

/// The form's numbers: empty is none.
#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    max_uses: String,
    #[serde(default)]
    expires_in: String,
}

impl InviteForm {
    /// How many uses and days it asks for (`None`: no limit).
    pub fn limits(&self) -> crate::error::Result<(Option<u32>, Option<u32>)> {
        Ok((number(&self.max_uses)?, number(&self.expires_in)?))
    }
}

async fn show(
    ctx: &AppContext,
    browser: &SignedInBrowser,
    made: Option<Markup>,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let acting = Acting::user(&browser.session.user);
    let may = registrations::may_invite(&ctx.pool, &acting)
        .await
        .map_err(&fail)?;
    let invites = registrations::own_invites(&ctx.pool, &acting)
        .await
        .map_err(&fail)?;
    let body = html! {
        h1 { (t(lang, Msg::InvitesHeading)) }
        (super::settings::nav(lang, "/settings/invites"))
        @if let Some(made) = made { (made) }
        @if may {
            p { (t(lang, Msg::InvitesIntro)) }
            (form(browser, "/settings/invites"))
        } @else {
            p { (t(lang, Msg::InvitesByAdminsOnly)) }
        }
        (list(ctx, lang, &invites))
    };
    Ok(super::private_response(super::frame(
        lang,
        t(lang, Msg::InvitesHeading),
        ctx.urls.domain(),
        Some(browser),
        body,
    )))
}

pub async fn page(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
) -> Result<HttpResponse, Failure> {
    show(&ctx, &browser, None).await
}

fn number(s: &str) -> crate::error::Result<Option<u32>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| Error::bad_request(format!("{s:?} is not a whole number")))
}

pub async fn make(
    ctx: web::Data<AppContext>,
    browser: SignedInBrowser,
    body: web::Bytes,
) -> Result<HttpResponse, Failure> {
    let lang = browser.lang;
    let fail = Failure::from(lang);
    let form: InviteForm = browser.form(&body)?;
    let acting = Acting::user(&browser.session.user);
    let (max_uses, days) = form.limits().map_err(&fail)?;
    let invite = registrations::create_invite(&ctx.pool, &acting, max_uses, days)
        .await
        .map_err(&fail)?;
    let url = ctx.urls.invite(&invite.code);
    show(
        &ctx,
        &browser,
        Some(html! { p role="status" { (t(lang, Msg::InviteMade)) " " code { (url) } } }),
    )
    .await
}
