//! `/api/v1/lists` (lists and their members), `/api/v1/accounts/:id/lists` and
//! `/api/v1/timelines/list/:id`.

use super::{
    auth::Auth,
    entities::{
        account::{account, Counts},
        filter::list,
        status::status,
    },
    pagination::{respond, Query, ACCOUNTS, STATUSES},
    params::{self, field},
};
use crate::{context::AppContext, error::Result, services};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

pub async fn index(ctx: web::Data<AppContext>, auth: Auth) -> Result<HttpResponse> {
    auth.require("read:lists")?;
    let lists = services::lists::all(&ctx, &auth.account).await?;
    Ok(HttpResponse::Ok().json(lists.iter().map(list).collect::<Vec<_>>()))
}

pub async fn show(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:lists")?;
    Ok(HttpResponse::Ok().json(list(&services::lists::get(&ctx, &auth.account, &id).await?)))
}

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:lists")?;
    let p = params::rails(&req, &body)?;
    let title = field::text(&p, "title").unwrap_or_default();
    let policy = field::text(&p, "replies_policy");
    let created = services::lists::create(
        &ctx,
        &auth.account,
        &title,
        policy.as_deref(),
        field::flag(&p, "exclusive").unwrap_or(false),
    )
    .await?;
    Ok(HttpResponse::Ok().json(list(&created)))
}

pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:lists")?;
    let p = params::rails(&req, &body)?;
    let title = field::text(&p, "title");
    let policy = field::text(&p, "replies_policy");
    let changed = services::lists::update(
        &ctx,
        &auth.account,
        &id,
        title.as_deref(),
        policy.as_deref(),
        field::flag(&p, "exclusive"),
    )
    .await?;
    Ok(HttpResponse::Ok().json(list(&changed)))
}

pub async fn delete(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:lists")?;
    services::lists::delete(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// `GET /api/v1/lists/:id/accounts`: paginated by membership, `limit=0` for all.
pub async fn members(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:lists")?;
    let q = Query::of(&req);
    let all = q.get("limit") == Some("0");
    let page = if all {
        crate::db::pagination::Page {
            limit: 0,
            ..q.page((ACCOUNTS.0, ACCOUNTS.1))?
        }
    } else {
        q.page(ACCOUNTS)?
    };
    let rows = services::lists::members(&ctx, &auth.account, &id, page).await?;
    let ids: Vec<i64> = rows.iter().map(|(k, _, _)| *k).collect();
    let body = Value::Array(
        rows.iter()
            .map(|(_, a, c)| {
                account(
                    a,
                    &ctx.urls,
                    Some(&Counts {
                        followers: c.followers,
                        following: c.following,
                        statuses: c.statuses,
                    }),
                )
            })
            .collect(),
    );
    let link = if all {
        None
    } else {
        q.link(&ctx, &req, &ids, ids.len() as i64 == page.limit)
    };
    Ok(respond(body, link))
}

fn account_ids(p: &Value) -> Vec<String> {
    field::texts(p, "account_ids").unwrap_or_default()
}

pub async fn add_members(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:lists")?;
    let p = params::rails(&req, &body)?;
    services::lists::add_members(&ctx, &auth.account, &id, &account_ids(&p)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn remove_members(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:lists")?;
    let p = params::rails(&req, &body)?;
    services::lists::remove_members(&ctx, &auth.account, &id, &account_ids(&p)).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// `GET /api/v1/accounts/:id/lists`: the reader's lists that have the account.
pub async fn of_account(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:lists")?;
    let member = services::timelines::find_account(&ctx, &id).await?;
    let lists = services::lists::holding(&ctx, &auth.account, member.id).await?;
    Ok(HttpResponse::Ok().json(lists.iter().map(list).collect::<Vec<_>>()))
}

/// `GET /api/v1/timelines/list/:id`.
pub async fn timeline(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:lists")?;
    let q = Query::of(&req);
    let views = services::lists::timeline(&ctx, &auth.account, &id, q.page(STATUSES)?).await?;
    let ids: Vec<i64> = views.iter().map(|v| v.status.id.0).collect();
    let body = Value::Array(views.iter().map(|v| status(v, &ctx.urls)).collect());
    Ok(respond(body, q.link(&ctx, &req, &ids, true)))
}
