//! `POST /api/v1/reports`: a teacher reports an account (and some of its posts) to
//! this server's moderators, and optionally to its own server (`forward`).

use super::{auth::Auth, entities::admin::report as report_entity, pagination::Query};
use crate::{
    context::AppContext,
    db::StatusId,
    error::{Error, ErrorKind, Result},
    services::{self, moderation::NewReport},
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::Value;

/// As form fields (`status_ids[]=…`) or JSON (`"status_ids": […]`).
#[derive(Deserialize, Default)]
pub struct ReportParams {
    account_id: Option<Value>,
    #[serde(default)]
    status_ids: Vec<Value>,
    comment: Option<String>,
    category: Option<String>,
    #[serde(default)]
    rule_ids: Vec<Value>,
    forward: Option<Value>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(
        ErrorKind::Unprocessable,
        format!("Validation failed: {}", message.into()),
    )
}

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:reports")?;
    let p: ReportParams = if req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .contains("json")
    {
        super::params::parse(&req, &body)?
    } else {
        // Form bodies repeat `status_ids[]`, which serde_urlencoded cannot gather.
        let q = Query::from_form(&body);
        ReportParams {
            account_id: q.get("account_id").map(|s| Value::String(s.to_string())),
            status_ids: q.all("status_ids").into_iter().map(Value::String).collect(),
            comment: q.get("comment").map(str::to_string),
            category: q.get("category").map(str::to_string),
            rule_ids: q.all("rule_ids").into_iter().map(Value::String).collect(),
            forward: q.get("forward").map(|s| Value::String(s.to_string())),
        }
    };
    let account_id = p
        .account_id
        .as_ref()
        .and_then(text)
        .ok_or_else(|| invalid("account_id is missing"))?;
    let target = services::timelines::find_account(&ctx, &account_id).await?;
    let status_ids = p
        .status_ids
        .iter()
        .map(|v| {
            text(v)
                .and_then(|s| s.parse::<i64>().ok())
                .map(StatusId)
                .ok_or_else(|| invalid("status_ids must be ids of posts"))
        })
        .collect::<Result<Vec<_>>>()?;
    let rule_ids = p
        .rule_ids
        .iter()
        .map(|v| {
            text(v)
                .and_then(|s| s.parse::<i32>().ok())
                .ok_or_else(|| invalid("rule_ids must be ids of rules"))
        })
        .collect::<Result<Vec<_>>>()?;
    let forward = match &p.forward {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "true" | "1"),
        _ => false,
    };
    let new = NewReport {
        target: target.clone(),
        status_ids,
        comment: p.comment.unwrap_or_default(),
        category: p.category,
        rule_ids,
        forward,
    };
    let report = services::moderation::report(&ctx, &auth.account, new)
        .await
        .map_err(|e| match e.kind {
            ErrorKind::BadRequest => invalid(e.message),
            _ => e,
        })?;
    Ok(HttpResponse::Ok().json(report_entity(&report, &target, &ctx.urls)))
}
