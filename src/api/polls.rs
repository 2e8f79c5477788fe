//! `/api/v1/polls/:id` and `/api/v1/polls/:id/votes`.

use super::{auth::Auth, entities::poll::poll};
use crate::{
    context::AppContext,
    error::{Error, ErrorKind, Result},
    services,
};
use actix_web::{web, HttpRequest, HttpResponse};

fn poll_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found("Record not found"))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:statuses")?;
    let view = services::polls::get(&ctx, &auth.account, poll_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(poll(&view.poll, &view.own_votes, view.voted)))
}

/// `choices[]=…` (a form, as Mastodon.py sends it) or `{"choices": […]}` (JSON;
/// numbers or strings).
fn choices(req: &HttpRequest, body: &[u8]) -> Result<Vec<i64>> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let bad = || {
        Error::new(
            ErrorKind::Unprocessable,
            "Validation failed: choices must be option indexes",
        )
    };
    let raw: Vec<String> = if content_type.contains("json") {
        let v: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| Error::bad_request(format!("Validation failed: {e}")))?;
        match v.get("choices") {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .map(|c| {
                    c.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| c.to_string())
                })
                .collect(),
            Some(other) => vec![other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string())],
            None => Vec::new(),
        }
    } else {
        url::form_urlencoded::parse(body)
            .filter(|(k, _)| k == "choices[]" || k == "choices")
            .map(|(_, v)| v.into_owned())
            .collect()
    };
    raw.iter()
        .map(|c| c.trim().parse::<i64>().map_err(|_| bad()))
        .collect()
}

pub async fn vote(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:statuses")?;
    let choices = choices(&req, &body)?;
    let view = services::polls::vote(&ctx, &auth.account, poll_id(&id)?, &choices)
        .await
        .map_err(|e| {
            if e.kind == ErrorKind::BadRequest {
                Error::new(
                    ErrorKind::Unprocessable,
                    format!("Validation failed: {}", e.message),
                )
            } else {
                e
            }
        })?;
    Ok(HttpResponse::Ok().json(poll(&view.poll, &view.own_votes, view.voted)))
}
