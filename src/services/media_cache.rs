//! Other servers' images, copied into our media store within a size budget
//! (`STAFFROOM_MEDIA_CACHE_MB`), so that readers' browsers and apps load them from
//! us rather than from servers they never chose to contact. A copy is made in the
//! background when a post arrives, or when one of our pages asks for an image we
//! have no copy of (evicted, or too busy when it arrived); beyond the budget the
//! oldest copies go. Every fetch goes through the guarded client (no private
//! addresses outside development mode), bounded in bytes and time, and the image is
//! processed as an upload is: re-encoded, so nothing of the origin's file but its
//! pixels survives, and only JPEG and PNG are ever served.

use super::visibility::may_see;
use crate::{
    context::AppContext,
    db::{
        media::{CachedCopy, Media},
        statuses::Status,
        DbPool, StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::client::{ClientError, HttpClient},
    media::{process, store::MediaStore},
};
use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, OnceLock, Weak,
    },
    time::Duration,
};
use tokio::sync::Semaphore;

/// The most we read of a remote image: what we accept as an upload.
pub const MAX_BYTES: usize = process::MAX_BYTES;
/// The longest one fetch may take, body included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an image whose fetch failed is left alone.
pub const RETRY_AFTER_MINUTES: i64 = 60;
/// Copies made at once: each decodes and re-encodes an image, which is CPU work.
const MAX_AT_ONCE: usize = 2;
/// Posts waiting for their copies; beyond, a post's images are copied when a page
/// first asks for them.
const MAX_WAITING: usize = 64;
/// Files deleted from the store per step.
const BATCH: i64 = 200;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(MAX_AT_ONCE))
}

static WAITING: AtomicUsize = AtomicUsize::new(0);

/// One copy of an image at a time in this process: a page's thumbnail and its
/// full size asked at once, or a page and the background, fetch it once.
fn lock_for(id: i64) -> Arc<tokio::sync::Mutex<()>> {
    static LOCKS: OnceLock<Mutex<HashMap<i64, Weak<tokio::sync::Mutex<()>>>>> = OnceLock::new();
    let mut locks = LOCKS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(lock) = locks.get(&id).and_then(Weak::upgrade) {
        return lock;
    }
    if locks.len() > 1000 {
        locks.retain(|_, w| w.strong_count() > 0);
    }
    let lock = Arc::new(tokio::sync::Mutex::new(()));
    locks.insert(id, Arc::downgrade(&lock));
    lock
}

pub fn enabled(ctx: &AppContext) -> bool {
    ctx.settings.media_cache_bytes > 0
}

fn budget(ctx: &AppContext) -> i64 {
    i64::try_from(ctx.settings.media_cache_bytes).unwrap_or(i64::MAX)
}

/// Whether copying this image failed within the last `RETRY_AFTER_MINUTES`.
pub fn failed_lately(media: &Media) -> bool {
    media
        .cache_failed_at
        .is_some_and(|t| chrono::Utc::now() - t < chrono::Duration::minutes(RETRY_AFTER_MINUTES))
}

/// Copies a new post's images in the background; never fails the post.
pub fn cache_later(ctx: &AppContext, status: StatusId) {
    if !enabled(ctx) {
        return;
    }
    if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
        WAITING.fetch_sub(1, Ordering::SeqCst);
        tracing::info!(%status, "too many images being copied; this post's are copied when first shown");
        return;
    }
    let ctx = ctx.clone();
    tokio::spawn(async move {
        struct Done;
        impl Drop for Done {
            fn drop(&mut self) {
                WAITING.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _done = Done;
        let media = match ctx.pool.get().await {
            Ok(mut conn) => Media::of_statuses(&mut conn, &[status])
                .await
                .unwrap_or_default(),
            Err(_) => return,
        };
        for m in media
            .into_iter()
            .filter(|m| m.is_uncached_remote() && m.kind == "image")
        {
            if let Err(e) = copy(&ctx, m.id).await {
                tracing::info!(%status, media = m.id, error = %e, "remote image not copied");
            }
        }
    });
}

/// Our copy of the remote image `id`, made now if there is none. The answer is the
/// row, with `file_key` and `thumbnail_key` naming the copy.
#[tracing::instrument(skip(ctx))]
pub async fn copy(ctx: &AppContext, id: i64) -> Result<Media> {
    let lock = lock_for(id);
    let _held = lock.lock().await;
    let media = Media::find(&mut *ctx.pool.get().await?, id)
        .await?
        .ok_or_else(|| Error::not_found("no such image"))?;
    if !media.is_uncached_remote() {
        return Ok(media);
    }
    if media.kind != "image" {
        return Err(Error::not_found("only images are copied"));
    }
    if !enabled(ctx) {
        return Err(Error::not_found(
            "copies of other servers' images are off (STAFFROOM_MEDIA_CACHE_MB=0)",
        ));
    }
    if failed_lately(&media) {
        return Err(Error::new(
            ErrorKind::RemoteFailed,
            "the image could not be fetched a short while ago",
        ));
    }
    let _permit = permits().acquire().await.map_err(Error::internal)?;
    let started = std::time::Instant::now();
    match fetch_and_store(ctx, &media).await {
        Ok(copy) => {
            let recorded = Media::record_cached(&mut *ctx.pool.get().await?, id, &copy).await;
            if !matches!(recorded, Ok(true)) {
                // The post went meanwhile, or another node copied it first.
                super::media::delete_keys(
                    ctx,
                    &[copy.file_key.as_str(), copy.thumbnail_key.as_str()],
                )
                .await;
            }
            recorded?;
            tracing::info!(
                media = id,
                bytes = copy.bytes,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "remote image copied"
            );
            if let Err(e) = enforce_budget(&ctx.pool, &ctx.media, budget(ctx)).await {
                tracing::warn!(error = %e, "media cache not trimmed to its budget");
            }
            Media::find(&mut *ctx.pool.get().await?, id)
                .await?
                .ok_or_else(|| Error::not_found("no such image"))
        }
        Err(e) => {
            Media::cache_failed(&mut *ctx.pool.get().await?, id).await?;
            Err(e)
        }
    }
}

async fn fetch_and_store(ctx: &AppContext, media: &Media) -> Result<CachedCopy> {
    let url = media.remote_url.as_deref().unwrap_or_default();
    let bytes = download(ctx, url).await?;
    let processed = tokio::task::spawn_blocking(move || process::process(&bytes, None))
        .await
        .map_err(Error::internal)?
        .map_err(|r| {
            Error::new(
                ErrorKind::RemoteFailed,
                format!("the remote image was refused: {r}"),
            )
        })?;
    let file_key = MediaStore::new_key(media.id, &format!("original.{}", processed.extension));
    let thumbnail_key = MediaStore::new_key(media.id, &format!("small.{}", processed.extension));
    let copy = CachedCopy {
        width: processed.original.width as i32,
        height: processed.original.height as i32,
        thumbnail_width: processed.thumbnail.width as i32,
        thumbnail_height: processed.thumbnail.height as i32,
        // The origin's blurhash stays if it sent one: apps have shown it already.
        blurhash: media.blurhash.clone().or(Some(processed.blurhash)),
        bytes: (processed.original.bytes.len() + processed.thumbnail.bytes.len()) as i64,
        file_key,
        thumbnail_key,
    };
    let stored = async {
        ctx.media
            .put(&copy.file_key, processed.original.bytes)
            .await?;
        ctx.media
            .put(&copy.thumbnail_key, processed.thumbnail.bytes)
            .await
    }
    .await;
    if let Err(e) = stored {
        super::media::delete_keys(ctx, &[copy.file_key.as_str(), copy.thumbnail_key.as_str()])
            .await;
        return Err(Error::internal(e));
    }
    Ok(copy)
}

/// The image at `url`, through the guarded client: a server we may contact, at most
/// `MAX_BYTES`, within `FETCH_TIMEOUT`.
async fn download(ctx: &AppContext, url: &str) -> Result<Vec<u8>> {
    let parsed = url::Url::parse(url).map_err(|_| Error::bad_request("not a URL"))?;
    ctx.client
        .check(&parsed)
        .map_err(|e| Error::new(ErrorKind::Forbidden, e.to_string()))?;
    if ctx.blocks.is_blocked_url(&ctx.pool, url).await {
        return Err(Error::new(ErrorKind::Forbidden, "a blocked server"));
    }
    let fetch = async {
        let response = ctx
            .client
            .inner()
            .get(parsed)
            .header(
                "Accept",
                "image/jpeg,image/png,image/webp,image/gif;q=0.9,*/*;q=0.1",
            )
            .send()
            .await
            // The connect-time address check speaks through here too: its words are in the cause.
            .map_err(|e| {
                Error::new(ErrorKind::RemoteFailed, format!("{url} did not answer")).with_cause(e)
            })?;
        if !response.status().is_success() {
            return Err(Error::new(
                ErrorKind::RemoteFailed,
                format!("{url} answered HTTP {}", response.status().as_u16()),
            ));
        }
        HttpClient::read_limited(url, response, MAX_BYTES)
            .await
            .map_err(|e| match e {
                ClientError::Forbidden(_) => Error::new(ErrorKind::Forbidden, e.to_string()),
                e => Error::new(ErrorKind::RemoteFailed, e.to_string()),
            })
    };
    match tokio::time::timeout(FETCH_TIMEOUT, fetch).await {
        Ok(result) => result,
        Err(_) => Err(Error::new(
            ErrorKind::RemoteFailed,
            format!("{url} took longer than {} s", FETCH_TIMEOUT.as_secs()),
        )),
    }
}

/// Which file of an image a page shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Original,
    Small,
}

/// The store key of our copy of remote image `id` for a page (`/media/remote/ID/…`),
/// copying it first if need be. Only images of posts anyone may see: the id in
/// the address can be guessed, unlike a copy's key, so a followers-only post's
/// images are only ever shown through their copies' keys.
pub async fn for_page(ctx: &AppContext, id: i64, size: Size) -> Result<String> {
    let media = {
        let mut conn = ctx.pool.get().await?;
        let media = Media::find(&mut conn, id)
            .await?
            .filter(|m| m.remote_url.is_some())
            .ok_or_else(|| Error::not_found("no such image"))?;
        let status = match media.status_id {
            Some(s) => Status::find(&mut conn, s).await?,
            None => None,
        };
        match status {
            Some(status)
                if status.deleted_at.is_none() && may_see(&mut conn, None, &status).await? =>
            {
                media
            }
            _ => return Err(Error::not_found("no such image")),
        }
    };
    let media = if media.file_key.is_none() {
        copy(ctx, id).await?
    } else {
        media
    };
    let key = match size {
        Size::Original => media.file_key,
        Size::Small => media.thumbnail_key,
    };
    key.ok_or_else(|| Error::not_found("no copy of this image"))
}

/// Lets go of the oldest copies beyond `budget` bytes and deletes their files.
pub async fn enforce_budget(pool: &DbPool, store: &MediaStore, budget: i64) -> Result<usize> {
    let evicted = Media::evict_beyond(&mut *pool.get().await?, budget).await?;
    if evicted > 0 {
        tracing::info!(evicted, budget, "oldest copies of remote images let go");
    }
    empty_trash(pool, store).await?;
    Ok(evicted)
}

/// Deletes the files of copies let go (`media_cache_trash`): evicted, pruned, or
/// whose post or author was deleted. Returns how many files.
pub async fn empty_trash(pool: &DbPool, store: &MediaStore) -> Result<u64> {
    let mut deleted = 0;
    loop {
        let keys = Media::trash(&mut *pool.get().await?, BATCH).await?;
        if keys.is_empty() {
            return Ok(deleted);
        }
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        match store.delete(&refs).await {
            Ok(()) => {}
            // A key that is no key of ours cannot be a file: forget it.
            Err(crate::media::store::StoreError::BadKey) => {}
            Err(e) => return Err(Error::internal(e)),
        }
        Media::trash_emptied(&mut *pool.get().await?, &keys).await?;
        deleted += keys.len() as u64;
    }
}

/// Lets go of copies made before `older_than` ago, in batches, and deletes their
/// files; `progress(done, total)` after each batch. The rows stay: a page that
/// shows the image again copies it again.
pub async fn prune_copies(
    pool: &DbPool,
    store: &MediaStore,
    older_than: chrono::Duration,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64> {
    let before = chrono::Utc::now() - older_than;
    let total = Media::count_cached_before(&mut *pool.get().await?, before).await? as u64;
    let mut done = 0;
    progress(0, total);
    loop {
        let n = Media::uncache_before(&mut *pool.get().await?, before, BATCH).await? as u64;
        empty_trash(pool, store).await?;
        if n == 0 {
            break;
        }
        done += n;
        progress(done, total.max(done));
    }
    Ok(done)
}
