//! `/api/v1/notifications` and `/api/v1/markers`.

use super::{
    auth::Auth,
    entities::{account::account, status::status},
    pagination::{respond, Query, STATUSES},
    params,
};
use crate::{
    context::AppContext,
    db::{
        notifications::{Filter, Marker},
        AccountId,
    },
    error::{Error, ErrorKind, Result},
    services::{self, notifications::NotificationView},
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

const TIME: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// Mastodon's `Notification` entity; `status` only for kinds about a post.
pub(crate) fn notification(n: &NotificationView, ctx: &AppContext) -> Value {
    let mut value = json!({
        "id": n.notification.id.to_string(),
        "type": n.notification.kind,
        "created_at": n.notification.created_at.format(TIME).to_string(),
        "group_key": format!("ungrouped-{}", n.notification.id),
        "account": account(&n.from, &ctx.urls, Some(&(&n.from_counts).into())),
    });
    if let Some(s) = &n.status {
        value["status"] = status(s, &ctx.urls);
    }
    if let Some(w) = &n.warning {
        // Mastodon 4.3's `AccountWarning`; the warned account is the notified one.
        value["moderation_warning"] = json!({
            "id": w.id.to_string(),
            "action": w.action,
            "text": w.text,
            "status_ids": w.status_ids.iter().map(i64::to_string).collect::<Vec<_>>(),
            "target_account": account(&n.from, &ctx.urls, Some(&(&n.from_counts).into())),
            "appeal": null,
            "created_at": w.created_at.format(TIME).to_string(),
        });
    }
    value
}

fn notification_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found("Record not found"))
}

pub async fn list(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:notifications")?;
    let q = Query::of(&req);
    let page = q.page(STATUSES)?;
    let filter = Filter {
        // Kinds we never write (poll, admin.sign_up …) simply match nothing.
        types: q.all("types"),
        exclude_types: q.all("exclude_types"),
        from_account: match q.get("account_id") {
            Some(id) => Some(AccountId(id.parse().map_err(|_| {
                Error::new(ErrorKind::BadRequest, "account_id must be an account's id")
            })?)),
            None => None,
        },
    };
    let found = services::notifications::list(&ctx, &auth.account, &filter, page).await?;
    let ids: Vec<i64> = found.iter().map(|n| n.notification.id).collect();
    let body = Value::Array(found.iter().map(|n| notification(n, &ctx)).collect());
    Ok(respond(body, q.link(&ctx, &req, &ids, true)))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:notifications")?;
    let found = services::notifications::get(&ctx, &auth.account, notification_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(notification(&found, &ctx)))
}

pub async fn dismiss(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:notifications")?;
    services::notifications::dismiss(&ctx, &auth.account, notification_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn clear(ctx: web::Data<AppContext>, auth: Auth) -> Result<HttpResponse> {
    auth.require("write:notifications")?;
    services::notifications::clear(&ctx, &auth.account).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

/// `GET /api/v1/notifications/unread_count`: after the notifications marker, up to
/// `limit` (default 100, at most 1000).
pub async fn unread_count(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:notifications")?;
    let q = Query::of(&req);
    let cap = q
        .get("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let count = services::notifications::unread_count(&ctx, &auth.account, cap).await?;
    Ok(HttpResponse::Ok().json(json!({ "count": count })))
}

fn markers_body(markers: &[Marker]) -> Value {
    let mut out = Map::new();
    for m in markers {
        out.insert(
            m.timeline.clone(),
            json!({ "last_read_id": m.last_read_id.to_string(), "version": m.version, "updated_at": m.updated_at.format(TIME).to_string() }),
        );
    }
    Value::Object(out)
}

/// `GET /api/v1/markers?timeline[]=home&timeline[]=notifications`.
pub async fn markers(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:statuses")?;
    let timelines: Vec<String> = Query::of(&req)
        .all("timeline")
        .into_iter()
        .filter(|t| services::notifications::MARKER_TIMELINES.contains(&t.as_str()))
        .collect();
    let found = services::notifications::markers(&ctx, &auth.account, &timelines).await?;
    Ok(HttpResponse::Ok().json(markers_body(&found)))
}

/// `POST /api/v1/markers` with `home[last_read_id]` and/or `notifications[last_read_id]`
/// (form fields, or the same as JSON objects).
pub async fn set_markers(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:statuses")?;
    let form: Value = if req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .contains("json")
    {
        params::parse(&req, &body)?
    } else {
        let mut map = Map::new();
        for (k, v) in url::form_urlencoded::parse(if body.is_empty() {
            req.query_string().as_bytes()
        } else {
            &body
        }) {
            if let Some(timeline) = k.strip_suffix("[last_read_id]") {
                map.insert(timeline.to_string(), json!({ "last_read_id": v }));
            }
        }
        Value::Object(map)
    };
    let mut changes = Vec::new();
    for timeline in services::notifications::MARKER_TIMELINES {
        let Some(id) = form.get(timeline).and_then(|m| m.get("last_read_id")) else {
            continue;
        };
        let id = match id {
            Value::String(s) => s.parse::<i64>().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Unprocessable,
                format!("Validation failed: {timeline}[last_read_id] must be an id"),
            )
        })?;
        changes.push((timeline.to_string(), id));
    }
    if changes.is_empty() {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "give home[last_read_id] or notifications[last_read_id]",
        ));
    }
    let set = services::notifications::set_markers(&ctx, &auth.account, &changes).await?;
    Ok(HttpResponse::Ok().json(markers_body(&set)))
}
