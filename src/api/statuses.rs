//! `/api/v1/statuses/…`.

use super::{auth::Auth, entities::status::status, params};
use crate::{
    context::AppContext,
    db::{statuses::Visibility, StatusId},
    error::{Error, ErrorKind, Result},
    services::{
        self,
        statuses::{NewPost, PostEdit},
    },
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

fn status_id(id: &str) -> Result<StatusId> {
    id.parse()
        .map(StatusId)
        .map_err(|_| Error::not_found("Record not found"))
}

#[derive(Deserialize, Default)]
pub struct StatusParams {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    in_reply_to_id: Option<String>,
    #[serde(default)]
    spoiler_text: Option<String>,
    #[serde(default)]
    sensitive: Option<serde_json::Value>,
    #[serde(default)]
    language: Option<String>,
}

fn truthy(v: &Option<serde_json::Value>) -> bool {
    match v {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s == "true" || s == "1",
        _ => false,
    }
}

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:statuses")?;
    let p: StatusParams = params::parse(&req, &body)?;
    let visibility = match p.visibility.as_deref() {
        // As Mastodon: the default chosen in the settings.
        None | Some("") => Visibility::from_i16(auth.user.default_visibility),
        Some(v) => Visibility::parse(v).ok_or_else(|| {
            Error::new(
                ErrorKind::BadRequest,
                "Validation failed: Visibility is not included in the list",
            )
        })?,
    };
    let in_reply_to = match p.in_reply_to_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) => Some(status_id(id)?),
        None => None,
    };
    let media = services::media::parse_ids(&media_ids(&req, &body)?.unwrap_or_default())
        .map_err(unprocessable)?;
    let poll = poll_params(&req, &body).map_err(unprocessable)?;
    let post = services::statuses::post_once(
        &ctx,
        &auth.account,
        NewPost {
            text: p.status.unwrap_or_default(),
            visibility,
            in_reply_to,
            spoiler_text: p.spoiler_text.unwrap_or_default(),
            sensitive: truthy(&p.sensitive),
            language: p.language.filter(|l| !l.is_empty()),
        },
        &media,
        poll,
        idempotency_key(&req)?,
    )
    .await
    .map_err(unprocessable)?;
    let view = services::status_views::get(&ctx, &auth.account, post.id).await?;
    Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
}

/// `media_ids` as apps send them: `media_ids[]=…` repeated in a form (Mastodon.py),
/// or an array in JSON. `None` when the request does not mention them.
fn media_ids(req: &HttpRequest, body: &[u8]) -> Result<Option<Vec<String>>> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.contains("json") {
        let v: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| Error::bad_request(format!("Validation failed: {e}")))?;
        return Ok(v.get("media_ids").map(|ids| match ids {
            serde_json::Value::Array(a) => a
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| i.to_string())
                })
                .collect(),
            other => vec![other
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| other.to_string())],
        }));
    }
    let ids: Vec<String> = url::form_urlencoded::parse(body)
        .filter(|(k, _)| k == "media_ids[]" || k == "media_ids")
        .map(|(_, v)| v.into_owned())
        .collect();
    Ok((!ids.is_empty()).then_some(ids))
}

/// `poll` as apps send it: `poll[options][]=…`, `poll[expires_in]`, `poll[multiple]`,
/// `poll[hide_totals]` in a form, or a `poll` object in JSON. `None` without options.
fn poll_params(req: &HttpRequest, body: &[u8]) -> Result<Option<services::polls::NewPoll>> {
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (options, expires_in, multiple, hide_totals): (
        Vec<String>,
        Option<String>,
        Option<serde_json::Value>,
        Option<serde_json::Value>,
    ) = if content_type.contains("json") {
        let v: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| Error::bad_request(format!("Validation failed: {e}")))?;
        let Some(poll) = v.get("poll").filter(|p| p.is_object()) else {
            return Ok(None);
        };
        let text = |v: &serde_json::Value| {
            v.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string())
        };
        (
            poll.get("options")
                .and_then(|o| o.as_array())
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default(),
            poll.get("expires_in").map(text),
            poll.get("multiple").cloned(),
            poll.get("hide_totals").cloned(),
        )
    } else {
        let mut options = Vec::new();
        let (mut expires_in, mut multiple, mut hide_totals) = (None, None, None);
        for (k, v) in url::form_urlencoded::parse(body) {
            match k.as_ref() {
                "poll[options][]" | "poll[options]" => options.push(v.into_owned()),
                "poll[expires_in]" => expires_in = Some(v.into_owned()),
                "poll[multiple]" => multiple = Some(serde_json::Value::String(v.into_owned())),
                "poll[hide_totals]" => {
                    hide_totals = Some(serde_json::Value::String(v.into_owned()))
                }
                _ => {}
            }
        }
        (options, expires_in, multiple, hide_totals)
    };
    if options.is_empty() {
        return Ok(None);
    }
    let expires_in = match expires_in {
        Some(e) => e.trim().parse::<i64>().map_err(|_| {
            Error::new(
                ErrorKind::BadRequest,
                "poll[expires_in] must be a number of seconds",
            )
        })?,
        None => {
            return Err(Error::new(
                ErrorKind::BadRequest,
                "poll[expires_in] is missing",
            ))
        }
    };
    Ok(Some(services::polls::NewPoll {
        options,
        expires_in,
        multiple: truthy(&multiple),
        hide_totals: truthy(&hide_totals),
    }))
}

/// Apps send `Idempotency-Key` so that a retried post is not posted twice.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>> {
    match req.headers().get("idempotency-key") {
        None => Ok(None),
        Some(v) => {
            let key = v
                .to_str()
                .map_err(|_| {
                    Error::new(
                        ErrorKind::BadRequest,
                        "Idempotency-Key must be printable text",
                    )
                })?
                .trim();
            if key.len() > 256 {
                return Err(Error::new(
                    ErrorKind::BadRequest,
                    "Idempotency-Key must be at most 256 characters",
                ));
            }
            Ok(Some(key.to_string()).filter(|k| !k.is_empty()))
        }
    }
}

/// Mastodon answers invalid posts with 422 and "Validation failed: …".
fn unprocessable(e: Error) -> Error {
    if e.kind == ErrorKind::BadRequest {
        Error::new(
            ErrorKind::Unprocessable,
            format!("Validation failed: {}", e.message),
        )
    } else {
        e
    }
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:statuses")?;
    let view = services::status_views::get(&ctx, &auth.account, status_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
}

pub async fn edit(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:statuses")?;
    let p: StatusParams = params::parse(&req, &body)?;
    let id = status_id(&id)?;
    let media = match media_ids(&req, &body)? {
        Some(ids) => Some(services::media::parse_ids(&ids).map_err(unprocessable)?),
        None => None,
    };
    services::statuses::edit(
        &ctx,
        &auth.account,
        id,
        PostEdit {
            text: p.status.unwrap_or_default(),
            media,
            spoiler_text: p.spoiler_text.unwrap_or_default(),
            sensitive: truthy(&p.sensitive),
            language: p.language.filter(|l| !l.is_empty()),
        },
    )
    .await
    .map_err(unprocessable)?;
    let view = services::status_views::get(&ctx, &auth.account, id).await?;
    Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
}

pub async fn delete(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:statuses")?;
    let id = status_id(&id)?;
    let view = services::status_views::get(&ctx, &auth.account, id).await?;
    let mut body = status(&view, &ctx.urls);
    services::statuses::delete(&ctx, &auth.account, id).await?;
    // Mastodon hands back the deleted post with its source text, for "delete and redraft".
    body["text"] = json!(view.status.text);
    Ok(HttpResponse::Ok().json(body))
}

pub async fn context(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:statuses")?;
    let (ancestors, descendants) =
        services::status_views::context(&ctx, &auth.account, status_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(json!({
        "ancestors": ancestors.iter().map(|v| status(v, &ctx.urls)).collect::<Vec<_>>(),
        "descendants": descendants.iter().map(|v| status(v, &ctx.urls)).collect::<Vec<_>>(),
    })))
}

macro_rules! action {
    ($name:ident, $service:ident, $scope:literal) => {
        pub async fn $name(
            ctx: web::Data<AppContext>,
            auth: Auth,
            id: web::Path<String>,
        ) -> Result<HttpResponse> {
            auth.require($scope)?;
            let id = status_id(&id)?;
            let changed = services::statuses::$service(&ctx, &auth.account, id).await?;
            let view = services::status_views::get(&ctx, &auth.account, changed.id).await?;
            Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
        }
    };
}

action!(favourite, favourite, "write:favourites");
action!(unfavourite, unfavourite, "write:favourites");
action!(reblog, reblog, "write:statuses");
action!(unreblog, unreblog, "write:statuses");

/// `POST /api/v1/statuses/:id/pin` and `/unpin`: own public or unlisted posts, at
/// most `services::pins::MAX_PINS`.
pub async fn pin(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:accounts")?;
    let id = status_id(&id)?;
    services::pins::pin(&ctx, &auth.account, id)
        .await
        .map_err(unprocessable)?;
    let view = services::status_views::get(&ctx, &auth.account, id).await?;
    Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
}

pub async fn unpin(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:accounts")?;
    let id = status_id(&id)?;
    services::pins::unpin(&ctx, &auth.account, id)
        .await
        .map_err(unprocessable)?;
    let view = services::status_views::get(&ctx, &auth.account, id).await?;
    Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
}

/// `GET /api/v1/statuses/:id/card` (deprecated by Mastodon, still asked by some
/// apps): the post's card, or `{}`.
pub async fn card(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:statuses")?;
    let view = services::status_views::get(&ctx, &auth.account, status_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(
        view.card
            .as_ref()
            .map(super::entities::status::card)
            .unwrap_or_else(|| json!({})),
    ))
}
