//! `/api/v1/groups/:id/…`: moderating a group hosted here (Staffroom's own; Mastodon
//! has no groups API). The group is an account (`group: true`) that people join by
//! following it; its moderators answer follow requests, remove members and posts.

use super::{
    auth::Auth,
    entities::account::account,
    pagination::{Query, ACCOUNTS},
    params::{self, field},
};
use crate::{
    context::AppContext,
    db::{AccountId, StatusId},
    error::{Error, Result},
    services::{self, groups::HostedGroup},
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

fn number(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found("Record not found"))
}

async fn moderated(ctx: &AppContext, auth: &Auth, id: &str) -> Result<HostedGroup> {
    services::groups::moderated(ctx, &auth.account, AccountId(number(id)?)).await
}

/// The group's moderators (anyone may see who runs a group).
pub async fn moderators(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    let group = services::groups::hosted_by_id(&ctx, AccountId(number(&id)?))
        .await?
        .ok_or_else(|| Error::not_found("no such group"))?;
    Ok(HttpResponse::Ok().json(
        group
            .moderators
            .iter()
            .map(|m| account(m, &ctx.urls, None))
            .collect::<Vec<_>>(),
    ))
}

/// Who asks to join, as `/api/v1/follow_requests` lists one's own.
pub async fn follow_requests(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:follows")?;
    let group = moderated(&ctx, &auth, &id).await?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found = services::timelines::follow_requests(&ctx, group.account.id, page).await?;
    Ok(super::timelines::accounts(
        &ctx, &req, &q, &found, page.limit,
    ))
}

/// `authorize` or `reject` a request; `remove` a member.
pub async fn member(
    ctx: web::Data<AppContext>,
    auth: Auth,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse> {
    auth.require("write:follows")?;
    let (id, account_id, verb) = path.into_inner();
    let group = moderated(&ctx, &auth, &id).await?;
    let member = services::timelines::find_account(&ctx, &account_id).await?;
    match verb.as_str() {
        "authorize" => services::groups::approve(&ctx, &group, &member).await?,
        "reject" | "remove" => services::groups::remove_member(&ctx, &group, &member).await?,
        _ => return Err(Error::not_found("Record not found")),
    }
    Ok(HttpResponse::Ok().json(json!({})))
}

/// Removes a post from the group (`reason` optional, shown on Lemmy).
pub async fn remove_status(
    ctx: web::Data<AppContext>,
    auth: Auth,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:statuses")?;
    let (id, status) = path.into_inner();
    let group = moderated(&ctx, &auth, &id).await?;
    let p = params::rails(&req, &body)?;
    let reason = field::text(&p, "reason");
    services::groups::remove_post(
        &ctx,
        &group,
        Some(&auth.account),
        StatusId(number(&status)?),
        reason.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(json!({})))
}
