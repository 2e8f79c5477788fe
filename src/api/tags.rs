//! Hashtags: `/api/v1/tags/:name` (with `follow`, `unfollow`),
//! `/api/v1/followed_tags`, and featured tags (`/api/v1/featured_tags`,
//! `/api/v1/accounts/:id/featured_tags`).

use super::{
    auth::{Auth, MaybeAuth},
    entities::{self, tag::tag},
    pagination::{respond, Query},
};
use crate::{context::AppContext, error::Result, services};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

/// Followed tags per page: Mastodon's default and largest.
const FOLLOWED: (i64, i64) = (100, 200);

pub async fn show(
    ctx: web::Data<AppContext>,
    auth: MaybeAuth,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    let viewer = auth.account("read:follows")?;
    let view = services::tags::show(&ctx, viewer, &name).await?;
    Ok(HttpResponse::Ok().json(tag(&view, &ctx.urls)))
}

pub async fn follow(
    ctx: web::Data<AppContext>,
    auth: Auth,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let view = services::tags::follow(&ctx, &auth.account, &name).await?;
    Ok(HttpResponse::Ok().json(tag(&view, &ctx.urls)))
}

pub async fn unfollow(
    ctx: web::Data<AppContext>,
    auth: Auth,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let view = services::tags::unfollow(&ctx, &auth.account, &name).await?;
    Ok(HttpResponse::Ok().json(tag(&view, &ctx.urls)))
}

pub async fn followed(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:follows")?;
    let q = Query::of(&req);
    let page = q.page(FOLLOWED)?;
    let rows = services::tags::followed(&ctx, &auth.account, page).await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let body = Value::Array(rows.iter().map(|(_, v)| tag(v, &ctx.urls)).collect());
    Ok(respond(
        body,
        q.link(&ctx, &req, &ids, ids.len() as i64 == page.limit),
    ))
}

/// `GET /api/v1/featured_tags`: the reader's own.
pub async fn featured(ctx: web::Data<AppContext>, auth: Auth) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    let list = services::tags::featured_of(&ctx, &auth.account).await?;
    Ok(HttpResponse::Ok().json(
        list.iter()
            .map(|f| entities::tag::featured(f, &ctx.urls))
            .collect::<Vec<_>>(),
    ))
}

/// `POST /api/v1/featured_tags` with `name`.
pub async fn feature(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:accounts")?;
    let p: NameParam = super::params::parse(&req, &body)?;
    let f = services::tags::feature(&ctx, &auth.account, p.name.as_deref().unwrap_or_default())
        .await
        .map_err(|e| {
            if e.kind == crate::error::ErrorKind::BadRequest {
                crate::error::Error::new(
                    crate::error::ErrorKind::Unprocessable,
                    format!("Validation failed: {}", e.message),
                )
            } else {
                e
            }
        })?;
    Ok(HttpResponse::Ok().json(entities::tag::featured(&f, &ctx.urls)))
}

#[derive(serde::Deserialize, Default)]
pub struct NameParam {
    name: Option<String>,
}

/// `DELETE /api/v1/featured_tags/:id`.
pub async fn unfeature(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:accounts")?;
    services::tags::unfeature(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// `GET /api/v1/featured_tags/suggestions`: `Tag`s the reader used most lately.
pub async fn suggestions(ctx: web::Data<AppContext>, auth: Auth) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    let list = services::tags::suggestions(&ctx, &auth.account).await?;
    Ok(HttpResponse::Ok().json(list.iter().map(|t| tag(t, &ctx.urls)).collect::<Vec<_>>()))
}

/// `GET /api/v1/accounts/:id/featured_tags`: anyone's, for anyone.
pub async fn account_featured(
    ctx: web::Data<AppContext>,
    auth: MaybeAuth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.account("read:accounts")?;
    let account = services::timelines::find_account(&ctx, &id).await?;
    let list = services::tags::featured_of(&ctx, &account).await?;
    Ok(HttpResponse::Ok().json(
        list.iter()
            .map(|f| entities::tag::featured(f, &ctx.urls))
            .collect::<Vec<_>>(),
    ))
}
