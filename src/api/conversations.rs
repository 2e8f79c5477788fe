//! `/api/v1/conversations`: direct posts grouped by who takes part; `read`, DELETE.

use super::{
    auth::Auth,
    entities::conversation::conversation,
    pagination::{respond, Query, STATUSES},
};
use crate::{context::AppContext, error::Result, services};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

pub async fn list(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:statuses")?;
    let q = Query::of(&req);
    let page = q.page(STATUSES)?;
    let list = services::conversations::list(&ctx, &auth.account, page).await?;
    let ids: Vec<i64> = list.iter().map(|c| c.last_status_id).collect();
    let body = Value::Array(list.iter().map(|c| conversation(c, &ctx.urls)).collect());
    Ok(respond(
        body,
        q.link(&ctx, &req, &ids, ids.len() as i64 == page.limit),
    ))
}

pub async fn read(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:conversations")?;
    let c = services::conversations::mark_read(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(conversation(&c, &ctx.urls)))
}

pub async fn remove(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:conversations")?;
    services::conversations::remove(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
