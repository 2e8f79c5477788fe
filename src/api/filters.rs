//! `/api/v2/filters` (filters, their keywords and posts) and the v1 `/api/v1/filters`
//! Mastodon keeps for older apps (each keyword a filter of its own).

use super::{
    auth::Auth,
    entities::filter::{filter, filter_status, keyword, v1_filter},
    params::{self, field},
};
use crate::{
    context::AppContext,
    error::{Error, ErrorKind, Result},
    services::filters::{self as service, FilterInput, KeywordInput, V1Input},
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

fn read(auth: &Auth) -> Result<()> {
    auth.require("read:filters")
}

fn write(auth: &Auth) -> Result<()> {
    auth.require("write:filters")
}

fn expires_in(p: &Value) -> Result<Option<Option<i64>>> {
    field::seconds(p, "expires_in")
        .map_err(|e| Error::new(ErrorKind::Unprocessable, format!("Validation failed: {e}")))
}

/// `keywords_attributes[]`: `keyword`, `whole_word`, `id`, `_destroy`.
fn keywords(p: &Value) -> Vec<KeywordInput> {
    let Some(Value::Array(items)) = p.get("keywords_attributes") else {
        return Vec::new();
    };
    items
        .iter()
        .map(|k| KeywordInput {
            id: field::text(k, "id").and_then(|i| i.parse().ok()),
            keyword: field::text(k, "keyword"),
            whole_word: field::flag(k, "whole_word"),
            destroy: field::flag(k, "_destroy").unwrap_or(false),
        })
        .collect()
}

fn input(p: &Value) -> Result<FilterInput> {
    Ok(FilterInput {
        title: field::text(p, "title"),
        context: field::texts(p, "context"),
        action: field::text(p, "filter_action"),
        expires_in: expires_in(p)?,
        keywords: keywords(p),
    })
}

pub async fn index(ctx: web::Data<AppContext>, auth: Auth) -> Result<HttpResponse> {
    read(&auth)?;
    let all = service::all(&ctx, &auth.account).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(filter).collect::<Vec<_>>()))
}

pub async fn show(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    read(&auth)?;
    Ok(HttpResponse::Ok().json(filter(&service::get(&ctx, &auth.account, &id).await?)))
}

pub async fn create(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    write(&auth)?;
    let p = params::rails(&req, &body)?;
    let created = service::create(&ctx, &auth.account, input(&p)?).await?;
    Ok(HttpResponse::Ok().json(filter(&created)))
}

pub async fn update(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    write(&auth)?;
    let p = params::rails(&req, &body)?;
    let changed = service::update(&ctx, &auth.account, &id, input(&p)?).await?;
    Ok(HttpResponse::Ok().json(filter(&changed)))
}

pub async fn delete(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    write(&auth)?;
    service::delete(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn keywords_index(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    read(&auth)?;
    let all = service::keywords(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(keyword).collect::<Vec<_>>()))
}

pub async fn keywords_create(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    write(&auth)?;
    let p = params::rails(&req, &body)?;
    let added = service::add_keyword(
        &ctx,
        &auth.account,
        &id,
        &field::text(&p, "keyword").unwrap_or_default(),
        field::flag(&p, "whole_word").unwrap_or(true),
    )
    .await?;
    Ok(HttpResponse::Ok().json(keyword(&added)))
}

pub async fn keyword_show(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    read(&auth)?;
    let (found, _) = service::keyword(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(keyword(&found)))
}

pub async fn keyword_update(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    write(&auth)?;
    let p = params::rails(&req, &body)?;
    let changed = service::update_keyword(
        &ctx,
        &auth.account,
        &id,
        field::text(&p, "keyword").as_deref(),
        field::flag(&p, "whole_word"),
    )
    .await?;
    Ok(HttpResponse::Ok().json(keyword(&changed)))
}

pub async fn keyword_delete(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    write(&auth)?;
    service::delete_keyword(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

pub async fn statuses_index(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    read(&auth)?;
    let all = service::statuses(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(filter_status).collect::<Vec<_>>()))
}

pub async fn statuses_create(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    write(&auth)?;
    let p = params::rails(&req, &body)?;
    let added = service::add_status(
        &ctx,
        &auth.account,
        &id,
        &field::text(&p, "status_id").unwrap_or_default(),
    )
    .await?;
    Ok(HttpResponse::Ok().json(filter_status(&added)))
}

pub async fn status_show(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    read(&auth)?;
    let (found, _) = service::status(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(filter_status(&found)))
}

pub async fn status_delete(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    write(&auth)?;
    service::delete_status(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}

// v1.

fn v1_input(p: &Value) -> Result<V1Input> {
    Ok(V1Input {
        phrase: field::text(p, "phrase"),
        context: field::texts(p, "context"),
        irreversible: field::flag(p, "irreversible"),
        whole_word: field::flag(p, "whole_word"),
        expires_in: expires_in(p)?,
    })
}

pub async fn v1_index(ctx: web::Data<AppContext>, auth: Auth) -> Result<HttpResponse> {
    read(&auth)?;
    let all = service::v1_all(&ctx, &auth.account).await?;
    Ok(HttpResponse::Ok().json(all.iter().map(|(k, f)| v1_filter(k, f)).collect::<Vec<_>>()))
}

pub async fn v1_show(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    read(&auth)?;
    let (k, f) = service::keyword(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(v1_filter(&k, &f)))
}

pub async fn v1_create(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    write(&auth)?;
    let p = params::rails(&req, &body)?;
    let (k, f) = service::v1_create(&ctx, &auth.account, v1_input(&p)?).await?;
    Ok(HttpResponse::Ok().json(v1_filter(&k, &f)))
}

pub async fn v1_update(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    write(&auth)?;
    let p = params::rails(&req, &body)?;
    let (k, f) = service::v1_update(&ctx, &auth.account, &id, v1_input(&p)?).await?;
    Ok(HttpResponse::Ok().json(v1_filter(&k, &f)))
}

pub async fn v1_delete(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    write(&auth)?;
    service::v1_delete(&ctx, &auth.account, &id).await?;
    Ok(HttpResponse::Ok().json(json!({})))
}
