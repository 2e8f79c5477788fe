//! Mastodon's admin API (`/api/v1/admin/…`), so admin apps work: accounts and the
//! actions on them, the report queue, domain blocks and allows. Each handler checks
//! the token's `admin:…` scope; what the person behind it may do is checked by the
//! service from their role.

use super::{
    auth::Auth,
    entities::admin as entity,
    pagination::{respond, Query, ACCOUNTS, STATUSES},
    params,
};
use crate::{
    context::AppContext,
    db::{accounts::AdminFilter, reports::Filter, users::User, AccountId},
    error::{Error, ErrorKind, Result},
    services::{
        moderation::{self, domains, AccountAction, ReportChange},
        registrations,
        roles::Acting,
    },
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;
use std::collections::HashMap;

pub fn configure(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/v1/admin/accounts", web::get().to(accounts))
        .route("/v2/admin/accounts", web::get().to(accounts_v2))
        .route("/v1/admin/accounts/{id}", web::get().to(account))
        .route("/v1/admin/accounts/{id}", web::delete().to(delete_account))
        .route("/v1/admin/accounts/{id}/action", web::post().to(action))
        .route(
            "/v1/admin/accounts/{id}/{verb}",
            web::post().to(account_verb),
        )
        .route("/v1/admin/reports", web::get().to(reports))
        .route("/v1/admin/reports/{id}", web::get().to(report))
        .route("/v1/admin/reports/{id}/{verb}", web::post().to(report_verb))
        .route("/v1/admin/domain_blocks", web::get().to(domain_blocks))
        .route(
            "/v1/admin/domain_blocks",
            web::post().to(create_domain_block),
        )
        // Mastodon.py asks with a trailing slash, which Rails accepts.
        .route("/v1/admin/domain_blocks/", web::get().to(domain_blocks))
        .route(
            "/v1/admin/domain_blocks/",
            web::post().to(create_domain_block),
        )
        .route("/v1/admin/domain_blocks/{id}", web::get().to(domain_block))
        .route(
            "/v1/admin/domain_blocks/{id}",
            web::put().to(update_domain_block),
        )
        .route(
            "/v1/admin/domain_blocks/{id}",
            web::delete().to(delete_domain_block),
        )
        .route("/v1/admin/domain_allows", web::get().to(domain_allows))
        .route(
            "/v1/admin/domain_allows",
            web::post().to(create_domain_allow),
        )
        .route("/v1/admin/domain_allows/{id}", web::get().to(domain_allow))
        .route(
            "/v1/admin/domain_allows/{id}",
            web::delete().to(delete_domain_allow),
        )
}

fn acting(auth: &Auth, scope: &str) -> Result<Acting> {
    auth.require(scope)?;
    Ok(Acting::user(&auth.user))
}

fn id(raw: &str) -> Result<i64> {
    raw.parse()
        .map_err(|_| Error::not_found("Record not found"))
}

/// Mastodon answers a refused validation with 422.
fn unprocessable(e: Error) -> Error {
    if e.kind == ErrorKind::BadRequest {
        Error::new(ErrorKind::Unprocessable, e.message)
    } else {
        e
    }
}

/// Version 1's filters: one flag per state.
pub async fn accounts(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let q = Query::of(&req);
    let filter = AdminFilter {
        active: q.flag("active"),
        local: q.flag("local"),
        remote: q.flag("remote"),
        suspended: q.flag("suspended"),
        silenced: q.flag("silenced"),
        pending: q.flag("pending"),
        disabled: q.flag("disabled"),
        staff: q.flag("staff"),
        username: q.get("username").map(str::to_string),
        by_domain: q.get("by_domain").map(str::to_string),
    };
    account_list(&ctx, &auth, &req, &q, &filter).await
}

/// Version 2's filters: `origin` (local, remote), `status` (active, pending,
/// disabled, silenced, suspended), `permissions=staff`.
pub async fn accounts_v2(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let q = Query::of(&req);
    let status = q.get("status");
    let filter = AdminFilter {
        active: status == Some("active"),
        local: q.get("origin") == Some("local"),
        remote: q.get("origin") == Some("remote"),
        suspended: status == Some("suspended"),
        silenced: status == Some("silenced"),
        pending: status == Some("pending"),
        disabled: status == Some("disabled"),
        staff: q.get("permissions") == Some("staff"),
        username: q.get("username").map(str::to_string),
        by_domain: q.get("by_domain").map(str::to_string),
    };
    account_list(&ctx, &auth, &req, &q, &filter).await
}

async fn account_list(
    ctx: &AppContext,
    auth: &Auth,
    req: &HttpRequest,
    q: &Query,
    filter: &AdminFilter,
) -> Result<HttpResponse> {
    let acting = acting(auth, "admin:read:accounts")?;
    let page = q.page(ACCOUNTS)?;
    let rows = moderation::accounts(
        &ctx.pool,
        &acting,
        filter,
        page.max_id.map(AccountId),
        page.limit,
    )
    .await?;
    let ids: Vec<i64> = rows.iter().map(|(a, _)| a.id.0).collect();
    let body: Vec<Value> = rows
        .iter()
        .map(|(a, u)| entity::admin_account(a, u.as_ref(), &ctx.urls))
        .collect();
    Ok(respond(
        Value::Array(body),
        q.link(ctx, req, &ids, ids.len() as i64 == page.limit),
    ))
}

pub async fn account(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:read:accounts")?;
    let (a, u) = moderation::find_account(&ctx.pool, &acting, AccountId(id(&raw)?)).await?;
    Ok(HttpResponse::Ok().json(entity::admin_account(&a, u.as_ref(), &ctx.urls)))
}

/// `DELETE /api/v1/admin/accounts/:id`: a teacher's account is deleted, and other
/// servers are told with a `Delete` of the actor. Answers the account as it was.
pub async fn delete_account(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:accounts")?;
    let (target, user) = moderation::find_account(&ctx.pool, &acting, AccountId(id(&raw)?)).await?;
    moderation::delete_account(&ctx, &acting, &target, "").await?;
    Ok(HttpResponse::Ok().json(entity::admin_account(&target, user.as_ref(), &ctx.urls)))
}

#[derive(Deserialize, Default)]
pub struct ActionParams {
    #[serde(rename = "type")]
    kind: Option<String>,
    report_id: Option<String>,
    text: Option<String>,
}

/// `POST /api/v1/admin/accounts/:id/action`: none (a warning), sensitive, disable,
/// silence or suspend; with `report_id`, that report is resolved.
pub async fn action(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:accounts")?;
    let p: ActionParams = params::parse(&req, &body).map_err(unprocessable)?;
    let kind = p.kind.unwrap_or_else(|| "none".into());
    let action = AccountAction::parse(&kind)
        .ok_or_else(|| Error::new(ErrorKind::Unprocessable, format!("Validation failed: unknown type {kind:?}: use none, sensitive, disable, silence or suspend")))?;
    let report = p
        .report_id
        .filter(|r| !r.is_empty())
        .map(|r| id(&r))
        .transpose()?;
    let (target, _) = moderation::find_account(&ctx.pool, &acting, AccountId(id(&raw)?)).await?;
    moderation::act(
        &ctx,
        &acting,
        &target,
        action,
        report,
        p.text.as_deref().unwrap_or(""),
    )
    .await
    .map_err(unprocessable)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

/// approve, reject, enable, unsilence, unsuspend, unsensitive: each answers the
/// account as it is now (reject: as it was, since it is gone).
pub async fn account_verb(
    ctx: web::Data<AppContext>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:accounts")?;
    let (raw, verb) = path.into_inner();
    let (target, user) = moderation::find_account(&ctx.pool, &acting, AccountId(id(&raw)?)).await?;
    let undo = match verb.as_str() {
        "approve" => {
            registrations::approve(&ctx.pool, &acting, &target).await?;
            None
        }
        "reject" => {
            registrations::reject(&ctx.pool, &acting, &target).await?;
            return Ok(HttpResponse::Ok().json(entity::admin_account(
                &target,
                user.as_ref(),
                &ctx.urls,
            )));
        }
        "enable" => Some(AccountAction::Enable),
        "unsilence" => Some(AccountAction::Unsilence),
        "unsuspend" => Some(AccountAction::Unsuspend),
        "unsensitive" => Some(AccountAction::Unsensitive),
        _ => return Err(Error::not_found("Record not found")),
    };
    if let Some(undo) = undo {
        moderation::act(&ctx, &acting, &target, undo, None, "").await?;
    }
    let (a, u) = moderation::find_account(&ctx.pool, &acting, target.id).await?;
    Ok(HttpResponse::Ok().json(entity::admin_account(&a, u.as_ref(), &ctx.urls)))
}

/// Reports as `Admin::Report`s, with the accounts and posts they name.
async fn report_entities(
    ctx: &AppContext,
    reports: &[crate::db::reports::Report],
) -> Result<Vec<Value>> {
    let accounts: HashMap<AccountId, (crate::db::accounts::Account, Option<User>)> =
        moderation::accounts_of(&ctx.pool, reports)
            .await?
            .into_iter()
            .map(|(a, u)| (a.id, (a, u)))
            .collect();
    let rules = registrations::rules(&ctx.pool).await?;
    let mut out = Vec::with_capacity(reports.len());
    for r in reports {
        let statuses = moderation::report_statuses(&ctx.pool, r).await?;
        out.push(entity::admin_report(
            r, &accounts, &statuses, &rules, &ctx.urls,
        ));
    }
    Ok(out)
}

pub async fn reports(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:read:reports")?;
    let q = Query::of(&req);
    let page = q.page(STATUSES)?;
    let account_id = |name: &str| q.get(name).map(id).transpose().map(|o| o.map(AccountId));
    let filter = Filter {
        resolved: q.flag("resolved"),
        account_id: account_id("account_id")?,
        target_account_id: account_id("target_account_id")?,
    };
    let found = moderation::reports(&ctx.pool, &acting, &filter, page.max_id, page.limit).await?;
    let ids: Vec<i64> = found.iter().map(|r| r.id).collect();
    let body = report_entities(&ctx, &found).await?;
    Ok(respond(
        Value::Array(body),
        q.link(&ctx, &req, &ids, ids.len() as i64 == page.limit),
    ))
}

pub async fn report(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:read:reports")?;
    let found = moderation::find_report(&ctx.pool, &acting, id(&raw)?).await?;
    Ok(HttpResponse::Ok().json(
        report_entities(&ctx, std::slice::from_ref(&found))
            .await?
            .remove(0),
    ))
}

/// resolve, reopen, assign_to_self, unassign.
pub async fn report_verb(
    ctx: web::Data<AppContext>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:reports")?;
    let (raw, verb) = path.into_inner();
    let change = match verb.as_str() {
        "resolve" => ReportChange::Resolve,
        "reopen" => ReportChange::Reopen,
        "assign_to_self" => ReportChange::AssignToSelf,
        "unassign" => ReportChange::Unassign,
        _ => return Err(Error::not_found("Record not found")),
    };
    let updated = moderation::change_report(&ctx.pool, &acting, id(&raw)?, change).await?;
    Ok(HttpResponse::Ok().json(
        report_entities(&ctx, std::slice::from_ref(&updated))
            .await?
            .remove(0),
    ))
}

#[derive(Deserialize, Default)]
pub struct DomainParams {
    domain: Option<String>,
    severity: Option<String>,
    private_comment: Option<String>,
    public_comment: Option<String>,
}

/// Staffroom refuses a server outright; Mastodon's lighter severities (silence,
/// noop) have no equivalent here, so they are refused rather than half-applied.
fn check_severity(severity: Option<&str>) -> Result<()> {
    match severity {
        None | Some("suspend") | Some("") => Ok(()),
        Some(other) => Err(Error::new(
            ErrorKind::Unprocessable,
            format!("Validation failed: severity {other:?} is not supported: Staffroom blocks a server fully (severity suspend)"),
        )),
    }
}

pub async fn domain_blocks(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:read:domain_blocks")?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found = domains::blocks(&ctx.pool, &acting, page.max_id, page.limit).await?;
    let ids: Vec<i64> = found.iter().map(|b| b.id).collect();
    let body: Vec<Value> = found.iter().map(entity::domain_block).collect();
    Ok(respond(
        Value::Array(body),
        q.link(&ctx, &req, &ids, ids.len() as i64 == page.limit),
    ))
}

pub async fn domain_block(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:read:domain_blocks")?;
    Ok(HttpResponse::Ok().json(entity::domain_block(
        &domains::find_block(&ctx.pool, &acting, id(&raw)?).await?,
    )))
}

pub async fn create_domain_block(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:domain_blocks")?;
    let p: DomainParams = params::parse(&req, &body).map_err(unprocessable)?;
    check_severity(p.severity.as_deref())?;
    let domain = p.domain.filter(|d| !d.trim().is_empty()).ok_or_else(|| {
        Error::new(
            ErrorKind::Unprocessable,
            "Validation failed: Domain can't be blank",
        )
    })?;
    let block = domains::block(
        &ctx.pool,
        &acting,
        &domain,
        p.private_comment.as_deref(),
        p.public_comment.as_deref(),
    )
    .await
    .map_err(unprocessable)?;
    Ok(HttpResponse::Ok().json(entity::domain_block(&block)))
}

pub async fn update_domain_block(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:domain_blocks")?;
    let p: DomainParams = params::parse(&req, &body).map_err(unprocessable)?;
    check_severity(p.severity.as_deref())?;
    let block = domains::update_block(
        &ctx.pool,
        &acting,
        id(&raw)?,
        p.private_comment.as_deref(),
        p.public_comment.as_deref(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(entity::domain_block(&block)))
}

pub async fn delete_domain_block(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:domain_blocks")?;
    domains::unblock(&ctx.pool, &acting, id(&raw)?).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}

pub async fn domain_allows(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:read:domain_allows")?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found = domains::allows(&ctx.pool, &acting, page.max_id, page.limit).await?;
    let ids: Vec<i64> = found.iter().map(|(id, _, _)| *id).collect();
    let body: Vec<Value> = found
        .iter()
        .map(|(id, d, at)| entity::domain_allow(*id, d, *at))
        .collect();
    Ok(respond(
        Value::Array(body),
        q.link(&ctx, &req, &ids, ids.len() as i64 == page.limit),
    ))
}

pub async fn domain_allow(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:read:domain_allows")?;
    let (id, domain, at) = domains::find_allow(&ctx.pool, &acting, id(&raw)?).await?;
    Ok(HttpResponse::Ok().json(entity::domain_allow(id, &domain, at)))
}

pub async fn create_domain_allow(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:domain_allows")?;
    let p: DomainParams = params::parse(&req, &body).map_err(unprocessable)?;
    let domain = p.domain.filter(|d| !d.trim().is_empty()).ok_or_else(|| {
        Error::new(
            ErrorKind::Unprocessable,
            "Validation failed: Domain can't be blank",
        )
    })?;
    let (id, domain, at) = domains::allow(&ctx.pool, &acting, &domain)
        .await
        .map_err(unprocessable)?;
    Ok(HttpResponse::Ok().json(entity::domain_allow(id, &domain, at)))
}

pub async fn delete_domain_allow(
    ctx: web::Data<AppContext>,
    auth: Auth,
    raw: web::Path<String>,
) -> Result<HttpResponse> {
    let acting = acting(&auth, "admin:write:domain_allows")?;
    domains::disallow(&ctx.pool, &acting, id(&raw)?, ctx.settings.federation_mode).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({})))
}
