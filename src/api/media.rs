//! `/api/v1/media`, `/api/v2/media`: uploading images and describing them.

use super::{auth::Auth, entities::media::media_attachment, params};
use crate::{
    context::AppContext,
    error::{Error, Result},
    media::process::MAX_BYTES,
    multipart,
    services::{self, media::Upload},
};
use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// Both versions: the image is processed before we answer, so v2 answers 200 with
/// the URLs filled in, as Mastodon does for images it processes at once (apps then
/// skip polling `GET /api/v1/media/:id`).
pub async fn upload(
    ctx: web::Data<AppContext>,
    auth: Auth,
    body: Multipart,
) -> Result<HttpResponse> {
    auth.require("write:media")?;
    let mut form = multipart::read(body, MAX_BYTES).await?;
    let file = form.files.remove("file").ok_or_else(|| {
        Error::new(
            crate::error::ErrorKind::Unprocessable,
            "Validation failed: File can't be blank",
        )
    })?;
    let media = services::media::upload(
        &ctx,
        &auth.account,
        Upload {
            bytes: file.bytes,
            declared_type: file.content_type,
            description: form.fields.remove("description"),
            focus: form.fields.remove("focus"),
        },
    )
    .await?;
    Ok(HttpResponse::Ok().json(media_attachment(&media, &ctx.urls)))
}

pub async fn get(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:media")?;
    let media = services::media::get(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(media_attachment(&media, &ctx.urls)))
}

#[derive(Deserialize, Default)]
pub struct DescribeParams {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    focus: Option<String>,
}

pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    auth.require("write:media")?;
    let p: DescribeParams = params::parse(&req, &body)?;
    let media = services::media::describe(&ctx, &auth.account, &id, p.description, p.focus).await?;
    Ok(HttpResponse::Ok().json(media_attachment(&media, &ctx.urls)))
}
