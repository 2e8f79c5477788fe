//! Uploading images and describing them; attaching them to posts is part of posting
//! (services/statuses.rs calls `attach`). An upload is processed before it is
//! answered (an image of 12 megapixels takes well under a second), so the client API
//! answers 200 with everything filled in, as Mastodon does for small images.

use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        media::{Media, MediaInsertForm},
        StatusId,
    },
    error::{Error, ErrorKind, Result},
    media::{
        process::{self, ProfileImage, Refused},
        store::MediaStore,
    },
};
use diesel_async::AsyncPgConnection;

/// Alt text, as Mastodon allows.
pub const MAX_DESCRIPTION_CHARS: usize = 1500;
/// Attachments one post may carry.
pub const MAX_PER_POST: usize = 4;

pub struct Upload {
    pub bytes: Vec<u8>,
    /// The type the client labelled the file with, if any.
    pub declared_type: Option<String>,
    pub description: Option<String>,
    pub focus: Option<String>,
}

fn check_description(d: Option<String>) -> Result<Option<String>> {
    let d = d.map(|d| d.trim().to_string()).filter(|d| !d.is_empty());
    if d.as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        return Err(Error::new(ErrorKind::Unprocessable, format!("Validation failed: the description is longer than {MAX_DESCRIPTION_CHARS} characters")));
    }
    Ok(d)
}

/// Mastodon's `focus`: "x,y", each from -1.0 to 1.0.
fn parse_focus(f: Option<&str>) -> Result<Option<(f32, f32)>> {
    let Some(f) = f.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let bad = || {
        Error::new(
            ErrorKind::Unprocessable,
            "Validation failed: focus must be two numbers from -1.0 to 1.0, such as 0.5,-0.25",
        )
    };
    let (x, y) = f.split_once(',').ok_or_else(bad)?;
    let (x, y): (f32, f32) = (
        x.trim().parse().map_err(|_| bad())?,
        y.trim().parse().map_err(|_| bad())?,
    );
    if !(-1.0..=1.0).contains(&x) || !(-1.0..=1.0).contains(&y) {
        return Err(bad());
    }
    Ok(Some((x, y)))
}

fn refused(r: Refused) -> Error {
    let kind = if r == Refused::TooLarge {
        ErrorKind::TooLarge
    } else {
        ErrorKind::Unprocessable
    };
    Error::new(kind, format!("Validation failed: {r}"))
}

/// Runs one image's processing on a blocking thread once one of the machine's cores
/// is free for it. A decoded photo is tens of megabytes (36 MB for 12 megapixels as
/// RGB), so images processed at once add up; more of them than there are cores would
/// only take turns on the CPU anyway while holding their memory.
async fn in_turn<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    static CORES: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let cores = CORES.get_or_init(|| {
        tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    });
    let _turn = cores.acquire().await.map_err(Error::internal)?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(Error::internal)
}

/// Processes and stores an upload of `owner`'s. A refused file leaves nothing behind:
/// files are written only after processing succeeded, and removed again if the row
/// cannot be written.
#[tracing::instrument(skip_all, fields(owner = %owner.username, bytes = upload.bytes.len()))]
pub async fn upload(ctx: &AppContext, owner: &Account, upload: Upload) -> Result<Media> {
    let description = check_description(upload.description)?;
    let focus = parse_focus(upload.focus.as_deref())?.unwrap_or((0.0, 0.0));
    let started = std::time::Instant::now();
    let Upload {
        bytes,
        declared_type,
        ..
    } = upload;
    let processed = in_turn(move || process::process(&bytes, declared_type.as_deref()))
        .await?
        .map_err(|r| {
            tracing::info!(reason = %r, "upload refused");
            refused(r)
        })?;
    let id = crate::db::ids::new_id();
    let file_key = MediaStore::new_key(id, &format!("original.{}", processed.extension));
    let thumbnail_key = MediaStore::new_key(id, &format!("small.{}", processed.extension));
    let form = MediaInsertForm {
        id,
        account_id: owner.id.0,
        kind: "image".into(),
        content_type: Some(processed.content_type.into()),
        file_key: Some(file_key.clone()),
        thumbnail_key: Some(thumbnail_key.clone()),
        description,
        blurhash: Some(processed.blurhash),
        width: Some(processed.original.width as i32),
        height: Some(processed.original.height as i32),
        thumbnail_width: Some(processed.thumbnail.width as i32),
        thumbnail_height: Some(processed.thumbnail.height as i32),
        focus_x: focus.0,
        focus_y: focus.1,
        ..Default::default()
    };
    let stored = async {
        ctx.media.put(&file_key, processed.original.bytes).await?;
        ctx.media
            .put(&thumbnail_key, processed.thumbnail.bytes)
            .await?;
        Ok::<_, crate::media::store::StoreError>(())
    }
    .await;
    let row = match stored {
        Ok(()) => {
            async {
                Media::insert(&mut *ctx.pool.get().await?, &form)
                    .await
                    .map_err(Error::from)
            }
            .await
        }
        Err(e) => Err(Error::internal(e)),
    };
    match row {
        Ok(media) => {
            tracing::info!(
                media = media.id,
                width = form.width,
                height = form.height,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "media stored"
            );
            Ok(media)
        }
        Err(e) => {
            if let Err(cleanup) = ctx.media.delete(&[&file_key, &thumbnail_key]).await {
                tracing::warn!(error = %cleanup, "files of a failed upload not removed");
            }
            Err(e)
        }
    }
}

/// An avatar or header as uploaded.
pub struct ImageFile {
    pub bytes: Vec<u8>,
    /// The type the client labelled the file with, if any.
    pub declared_type: Option<String>,
}

/// Processes and stores an avatar or header of `owner`'s (services::accounts records
/// it); returns its key. A refused file writes nothing.
#[tracing::instrument(skip_all, fields(owner = %owner.username, kind = kind.name(), bytes = file.bytes.len()))]
pub async fn store_profile_image(
    ctx: &AppContext,
    owner: &Account,
    kind: ProfileImage,
    file: ImageFile,
) -> Result<String> {
    let ImageFile {
        bytes,
        declared_type,
    } = file;
    let processed = in_turn(move || process::profile_image(&bytes, declared_type.as_deref(), kind))
        .await?
        .map_err(|r| {
            tracing::info!(reason = %r, "profile image refused");
            let kind_of = if r == Refused::TooLarge {
                ErrorKind::TooLarge
            } else {
                ErrorKind::Unprocessable
            };
            Error::new(kind_of, format!("Validation failed: {}: {r}", kind.name()))
        })?;
    let key = MediaStore::new_key(
        owner.id.0,
        &format!("{}.{}", kind.name(), processed.extension),
    );
    ctx.media
        .put(&key, processed.image.bytes)
        .await
        .map_err(Error::internal)?;
    Ok(key)
}

/// Removes files no row points at any more (after the commit that let go of them);
/// a failure is logged, the change stands.
pub async fn delete_keys(ctx: &AppContext, keys: &[&str]) {
    if keys.is_empty() {
        return;
    }
    if let Err(e) = ctx.media.delete(keys).await {
        tracing::warn!(error = %e, files = keys.len(), "media files not removed");
    }
}

/// An upload of `owner`'s by its API id.
pub async fn get(ctx: &AppContext, owner: &Account, id: &str) -> Result<Media> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::not_found("Record not found"))?;
    let mut conn = ctx.pool.get().await?;
    Media::find_owned(&mut conn, owner.id, id)
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))
}

/// `PUT /api/v1/media/:id`: alt text and focus (what is not sent stays).
pub async fn describe(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    description: Option<String>,
    focus: Option<String>,
) -> Result<Media> {
    let media = get(ctx, owner, id).await?;
    let description = match description {
        Some(d) => check_description(Some(d))?,
        None => media.description.clone(),
    };
    let focus = parse_focus(focus.as_deref())?.unwrap_or((media.focus_x, media.focus_y));
    let mut conn = ctx.pool.get().await?;
    Ok(Media::describe(&mut conn, media.id, description.as_deref(), focus).await?)
}

/// Parses the `media_ids` of a post: at most four.
pub fn parse_ids(ids: &[String]) -> Result<Vec<i64>> {
    if ids.len() > MAX_PER_POST {
        return Err(Error::bad_request(format!(
            "a post can carry at most {MAX_PER_POST} images"
        )));
    }
    let mut out: Vec<i64> = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id
            .trim()
            .parse()
            .map_err(|_| Error::bad_request(format!("no such media: {id}")))?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Claims uploads for a post in the post's transaction: each must be the author's
/// and not on another post, or the post is refused.
pub async fn attach(
    conn: &mut AsyncPgConnection,
    author: &Account,
    status: StatusId,
    ids: &[i64],
) -> Result<()> {
    if Media::attach(conn, author.id, status, ids).await? != ids.len() {
        return Err(Error::bad_request(
            "the media to attach was not found, or is already on another post",
        ));
    }
    Ok(())
}

/// Deletes the files of attachments whose rows are gone (after the commit that
/// removed them); a failure is logged, the post's change stands.
pub async fn delete_files(ctx: &AppContext, gone: &[Media]) {
    let keys: Vec<&str> = gone
        .iter()
        .flat_map(|m| [m.file_key.as_deref(), m.thumbnail_key.as_deref()])
        .flatten()
        .collect();
    delete_keys(ctx, &keys).await;
}

/// How many uploads one prune step removes: small transactions, steady progress.
const PRUNE_BATCH: i64 = 200;

/// What a prune removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub uploads: u64,
    pub files: u64,
}

/// Removes uploads that no post claimed and that are older than `older_than`, rows
/// then files, in batches; `progress(done, total)` after each batch. Used by
/// `staffroom media prune` and the daily clean-up (`start_daily_prune`).
pub async fn prune_unattached(
    pool: &crate::db::DbPool,
    store: &MediaStore,
    older_than: chrono::Duration,
    mut progress: impl FnMut(u64, u64),
) -> Result<Pruned> {
    let before = chrono::Utc::now() - older_than;
    let total = Media::count_unattached(&mut *pool.get().await?, before).await? as u64;
    let mut pruned = Pruned::default();
    progress(0, total);
    loop {
        let gone = Media::delete_unattached(&mut *pool.get().await?, before, PRUNE_BATCH).await?;
        if gone.is_empty() {
            break;
        }
        let keys: Vec<&str> = gone
            .iter()
            .flat_map(|m| [m.file_key.as_deref(), m.thumbnail_key.as_deref()])
            .flatten()
            .collect();
        store.delete(&keys).await.map_err(Error::internal)?;
        pruned.uploads += gone.len() as u64;
        pruned.files += keys.len() as u64;
        progress(pruned.uploads, total.max(pruned.uploads));
    }
    Ok(pruned)
}

/// How old an unclaimed upload is before the daily clean-up removes it: a teacher
/// writing a post has long finished by then.
pub const UNATTACHED_MAX_AGE_HOURS: i64 = 24;

/// The daily clean-up, in `serve` (unclaimed uploads; remote image copies beyond
/// the budget or left by deleted posts): a first run a few minutes after start, then every
/// 24 hours, until `stop`. Several nodes may each run it; a row is deleted once.
pub fn start_daily_prune(ctx: AppContext, stop: tokio::sync::watch::Receiver<bool>) {
    let (first, period) = (
        std::time::Duration::from_secs(5 * 60),
        std::time::Duration::from_secs(24 * 3600),
    );
    crate::periodic::every(first, period, stop, move || {
        let ctx = ctx.clone();
        async move {
            match prune_unattached(
                &ctx.pool,
                &ctx.media,
                chrono::Duration::hours(UNATTACHED_MAX_AGE_HOURS),
                |_, _| {},
            )
            .await
            {
                Ok(p) if p.uploads > 0 => tracing::info!(
                    uploads = p.uploads,
                    files = p.files,
                    "unattached uploads pruned"
                ),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "daily media clean-up failed; tried again tomorrow")
                }
            }
            // Copies of remote images: back within the budget (a smaller
            // STAFFROOM_MEDIA_CACHE_MB takes effect here), and the files of copies
            // whose posts were deleted since.
            let budget = i64::try_from(ctx.settings.media_cache_bytes).unwrap_or(i64::MAX);
            if let Err(e) = super::media_cache::enforce_budget(&ctx.pool, &ctx.media, budget).await
            {
                tracing::warn!(error = %e, "daily clean-up of remote image copies failed; tried again tomorrow");
            }
        }
    });
}
