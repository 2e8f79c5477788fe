//! `/api/v1/accounts/…`, follow requests, and search.

use super::{
    auth::Auth,
    entities::account::{account, Counts},
};
use crate::{
    context::AppContext,
    db::{accounts::Account, follows::Follow},
    error::{Error, Result},
    services,
};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

async fn counts(ctx: &AppContext, a: &Account) -> Result<Counts> {
    let mut conn = ctx.pool.get().await?;
    let counts = crate::db::account_lists::counts(&mut conn, &[a.id]).await?;
    Ok(counts.first().map(Counts::from).unwrap_or(Counts {
        followers: 0,
        following: 0,
        statuses: 0,
    }))
}

/// The `Account` entity with its counts and, when it moved, `moved`: the account
/// it moved to, not nested further (as Mastodon's `moved_and_not_nested?`).
async fn entity(ctx: &AppContext, a: &Account) -> Result<Value> {
    let mut value = account(a, &ctx.urls, Some(&counts(ctx, a).await?));
    if let Some(target) = services::moving::moved_to(ctx, a).await? {
        value["moved"] = account(&target, &ctx.urls, Some(&counts(ctx, &target).await?));
    }
    Ok(value)
}

async fn find(ctx: &AppContext, id: &str) -> Result<Account> {
    services::timelines::find_account(ctx, id).await
}

pub async fn verify_credentials(ctx: web::Data<AppContext>, auth: Auth) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    Ok(HttpResponse::Ok().json(credential_entity(&ctx, &auth.user, &auth.account).await?))
}

/// Mastodon's `CredentialAccount`: the signed-in account with its `source` and `role`.
async fn credential_entity(
    ctx: &AppContext,
    user: &crate::db::users::User,
    account: &Account,
) -> Result<Value> {
    let mut value = entity(ctx, account).await?;
    let requests = Follow::count_requests(&mut *ctx.pool.get().await?, account.id).await?;
    value["source"] = json!({
        "privacy": crate::db::statuses::Visibility::from_i16(user.default_visibility).as_str(),
        "sensitive": false,
        "language": user.language,
        "note": account.note,
        "fields": [],
        "follow_requests_count": requests,
        "discoverable": account.discoverable,
        "indexable": account.indexable,
        "hide_collections": false,
        "attribution_domains": [],
    });
    value["role"] = super::entities::account::role(user.role);
    Ok(value)
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    let a = find(&ctx, &id).await?;
    Ok(HttpResponse::Ok().json(entity(&ctx, &a).await?))
}

#[derive(Deserialize)]
pub struct Lookup {
    acct: String,
}

pub async fn lookup(
    ctx: web::Data<AppContext>,
    auth: Auth,
    q: web::Query<Lookup>,
) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    let acct = q.acct.trim().trim_start_matches('@');
    let a = match acct.split_once('@') {
        Some((user, domain)) if !domain.eq_ignore_ascii_case(ctx.urls.domain()) => {
            let mut conn = ctx.pool.get().await?;
            Account::find_remote(&mut conn, user, domain)
                .await?
                .ok_or_else(|| Error::not_found("Record not found"))?
        }
        Some((user, _)) => services::accounts::find_local_account(&ctx.pool, user).await?,
        None => services::accounts::find_local_account(&ctx.pool, acct).await?,
    };
    Ok(HttpResponse::Ok().json(entity(&ctx, &a).await?))
}

async fn relationship(ctx: &AppContext, me: &Account, other: &Account) -> Result<Value> {
    let r = services::relationships::between(ctx, me, other).await?;
    Ok(json!({
        "id": other.id.to_string(),
        "following": r.following,
        "showing_reblogs": r.following,
        "notifying": r.notifying,
        "languages": null,
        "followed_by": r.followed_by,
        "blocking": r.blocking,
        "blocked_by": false,
        "muting": false,
        "muting_notifications": false,
        "requested": r.requested,
        "requested_by": r.requested_by,
        "domain_blocking": false,
        "endorsed": false,
        "note": "",
    }))
}

pub async fn relationships(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:follows")?;
    let mut out = Vec::new();
    for (key, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        if key == "id[]" || key == "id" {
            if let Ok(other) = find(&ctx, &value).await {
                out.push(relationship(&ctx, &auth.account, &other).await?);
            }
        }
    }
    Ok(HttpResponse::Ok().json(out))
}

#[derive(Deserialize, Default)]
pub struct FollowParams {
    notify: Option<serde_json::Value>,
}

pub async fn follow(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let p: FollowParams = super::params::parse(&req, &body)?;
    let target = find(&ctx, &id).await?;
    services::follows::follow(&ctx, &auth.account, &target).await?;
    // Left as it was unless the app says (Mastodon keeps the setting on a repeated follow).
    if let Some(notify) = flag(&p.notify) {
        services::follows::set_notify(&ctx, &auth.account, &target, notify).await?;
    }
    Ok(HttpResponse::Ok().json(relationship(&ctx, &auth.account, &target).await?))
}

pub async fn unfollow(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let target = find(&ctx, &id).await?;
    services::follows::unfollow(&ctx, &auth.account, &target).await?;
    Ok(HttpResponse::Ok().json(relationship(&ctx, &auth.account, &target).await?))
}

pub async fn block(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:blocks")?;
    let target = find(&ctx, &id).await?;
    services::follows::block(&ctx, &auth.account, &target).await?;
    Ok(HttpResponse::Ok().json(relationship(&ctx, &auth.account, &target).await?))
}

pub async fn authorize(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let follower = find(&ctx, &id).await?;
    services::follows::authorize(&ctx, &auth.account, &follower).await?;
    Ok(HttpResponse::Ok().json(relationship(&ctx, &auth.account, &follower).await?))
}

pub async fn reject(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let follower = find(&ctx, &id).await?;
    services::follows::reject(&ctx, &auth.account, &follower).await?;
    Ok(HttpResponse::Ok().json(relationship(&ctx, &auth.account, &follower).await?))
}

/// Accounts by `@name@host`, actor URL or local name, posts by URL or by their words,
/// and hashtags (services::search, which the web's `/search` asks too); with
/// `resolve=true`, unknown accounts and posts are looked up on their servers.
/// `type`, `account_id`, `max_id`, `min_id`, `offset`, `limit` as Mastodon reads them.
pub async fn search(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:search")?;
    let q = super::pagination::Query::of(&req);
    let number = |name: &str| -> Result<Option<i64>> {
        q.get(name)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| Error::bad_request(format!("{name} must be a number")))
            })
            .transpose()
    };
    let options = services::search::Options {
        resolve: q.flag("resolve"),
        kind: q
            .get("type")
            .map(services::search::Kind::parse)
            .transpose()?,
        account: number("account_id")?.map(crate::db::AccountId),
        max_id: number("max_id")?,
        min_id: number("min_id")?,
        offset: number("offset")?.unwrap_or(0),
        limit: number("limit")?.unwrap_or(services::search::DEFAULT_LIMIT),
        language: None,
    };
    let found = services::search::search(
        &ctx,
        &auth.account,
        q.get("q").unwrap_or_default(),
        &options,
    )
    .await?;
    let mut accounts = Vec::with_capacity(found.accounts.len());
    for a in &found.accounts {
        accounts.push(entity(&ctx, a).await?);
    }
    let statuses: Vec<Value> = found
        .statuses
        .iter()
        .map(|s| super::entities::status::status(s, &ctx.urls))
        .collect();
    let hashtags: Vec<Value> = found
        .hashtags
        .iter()
        .map(|t| super::entities::tag::tag(t, &ctx.urls))
        .collect();
    Ok(HttpResponse::Ok()
        .json(json!({ "accounts": accounts, "statuses": statuses, "hashtags": hashtags })))
}

#[derive(Deserialize, Default)]
pub struct CredentialParams {
    display_name: Option<String>,
    note: Option<String>,
    locked: Option<serde_json::Value>,
    discoverable: Option<serde_json::Value>,
    indexable: Option<serde_json::Value>,
}

fn flag(v: &Option<serde_json::Value>) -> Option<bool> {
    match v {
        Some(serde_json::Value::Bool(b)) => Some(*b),
        Some(serde_json::Value::String(s)) => Some(s == "true" || s == "1"),
        _ => None,
    }
}

/// `PATCH /api/v1/accounts/update_credentials`: name, bio, locked, discoverable;
/// followers' servers get an `Update` of the actor.
pub async fn update_credentials(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: actix_web::HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:accounts")?;
    let p: CredentialParams = super::params::parse(&req, &body)?;
    apply_credentials(&ctx, &auth, p, None, None).await
}

/// The same as `multipart/form-data`, as apps send it with an `avatar` or a
/// `header` image (processed as uploads are: docs/media.md).
pub async fn update_credentials_multipart(
    ctx: web::Data<AppContext>,
    auth: Auth,
    body: actix_multipart::Multipart,
) -> Result<HttpResponse> {
    auth.require("write:accounts")?;
    let mut form = crate::multipart::read(body, crate::media::process::MAX_BYTES).await?;
    let mut text = |name: &str| form.fields.remove(name);
    let p = CredentialParams {
        display_name: text("display_name"),
        note: text("note"),
        locked: text("locked").map(serde_json::Value::String),
        discoverable: text("discoverable").map(serde_json::Value::String),
        indexable: text("indexable").map(serde_json::Value::String),
    };
    let mut image = |name: &str| {
        form.files
            .remove(name)
            .filter(|f| !f.bytes.is_empty())
            .map(|f| services::media::ImageFile {
                bytes: f.bytes,
                declared_type: f.content_type,
            })
    };
    let (avatar, header) = (image("avatar"), image("header"));
    apply_credentials(&ctx, &auth, p, avatar, header).await
}

async fn apply_credentials(
    ctx: &AppContext,
    auth: &Auth,
    p: CredentialParams,
    avatar: Option<services::media::ImageFile>,
    header: Option<services::media::ImageFile>,
) -> Result<HttpResponse> {
    let updated = services::accounts::update_profile(
        ctx,
        &auth.account,
        services::accounts::ProfileChange {
            display_name: p.display_name,
            note: p.note,
            locked: flag(&p.locked),
            discoverable: flag(&p.discoverable),
            indexable: flag(&p.indexable),
            avatar,
            header,
        },
    )
    .await
    .map_err(|e| {
        if e.kind == crate::error::ErrorKind::BadRequest {
            Error::new(
                crate::error::ErrorKind::Unprocessable,
                format!("Validation failed: {}", e.message),
            )
        } else {
            e
        }
    })?;
    Ok(HttpResponse::Ok().json(credential_entity(ctx, &auth.user, &updated).await?))
}

#[derive(Deserialize, Default)]
pub struct SignUpParams {
    username: Option<String>,
    email: Option<String>,
    password: Option<String>,
    agreement: Option<serde_json::Value>,
    reason: Option<String>,
    invite_code: Option<String>,
}

/// `POST /api/v1/accounts`: an app signs someone up (when the registration mode
/// allows) and gets a token for them; a sign-up waiting for approval gets one too,
/// which answers 403 until an admin approves.
pub async fn create(
    ctx: web::Data<AppContext>,
    token: super::auth::AnyToken,
    req: actix_web::HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    if !services::tokens::allows(&token.scopes, "write:accounts") {
        return Err(Error::new(
            crate::error::ErrorKind::Forbidden,
            "This action is outside the authorized scopes",
        ));
    }
    let app_id = token.app_id.ok_or_else(|| {
        Error::new(
            crate::error::ErrorKind::Forbidden,
            "This method requires an app token",
        )
    })?;
    let p: SignUpParams = super::params::parse(&req, &body)?;
    let form = services::registrations::SignUp {
        username: p.username.unwrap_or_default(),
        email: p.email,
        password: p.password.unwrap_or_default(),
        agreement: flag(&p.agreement).unwrap_or(false),
        reason: p.reason,
        invite_code: p.invite_code,
    };
    let created = services::registrations::sign_up(&ctx.pool, form)
        .await
        .map_err(|e| match e.kind {
            crate::error::ErrorKind::BadRequest | crate::error::ErrorKind::Conflict => Error::new(
                crate::error::ErrorKind::Unprocessable,
                format!("Validation failed: {}", e.message),
            ),
            _ => e,
        })?;
    let issued = services::oauth::issue_sign_up_token(&ctx.pool, app_id, created.user.id).await?;
    Ok(super::oauth::token_response(&issued))
}
