//! Hashtags: `/api/v1/tags/:name` (with `follow`, `unfollow`) and
//! `/api/v1/followed_tags`.

use super::{
    auth::{Auth, MaybeAuth},
    entities::tag::tag,
    pagination::{respond, Query},
};
use crate::{context::AppContext, error::Result, services};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

/// Followed tags per page: Mastodon's default and largest.
const FOLLOWED: (i64, i64) = (100, 200);

pub async fn show(ctx: web::Data<AppContext>, auth: MaybeAuth, name: web::Path<String>) -> Result<HttpResponse> {
    let viewer = auth.account("read:follows")?;
    let view = services::tags::show(&ctx, viewer, &name).await?;
    Ok(HttpResponse::Ok().json(tag(&view, &ctx.urls)))
}

pub async fn follow(ctx: web::Data<AppContext>, auth: Auth, name: web::Path<String>) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let view = services::tags::follow(&ctx, &auth.account, &name).await?;
    Ok(HttpResponse::Ok().json(tag(&view, &ctx.urls)))
}

pub async fn unfollow(ctx: web::Data<AppContext>, auth: Auth, name: web::Path<String>) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let view = services::tags::unfollow(&ctx, &auth.account, &name).await?;
    Ok(HttpResponse::Ok().json(tag(&view, &ctx.urls)))
}

pub async fn followed(ctx: web::Data<AppContext>, auth: Auth, req: HttpRequest) -> Result<HttpResponse> {
    auth.require("read:follows")?;
    let q = Query::of(&req);
    let page = q.page(FOLLOWED)?;
    let rows = services::tags::followed(&ctx, &auth.account, page).await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let body = Value::Array(rows.iter().map(|(_, v)| tag(v, &ctx.urls)).collect());
    Ok(respond(body, q.link(&ctx, &req, &ids, ids.len() as i64 == page.limit)))
}
