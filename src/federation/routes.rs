//! Actor, collection and instance-actor endpoints. Inboxes arrive with the federation
//! core; until then these documents are all a remote server needs to discover us.

use crate::{
    context::AppContext,
    db::accounts::Account,
    error::Result,
    federation::{
        objects::person::instance_actor,
        protocol::{
            collection::{OrderedCollection, OrderedCollectionPage},
            context::plain_context,
        },
        wants_activity_json, ACTIVITY_JSON,
    },
    services, web as pages,
};
use actix_web::{guard, http::header, web, HttpRequest, HttpResponse};
use serde::Deserialize;

fn asks_for_activity_json(ctx: &guard::GuardContext) -> bool {
    wants_activity_json(
        ctx.head()
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok()),
    )
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/users/{name}", web::get().to(actor))
        .route("/users/{name}/outbox", web::get().to(outbox))
        .route("/users/{name}/followers", web::get().to(followers))
        .route("/users/{name}/following", web::get().to(following))
        .route("/users/{name}/moderators", web::get().to(moderators))
        .route(
            "/users/{name}/collections/featured",
            web::get().to(featured),
        )
        .route(
            "/users/{name}/collections/tags",
            web::get().to(featured_tags),
        )
        .route("/users/{name}/statuses/{id}", web::get().to(note))
        .route(
            "/users/{name}/statuses/{id}/activity",
            web::get().to(note_activity),
        )
        .route(
            "/users/{name}/statuses/{id}/replies",
            web::get().to(replies),
        )
        // The addresses people share (a profile, a post's page) answer servers too,
        // as Mastodon's do, so that pasting one into a search finds it.
        .route(
            "/@{name}",
            web::get()
                .guard(guard::fn_guard(asks_for_activity_json))
                .to(actor),
        )
        .route(
            "/@{name}/{id}",
            web::get()
                .guard(guard::fn_guard(asks_for_activity_json))
                .to(note),
        )
        // A chat's page and an occurrence's transcript answer servers as the `Event`
        // and the `OrderedCollection` (web/chats.rs answers browsers).
        .route(
            "/chats/{id}",
            web::get()
                .guard(guard::fn_guard(asks_for_activity_json))
                .to(chat_event),
        )
        .route(
            "/chats/{id}/transcripts/{occurrence}",
            web::get()
                .guard(guard::fn_guard(asks_for_activity_json))
                .to(chat_transcript),
        )
        .route("/actor", web::get().to(instance))
        .route("/actor/outbox", web::get().to(instance_outbox));
}

fn accept(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
}

pub(crate) fn activity_json(body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(ACTIVITY_JSON)
        .insert_header((header::VARY, "Accept"))
        .json(body)
}

#[tracing::instrument(skip(ctx, req))]
async fn actor(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    // Suspended: gone for other servers and browsers alike, until unsuspended.
    if account.suspended_at.is_some() {
        return Err(crate::error::Error::new(
            crate::error::ErrorKind::Gone,
            "this account is suspended",
        ));
    }
    let tag_handle = services::tag_actors::handle(&ctx.pool, &account).await?;
    if wants_activity_json(accept(&req)) {
        let extras = services::published::actor_extras(&ctx, &account).await?;
        let mut document =
            crate::federation::objects::person::local_actor_document(&account, extras, &ctx.urls);
        if let Some(handle) = tag_handle {
            document = crate::federation::objects::person::tag_actor(document, &handle, &ctx.urls);
        }
        Ok(activity_json(&document))
    } else if let Some(tag) = services::tag_actors::tag_of(&account) {
        // A tag actor's page for people is its hashtag's.
        Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, ctx.urls.tag(tag)))
            .insert_header((header::VARY, "Accept"))
            .finish())
    } else {
        let mut page = pages::profile::render(&ctx, &account).await?;
        page.headers_mut()
            .insert(header::VARY, header::HeaderValue::from_static("Accept"));
        Ok(page)
    }
}

/// A group's moderators, all on one page as Lemmy serves them (a handful).
async fn moderators(ctx: web::Data<AppContext>, name: web::Path<String>) -> Result<HttpResponse> {
    let group = services::groups::find_by_name(&ctx.pool, &name).await?;
    let items: Vec<serde_json::Value> = group
        .moderators
        .iter()
        .map(|m| serde_json::Value::String(ctx.urls.actor_id(m)))
        .collect();
    Ok(activity_json(&OrderedCollection {
        context: Some(plain_context()),
        id: ctx.urls.moderators(&name),
        kind: "OrderedCollection".into(),
        total_items: items.len() as u64,
        first: None,
        ordered_items: Some(items),
    }))
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

/// A collection with nothing in it (the instance actor's outbox): its count, and an
/// empty first page so crawlers that follow `first` get valid JSON too.
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

const PAGE_SIZE: i64 = 20;

fn collection(id: String, total: i64) -> HttpResponse {
    activity_json(&OrderedCollection {
        context: Some(plain_context()),
        first: Some(format!("{id}?page=true")),
        id,
        kind: "OrderedCollection".into(),
        total_items: total.max(0) as u64,
        ordered_items: None,
    })
}

fn collection_page(
    id: &str,
    total: i64,
    items: Vec<serde_json::Value>,
    next: Option<String>,
    query: &str,
) -> HttpResponse {
    activity_json(&OrderedCollectionPage {
        context: Some(plain_context()),
        id: format!("{id}?{query}"),
        kind: "OrderedCollectionPage".into(),
        total_items: total.max(0) as u64,
        part_of: id.to_string(),
        next,
        prev: None,
        ordered_items: items,
    })
}

#[derive(Deserialize)]
struct CollectionQuery {
    page: Option<String>,
    max_id: Option<i64>,
}

impl CollectionQuery {
    fn as_query(&self) -> String {
        match self.max_id {
            Some(m) => format!("page=true&max_id={m}"),
            None => "page=true".into(),
        }
    }
}

/// Posts (as `Create`) and boosts (as `Announce`), newest first: those the
/// fetching actor may see (services::visibility): public and unlisted ones for
/// everyone, followers-only ones too for a signed fetch by a follower.
async fn outbox(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    name: web::Path<String>,
    q: web::Query<CollectionQuery>,
) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    let viewer = crate::federation::inbox::signed_fetcher(&ctx, &req)
        .await
        .map(|k| k.account_id);
    let id = ctx.urls.outbox(&account.username);
    let (total, items) = services::published::outbox(
        &ctx,
        &account,
        viewer,
        q.max_id.map(crate::db::StatusId),
        PAGE_SIZE,
    )
    .await?;
    if q.page.is_none() {
        return Ok(collection(id, total));
    }
    let next = (items.len() as i64 == PAGE_SIZE).then(|| {
        format!(
            "{id}?page=true&max_id={}",
            items.last().map(|i| i.status.id.0).unwrap_or(0)
        )
    });
    let ordered = outbox_items(&ctx, &account, items)?;
    Ok(collection_page(&id, total, ordered, next, &q.as_query()))
}

/// Outbox items as activities (a Create of each post, an Announce of each boost),
/// without their own `@context`.
fn outbox_items(
    ctx: &AppContext,
    account: &Account,
    items: Vec<services::published::OutboxItem>,
) -> Result<Vec<serde_json::Value>> {
    use crate::federation::{
        activities::{announce, create_note},
        objects::note::local_status_to_note,
    };
    let mut ordered = Vec::with_capacity(items.len());
    for item in items {
        let status = &item.status;
        let value = match item.boosted {
            Some((original, original_author)) => {
                let uri = ctx.urls.status_uri(&original, &original_author);
                serde_json::to_value(announce::build(
                    ctx,
                    account,
                    status,
                    &uri,
                    &original_author,
                ))
            }
            None => {
                let note = crate::federation::objects::note::with_poll(
                    local_status_to_note(
                        status,
                        account,
                        &item.mentioned,
                        &item.tags,
                        &item.media,
                        status.in_reply_to_uri.clone(),
                        &ctx.urls,
                    ),
                    item.poll.as_ref(),
                );
                let note =
                    crate::federation::objects::note::with_emojis(note, &item.emojis, &ctx.urls);
                let activity = create_note::wrap(ctx, "Create", &note, account, None)?;
                serde_json::to_value(activity)
            }
        };
        if let Ok(mut v) = value {
            if let Some(map) = v.as_object_mut() {
                map.remove("@context");
            }
            ordered.push(v);
        }
    }
    Ok(ordered)
}

/// Most posts an archive holds.
const MAX_ARCHIVE_ITEMS: usize = 100_000;

/// A teacher's posts and boosts as one `outbox.json`, as Mastodon's archive holds
/// it: an OrderedCollection with every item, newest first, as its author sees them.
pub async fn archive_outbox(ctx: &AppContext, account: &Account) -> Result<serde_json::Value> {
    let mut ordered = Vec::new();
    let mut max_id = None;
    let total = loop {
        let (total, items) =
            services::published::outbox(ctx, account, Some(account.id), max_id, 200).await?;
        let last = items.last().map(|i| i.status.id);
        let full = items.len() == 200;
        ordered.extend(outbox_items(ctx, account, items)?);
        match last {
            Some(last) if full && ordered.len() < MAX_ARCHIVE_ITEMS => max_id = Some(last),
            _ => break total,
        }
    };
    Ok(serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": total,
        "orderedItems": ordered,
    }))
}

#[derive(Deserialize)]
struct RepliesQuery {
    page: Option<String>,
    after: Option<i64>,
}

/// A post's replies that the fetching actor may see, oldest first, as ids: what
/// servers read to fill in a thread. Mastodon's shape: a `Collection` whose first
/// page is `?page=true`.
async fn replies(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
    q: web::Query<RepliesQuery>,
) -> Result<HttpResponse> {
    use crate::federation::protocol::collection::{Collection, CollectionPage};
    let (name, status_id) = path.into_inner();
    let viewer = crate::federation::inbox::signed_fetcher(&ctx, &req)
        .await
        .map(|k| k.account_id);
    let id = format!("{}/replies", ctx.urls.status(&name, status_id));
    let after = q.after.map(crate::db::StatusId);
    let (total, items) = services::published::replies(
        &ctx,
        &name,
        crate::db::StatusId(status_id),
        viewer,
        after,
        PAGE_SIZE,
    )
    .await?;
    if q.page.is_none() {
        return Ok(activity_json(&Collection {
            context: Some(plain_context()),
            first: format!("{id}?page=true"),
            id,
            kind: "Collection".into(),
            total_items: total.max(0) as u64,
        }));
    }
    let next = (items.len() as i64 == PAGE_SIZE).then(|| {
        format!(
            "{id}?page=true&after={}",
            items.last().map(|(i, _)| i.0).unwrap_or(0)
        )
    });
    let page_id = match q.after {
        Some(a) => format!("{id}?page=true&after={a}"),
        None => format!("{id}?page=true"),
    };
    Ok(activity_json(&CollectionPage {
        context: Some(plain_context()),
        id: page_id,
        kind: "CollectionPage".into(),
        part_of: id,
        next,
        items: items
            .into_iter()
            .map(|(_, uri)| serde_json::Value::String(uri))
            .collect(),
    }))
}

async fn followers(
    ctx: web::Data<AppContext>,
    name: web::Path<String>,
    q: web::Query<CollectionQuery>,
) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    let id = ctx.urls.followers(&account.username);
    let (total, page) =
        services::timelines::followers_with_total(&ctx, account.id, q.max_id, PAGE_SIZE).await?;
    if q.page.is_none() {
        return Ok(collection(id, total));
    }
    let next = (page.len() as i64 == PAGE_SIZE).then(|| {
        format!(
            "{id}?page=true&max_id={}",
            page.last().map(|p| p.0).unwrap_or(0)
        )
    });
    let items = page
        .into_iter()
        .map(|(_, a)| serde_json::Value::String(ctx.urls.actor_id(&a)))
        .collect();
    Ok(collection_page(&id, total, items, next, &q.as_query()))
}

async fn following(
    ctx: web::Data<AppContext>,
    name: web::Path<String>,
    q: web::Query<CollectionQuery>,
) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    let id = ctx.urls.following(&account.username);
    let (total, page) =
        services::timelines::following_with_total(&ctx, account.id, q.max_id, PAGE_SIZE).await?;
    if q.page.is_none() {
        return Ok(collection(id, total));
    }
    let next = (page.len() as i64 == PAGE_SIZE).then(|| {
        format!(
            "{id}?page=true&max_id={}",
            page.last().map(|p| p.0).unwrap_or(0)
        )
    });
    let items = page
        .into_iter()
        .map(|(_, a)| serde_json::Value::String(ctx.urls.actor_id(&a)))
        .collect();
    Ok(collection_page(&id, total, items, next, &q.as_query()))
}

/// One of our posts: JSON for servers (followers-only and direct ones only to a
/// signed fetch by someone allowed to see them), a page for browsers, 410 once deleted.
async fn note(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse> {
    let (name, id) = path.into_inner();
    let viewer = crate::federation::inbox::signed_fetcher(&ctx, &req)
        .await
        .map(|k| k.account_id);
    let view = match services::published::local_post(&ctx, &name, crate::db::StatusId(id), viewer)
        .await
    {
        Err(e) if e.kind == crate::error::ErrorKind::Gone && wants_activity_json(accept(&req)) => {
            let tombstone = crate::federation::protocol::note::Tombstone {
                context: Some(plain_context()),
                id: ctx.urls.status(&name, id),
                kind: "Tombstone".into(),
            };
            return Ok(HttpResponse::Gone()
                .content_type(ACTIVITY_JSON)
                .json(tombstone));
        }
        other => other?,
    };
    if !wants_activity_json(accept(&req)) {
        return pages::status::render(&ctx, view).await;
    }
    let note = crate::federation::objects::note::with_poll(
        crate::federation::objects::note::local_status_to_note(
            &view.status,
            &view.author,
            &view.mentioned,
            &view.tags,
            &view.media,
            view.in_reply_to.clone(),
            &ctx.urls,
        ),
        view.poll.as_ref(),
    );
    let mut note = crate::federation::objects::note::with_emojis(note, &view.emojis, &ctx.urls);
    note.context = Some(crate::federation::objects::note::note_context());
    Ok(activity_json(&note))
}

async fn note_activity(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    path: web::Path<(String, i64)>,
) -> Result<HttpResponse> {
    let (name, id) = path.into_inner();
    let viewer = crate::federation::inbox::signed_fetcher(&ctx, &req)
        .await
        .map(|k| k.account_id);
    let view =
        services::published::local_post(&ctx, &name, crate::db::StatusId(id), viewer).await?;
    let note = crate::federation::objects::note::with_poll(
        crate::federation::objects::note::local_status_to_note(
            &view.status,
            &view.author,
            &view.mentioned,
            &view.tags,
            &view.media,
            view.in_reply_to.clone(),
            &ctx.urls,
        ),
        view.poll.as_ref(),
    );
    let note = crate::federation::objects::note::with_emojis(note, &view.emojis, &ctx.urls);
    Ok(activity_json(
        &crate::federation::activities::create_note::wrap(
            &ctx,
            "Create",
            &note,
            &view.author,
            None,
        )?,
    ))
}

/// Pinned posts: Mastodon serves them inline as whole notes, with no pages; only
/// public and unlisted posts can be pinned, so every reader gets the same list.
async fn featured(ctx: web::Data<AppContext>, name: web::Path<String>) -> Result<HttpResponse> {
    use crate::federation::objects::note::{local_status_to_note, with_poll};
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    let mut items = Vec::new();
    for view in services::pins::pinned(&ctx, None, &account).await? {
        let Ok(post) =
            services::published::local_post(&ctx, &account.username, view.status.id, None).await
        else {
            continue;
        };
        let note = with_poll(
            local_status_to_note(
                &post.status,
                &post.author,
                &post.mentioned,
                &post.tags,
                &post.media,
                post.in_reply_to.clone(),
                &ctx.urls,
            ),
            post.poll.as_ref(),
        );
        let note = crate::federation::objects::note::with_emojis(note, &post.emojis, &ctx.urls);
        if let Ok(v) = serde_json::to_value(note) {
            items.push(v);
        }
    }
    Ok(activity_json(&OrderedCollection {
        // The notes' terms (sensitive, Hashtag, votersCount …).
        context: Some(crate::federation::objects::note::note_context()),
        id: ctx.urls.featured(&account.username),
        kind: "OrderedCollection".into(),
        total_items: items.len() as u64,
        first: None,
        ordered_items: Some(items),
    }))
}

/// The hashtags an actor features, as Mastodon serves them: a `Collection` of
/// `Hashtag`s inline.
async fn featured_tags(
    ctx: web::Data<AppContext>,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    let account = services::accounts::find_local_account(&ctx.pool, &name).await?;
    let featured = services::tags::featured_of(&ctx, &account).await?;
    let items: Vec<serde_json::Value> = featured
        .iter()
        .map(|f| {
            serde_json::to_value(crate::federation::protocol::note::Tag {
                kind: "Hashtag",
                href: ctx.urls.tag(&f.name),
                name: format!("#{}", f.name),
            })
        })
        .collect::<std::result::Result<_, _>>()
        .map_err(crate::error::Error::internal)?;
    Ok(activity_json(
        &crate::federation::protocol::collection::InlineCollection {
            context: Some(plain_context()),
            id: ctx.urls.featured_tags(&account.username),
            kind: "Collection".into(),
            total_items: items.len() as u64,
            items,
        },
    ))
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

fn chat_id(id: &str) -> Result<i64> {
    id.parse()
        .map_err(|_| crate::error::Error::not_found("no such chat"))
}

/// A chat as its `Event`; a cancelled one is gone (410, a `Tombstone`).
#[tracing::instrument(skip(ctx))]
async fn chat_event(ctx: web::Data<AppContext>, id: web::Path<String>) -> Result<HttpResponse> {
    let chat = services::chats::find(&ctx, chat_id(&id)?).await?;
    if chat.cancelled() {
        return Ok(HttpResponse::Gone().content_type(ACTIVITY_JSON).json(
            crate::federation::activities::event::tombstone(&ctx.urls.chat(chat.chat.id)),
        ));
    }
    Ok(activity_json(
        &crate::federation::activities::event::to_event(&ctx, &chat, true),
    ))
}

/// An occurrence's questions and answers as an `OrderedCollection`.
#[tracing::instrument(skip(ctx))]
async fn chat_transcript(
    ctx: web::Data<AppContext>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse> {
    let (id, key) = path.into_inner();
    let (chat, occurrence) = services::chats::occurrence(&ctx, chat_id(&id)?, &key).await?;
    let transcript = services::chats::transcript(&ctx, &chat, occurrence).await?;
    Ok(activity_json(
        &crate::federation::activities::event::to_transcript(&ctx, &chat, &transcript),
    ))
}
