//! `/api/v1/instance`, `/api/v2/instance`, and the small endpoints every app calls at
//! start-up, plus empty answers for features that are still to come (so apps show an
//! empty list rather than an error).

use super::auth::Auth;
use crate::{
    context::AppContext,
    error::Result,
    services::{self, registrations::RegistrationMode},
};
use actix_web::{web, HttpResponse};
use serde_json::json;

const VERSION: &str = concat!(
    "4.3.0 (compatible; Staffroom ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// Mastodon's `Rule` entities: the instance's rules, numbered from 1.
async fn rules(ctx: &AppContext) -> Result<serde_json::Value> {
    let rules = services::registrations::rules(&ctx.pool).await?;
    Ok(rules
        .iter()
        .enumerate()
        .map(|(n, text)| json!({ "id": (n + 1).to_string(), "text": text, "hint": "" }))
        .collect())
}

/// The admins' description, or a line saying what Staffroom is.
fn description(profile: &services::registrations::Profile) -> String {
    if profile.description.is_empty() {
        "A server for teachers' learning networks.".to_string()
    } else {
        profile.description.clone()
    }
}

pub async fn v1(ctx: web::Data<AppContext>) -> Result<HttpResponse> {
    let profile = services::registrations::profile(&ctx.pool).await?;
    let usage = services::instance::usage(&ctx.pool).await?;
    let mode = services::registrations::mode(&ctx.pool).await?;
    let domain = ctx.urls.domain();
    Ok(HttpResponse::Ok().json(json!({
        "uri": domain,
        "title": format!("Staffroom on {domain}"),
        "short_description": crate::web::excerpt(&description(&profile), 200),
        "description": description(&profile),
        "email": contact_email(&ctx, &profile),
        "version": VERSION,
        "urls": { "streaming_api": streaming_url(&ctx) },
        "stats": { "user_count": usage.users, "status_count": usage.local_posts, "domain_count": 0 },
        "thumbnail": null,
        "languages": ["en"],
        "registrations": mode.open_to_all(),
        "approval_required": mode != RegistrationMode::Open,
        "invites_enabled": mode != RegistrationMode::Closed,
        "configuration": configuration(),
        "contact_account": null,
        "rules": rules(&ctx).await?,
    })))
}

/// Where apps open the streaming API (api/streaming.rs): every `serve` process
/// serves it, so it is the instance's own address (`wss://` behind TLS).
fn streaming_url(ctx: &AppContext) -> String {
    ctx.urls.base().replacen("http", "ws", 1)
}

/// The admins' contact setting, else `STAFFROOM_CONTACT_EMAIL`, else RFC 2142's
/// mailbox every domain should have.
pub fn contact_email(ctx: &AppContext, profile: &services::registrations::Profile) -> String {
    profile
        .contact
        .clone()
        .or_else(|| ctx.settings.contact_email.clone())
        .unwrap_or_else(|| {
            let domain = ctx.urls.domain();
            let host = domain.rsplit_once(':').map_or(domain, |(h, _)| h);
            format!("postmaster@{host}")
        })
}

fn configuration() -> serde_json::Value {
    json!({
        "accounts": { "max_featured_tags": crate::services::tags::MAX_FEATURED, "max_pinned_statuses": services::pins::MAX_PINS },
        "statuses": { "max_characters": services::statuses::MAX_CHARS, "max_media_attachments": 0, "characters_reserved_per_url": 23 },
        "media_attachments": { "supported_mime_types": [], "image_size_limit": 0, "image_matrix_limit": 0, "video_size_limit": 0, "video_frame_rate_limit": 0, "video_matrix_limit": 0 },
        "polls": {
            "max_options": services::polls::MAX_OPTIONS,
            "max_characters_per_option": services::polls::MAX_OPTION_CHARS,
            "min_expiration": services::polls::MIN_EXPIRATION,
            "max_expiration": services::polls::MAX_EXPIRATION,
        },
    })
}

pub async fn v2(ctx: web::Data<AppContext>) -> Result<HttpResponse> {
    let profile = services::registrations::profile(&ctx.pool).await?;
    let usage = services::instance::usage(&ctx.pool).await?;
    let mode = services::registrations::mode(&ctx.pool).await?;
    let domain = ctx.urls.domain();
    let mut config = configuration();
    config["urls"] = json!({ "streaming": streaming_url(&ctx) });
    config["translation"] = json!({ "enabled": false });
    Ok(HttpResponse::Ok().json(json!({
        "domain": domain,
        "title": format!("Staffroom on {domain}"),
        "version": VERSION,
        // Version 2 of Mastodon's API (4.3) is the one these answers follow.
        "api_versions": { "mastodon": 2 },
        "source_url": ctx.settings.source_url.clone().unwrap_or_else(|| format!("{}/about", ctx.urls.base())),
        "icon": [],
        "description": description(&profile),
        "usage": { "users": { "active_month": usage.active_month } },
        "thumbnail": { "url": format!("{}/about", ctx.urls.base()) },
        "languages": ["en"],
        "configuration": config,
        "registrations": { "enabled": mode.open_to_all(), "approval_required": mode != RegistrationMode::Open, "message": null },
        "contact": { "email": contact_email(&ctx, &profile), "account": null },
        "rules": rules(&ctx).await?,
    })))
}

/// Our custom emoji (`staffroom emoji add`), as Mastodon lists them.
pub async fn custom_emojis(ctx: web::Data<AppContext>) -> Result<HttpResponse> {
    let list = services::emojis::list(&ctx.pool).await?;
    Ok(HttpResponse::Ok().json(super::entities::status::emojis(&list, &ctx.urls)))
}

/// `GET /emoji/ID`: one of our emoji's image, cached for a year (a replaced emoji
/// gets a new id), never sniffed as anything else.
pub async fn emoji_image(
    ctx: web::Data<AppContext>,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id: i64 = id
        .parse()
        .map_err(|_| crate::error::Error::not_found("no such emoji"))?;
    let (content_type, bytes) = services::emojis::image(&ctx.pool, id).await?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("cache-control", "public, max-age=31536000, immutable"))
        .insert_header(("x-content-type-options", "nosniff"))
        .insert_header(("content-security-policy", "default-src 'none'; sandbox"))
        .body(bytes))
}

pub async fn preferences(auth: Auth) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    Ok(HttpResponse::Ok().json(json!({
        // Chosen on the web's settings page.
        "posting:default:visibility": crate::db::statuses::Visibility::from_i16(auth.user.default_visibility).as_str(),
        "posting:default:sensitive": false,
        "posting:default:language": auth.user.language,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}

/// Features apps ask for that are not built yet: an empty list, never an error.
pub async fn empty_list(auth: Auth) -> Result<HttpResponse> {
    let _ = auth;
    Ok(HttpResponse::Ok().json(json!([])))
}
