//! Pinned posts: a teacher pins up to `MAX_PINS` of their public or unlisted posts
//! (followers hear an `Add`, an unpin a `Remove`); other servers' accounts' pins are
//! read from their `featured` collection when the account is stored (at most hourly,
//! at most `MAX_REMOTE_PINS` posts) and kept up to date by their `Add`/`Remove`.

use super::{
    events::Outcome,
    status_views::{views, StatusView},
    visibility::only_visible,
};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::Follow,
        pins,
        statuses::{Status, Visibility},
        StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::{
        activities::{self, create_note, featured},
        fetch,
        objects::note::incoming_note,
        protocol::helpers::id_of,
    },
};
use diesel_async::AsyncConnection;
use serde_json::Value;

/// As on Mastodon.
pub const MAX_PINS: i64 = 5;
/// Posts of a remote account's `featured` collection we read.
pub const MAX_REMOTE_PINS: usize = 5;
/// How often a remote account's collection is read again, at most.
fn featured_ttl() -> chrono::Duration {
    chrono::Duration::hours(1)
}

async fn own_post(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let status = Status::find(&mut conn, id)
        .await?
        .filter(|s| s.deleted_at.is_none() && s.reblog_of_id.is_none())
        .ok_or_else(|| Error::not_found("Record not found"))?;
    if status.account_id != account.id {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "only your own posts can be pinned",
        ));
    }
    Ok(status)
}

/// Pins one of `account`'s posts; its followers' servers hear an `Add`.
#[tracing::instrument(skip_all, fields(account = %account.username, status = %id))]
pub async fn pin(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let status = own_post(ctx, account, id).await?;
    if status.visibility() > Visibility::Unlisted {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "only public and unlisted posts can be pinned",
        ));
    }
    let mut conn = ctx.pool.get().await?;
    let n = conn
        .transaction::<_, Error, _>(async |conn| {
            if pins::count(conn, account.id).await? >= MAX_PINS {
                return Err(Error::new(
                    ErrorKind::BadRequest,
                    format!("you can pin at most {MAX_PINS} posts"),
                ));
            }
            if !pins::pin(conn, account.id, status.id).await? {
                return Ok(0);
            }
            let inboxes = Follow::follower_inboxes(conn, account.id).await?;
            activities::queue(
                conn,
                ctx,
                account,
                &featured::build(ctx, account, &status, "Add"),
                inboxes,
            )
            .await
        })
        .await?;
    ctx.dispatch(Outcome::none().delivering(n));
    Ok(status)
}

/// Unpins one of `account`'s posts; its followers' servers hear a `Remove`.
#[tracing::instrument(skip_all, fields(account = %account.username, status = %id))]
pub async fn unpin(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let status = own_post(ctx, account, id).await?;
    let mut conn = ctx.pool.get().await?;
    let n = conn
        .transaction::<_, Error, _>(async |conn| {
            if !pins::unpin(conn, account.id, status.id).await? {
                return Ok(0);
            }
            let inboxes = Follow::follower_inboxes(conn, account.id).await?;
            activities::queue(
                conn,
                ctx,
                account,
                &featured::build(ctx, account, &status, "Remove"),
                inboxes,
            )
            .await
        })
        .await?;
    ctx.dispatch(Outcome::none().delivering(n));
    Ok(status)
}

/// A remote account's `Add` of one of its posts to its featured collection.
pub async fn pin_received(ctx: &AppContext, actor: &Account, status: StatusId) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let Some(status) = Status::find(&mut conn, status).await? else {
        return Ok(());
    };
    if status.account_id != actor.id {
        tracing::info!(status = %status.id, "Add of someone else's post ignored");
        return Ok(());
    }
    if pins::pin(&mut conn, actor.id, status.id).await? {
        tracing::info!(status = %status.id, actor = %actor.uri.as_deref().unwrap_or_default(), "post pinned");
    }
    Ok(())
}

/// A remote account's `Remove` of one of its posts from its featured collection.
pub async fn unpin_received(ctx: &AppContext, actor: &Account, status: StatusId) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    if pins::unpin(&mut conn, actor.id, status).await? {
        tracing::info!(status = %status, actor = %actor.uri.as_deref().unwrap_or_default(), "post unpinned");
    }
    Ok(())
}

/// An account's pinned posts as `viewer` may see them, the latest pinned first.
pub async fn pinned(
    ctx: &AppContext,
    viewer: Option<&Account>,
    author: &Account,
) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let statuses =
        pins::of_account(&mut conn, author.id, MAX_PINS.max(MAX_REMOTE_PINS as i64)).await?;
    let statuses = only_visible(&mut conn, viewer.map(|v| v.id), statuses).await?;
    views(&mut conn, statuses, viewer).await
}

/// A remote account's actor document named its `featured` and `featuredTags`
/// collections: they are recorded, and read in the background when they are new or
/// were read over an hour ago. Not async: storing an actor calls this, and reading
/// the collection may store actors, so the work is a task of its own (boxed, which
/// breaks that cycle).
pub fn featured_seen(ctx: &AppContext, account: &Account, collections: &pins::Collections) {
    if collections.featured.is_none() && collections.featured_tags.is_none() {
        return;
    }
    let (ctx, account, collections) = (ctx.clone(), account.clone(), collections.clone());
    let read: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> = Box::pin(
        async move {
            let due = async {
                let mut conn = ctx.pool.get().await?;
                Ok::<_, Error>(
                    pins::claim_featured(&mut conn, account.id, &collections, featured_ttl())
                        .await?,
                )
            }
            .await;
            match due {
                Ok(true) => {
                    if let Some(url) = &collections.featured {
                        if let Err(e) = read_featured(&ctx, &account, url).await {
                            tracing::info!(collection = %url, error = %e, "cannot read a featured collection");
                        }
                    }
                    if let Some(url) = &collections.featured_tags {
                        if let Err(e) = super::tags::read_featured(&ctx, &account, url).await {
                            tracing::info!(collection = %url, error = %e, "cannot read a featuredTags collection");
                        }
                    }
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "cannot record a featured collection"),
            }
        },
    );
    tokio::spawn(read);
}

/// The items of a remote collection: inline, as Mastodon serves small ones, or on its
/// first page.
pub(super) async fn first_items(ctx: &AppContext, url: &str) -> Result<Vec<Value>> {
    let collection = fetch::fetch_object(ctx, url).await?;
    let inline = |v: &Value| {
        v.get("orderedItems")
            .or_else(|| v.get("items"))
            .and_then(Value::as_array)
            .cloned()
    };
    Ok(match inline(&collection) {
        Some(items) => items,
        None => match collection.get("first") {
            Some(Value::String(page)) => {
                inline(&fetch::fetch_object(ctx, page).await?).unwrap_or_default()
            }
            Some(page) => inline(page).unwrap_or_default(),
            None => Vec::new(),
        },
    })
}

/// Reads a remote account's `featured` collection (its items inline, as Mastodon
/// serves them, or its first page) and makes what it lists the account's pins.
async fn read_featured(ctx: &AppContext, account: &Account, url: &str) -> Result<()> {
    let items = first_items(ctx, url).await?;
    let mut pinned = Vec::new();
    for item in items.iter().take(MAX_REMOTE_PINS) {
        let stored = match item {
            Value::String(id) => create_note::resolve_post(ctx, id).await,
            Value::Object(_) => match incoming_note(item, account, None, &ctx.urls) {
                Ok(post) => create_note::store_post(ctx, post).await.ok(),
                Err(e) => {
                    tracing::info!(item = %id_of(item).unwrap_or_default(), error = %e, "featured item not stored");
                    None
                }
            },
            _ => None,
        };
        if let Some(id) = stored {
            pinned.push(id);
        }
    }
    let mut conn = ctx.pool.get().await?;
    let mut own = Vec::new();
    for id in pinned {
        if Status::find(&mut conn, id)
            .await?
            .is_some_and(|s| s.account_id == account.id)
            && !own.contains(&id)
        {
            own.push(id);
        }
    }
    pins::replace(&mut conn, account.id, &own).await?;
    tracing::info!(account = %account.uri.as_deref().unwrap_or_default(), pinned = own.len(), "featured collection read");
    Ok(())
}
