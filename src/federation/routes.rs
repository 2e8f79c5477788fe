//! Actor, collection and instance-actor endpoints. Inboxes arrive with the federation
//! core; until then these documents are all a remote server needs to discover us.

use crate::{
    context::AppContext,
    error::Result,
    federation::{
        objects::person::{instance_actor, local_account_to_actor},
        protocol::{
            collection::{OrderedCollection, OrderedCollectionPage},
            context::plain_context,
        },
        wants_activity_json, ACTIVITY_JSON,
    },
    services, web as pages,
};
use actix_web::{http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/{name}", web::get().to(actor))
        .route("/users/{name}/outbox", web::get().to(outbox))
        .route("/users/{name}/followers", web::get().to(followers))
        .route("/users/{name}/following", web::get().to(following))
        .route("/users/{name}/collections/featured", web::get().to(featured))
        .route("/users/{name}/collections/tags", web::get().to(featured_tags))
        .route("/actor", web::get().to(instance))
        .route("/actor/outbox", web::get().to(instance_outbox));
}

fn accept(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

pub(crate) fn activity_json(body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ACTIVITY_JSON)
        .insert_header((header::VARY, "Accept"))
        .json(body)
}

#[tracing::instrument(skip(ctx, req))]
async fn actor(ctx: web::Data<AppContext>, req: HttpRequest, name: web::Path<String>) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    if wants_activity_json(accept(&req)) {
        Ok(activity_json(&local_account_to_actor(&account, &ctx.urls)))
    } else {
        let mut page = pages::profile::render(&ctx, &account).await?;
        page.headers_mut().insert(header::VARY, header::HeaderValue::from_static("Accept"));
        Ok(page)
    }
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

/// A collection with nothing to list yet: its count, and an empty first page so
/// crawlers that follow `first` get valid JSON too.
fn empty_collection(id: String, page: Option<String>) -> HttpResponse {
    match page {
        None => activity_json(&OrderedCollection {
            context: Some(plain_context()),
            first: Some(format!("{id}?page=1")),
            id,
            kind: "OrderedCollection".into(),
            total_items: 0,
            ordered_items: None,
        }),
        Some(_) => activity_json(&OrderedCollectionPage {
            context: Some(plain_context()),
            id: format!("{id}?page=1"),
            kind: "OrderedCollectionPage".into(),
            total_items: 0,
            part_of: id,
            next: None,
            prev: None,
            ordered_items: Vec::new(),
        }),
    }
}

async fn collection_of(
    ctx: &AppContext,
    name: &str,
    page: Option<String>,
    url: impl Fn(&crate::urls::Urls, &str) -> String,
) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, name).await?;
    Ok(empty_collection(url(&ctx.urls, &account.username), page))
}

async fn outbox(ctx: web::Data<AppContext>, name: web::Path<String>, q: web::Query<PageQuery>) -> Result<HttpResponse> {
    collection_of(&ctx, &name, q.into_inner().page, crate::urls::Urls::outbox).await
}

async fn followers(ctx: web::Data<AppContext>, name: web::Path<String>, q: web::Query<PageQuery>) -> Result<HttpResponse> {
    collection_of(&ctx, &name, q.into_inner().page, crate::urls::Urls::followers).await
}

async fn following(ctx: web::Data<AppContext>, name: web::Path<String>, q: web::Query<PageQuery>) -> Result<HttpResponse> {
    collection_of(&ctx, &name, q.into_inner().page, crate::urls::Urls::following).await
}

/// Pinned posts: Mastodon serves them inline, with no pages.
async fn featured(ctx: web::Data<AppContext>, name: web::Path<String>) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    Ok(activity_json(&OrderedCollection {
        context: Some(plain_context()),
        id: ctx.urls.featured(&account.username),
        kind: "OrderedCollection".into(),
        total_items: 0,
        first: None,
        ordered_items: Some(Vec::new()),
    }))
}

async fn featured_tags(ctx: web::Data<AppContext>, name: web::Path<String>) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    Ok(activity_json(&OrderedCollection {
        context: Some(plain_context()),
        id: ctx.urls.featured_tags(&account.username),
        kind: "OrderedCollection".into(),
        total_items: 0,
        first: None,
        ordered_items: Some(Vec::new()),
    }))
}

async fn instance(ctx: web::Data<AppContext>, req: HttpRequest) -> HttpResponse {
    if wants_activity_json(accept(&req)) {
        activity_json(&instance_actor(&ctx.urls, &ctx.instance_public_key_pem))
    } else {
        HttpResponse::Found()
            .insert_header((header::LOCATION, "/about"))
            .insert_header((header::VARY, "Accept"))
            .finish()
    }
}

async fn instance_outbox(ctx: web::Data<AppContext>, q: web::Query<PageQuery>) -> HttpResponse {
    empty_collection(ctx.urls.instance_outbox(), q.into_inner().page)
}
