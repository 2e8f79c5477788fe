//! Posting, editing, deleting, favouriting and boosting. Every change and the
//! deliveries announcing it are written in one transaction.

use super::events::{Event, Outcome};
use super::roles::Acting;
use super::visibility::visible_status;
use crate::{
    content::{self, ResolvedMention},
    context::AppContext,
    db::{
        accounts::Account,
        idempotency, received,
        statuses::{Received, ReceivedPost, Status, StatusEditForm, StatusInsertForm, Visibility},
        AccountId, StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::{
        activities::{self, announce, create_note, delete, inbox_of, like, undo},
        fetch,
    },
};
use diesel_async::{AsyncConnection, AsyncPgConnection};

pub const MAX_CHARS: usize = 5000;
pub const MAX_SPOILER_CHARS: usize = 1000;

pub struct NewPost {
    pub text: String,
    pub visibility: Visibility,
    pub in_reply_to: Option<StatusId>,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
}

pub struct PostEdit {
    pub text: String,
    /// The post's images after the edit, in order; `None` keeps them.
    pub media: Option<Vec<i64>>,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
}

fn check_text(text: &str, spoiler: &str, language: Option<&str>, has_media: bool) -> Result<()> {
    // As on Mastodon, an image (with its alt text) may be the whole post.
    if text.trim().is_empty() && !has_media {
        return Err(Error::new(ErrorKind::BadRequest, "the post is empty"));
    }
    if text.chars().count() > MAX_CHARS {
        return Err(Error::new(
            ErrorKind::BadRequest,
            format!("the post is longer than {MAX_CHARS} characters"),
        ));
    }
    if spoiler.chars().count() > MAX_SPOILER_CHARS {
        return Err(Error::new(
            ErrorKind::BadRequest,
            format!("the content warning is longer than {MAX_SPOILER_CHARS} characters"),
        ));
    }
    if let Some(l) = language {
        if l.is_empty() || l.len() > 16 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(Error::new(
                ErrorKind::BadRequest,
                "the language must be a code such as en or pt-BR",
            ));
        }
    }
    Ok(())
}

/// Resolves `@name` and `@name@host` in `text`: ours from the database, others by
/// WebFinger. Mentions that cannot be resolved stay plain text.
async fn resolve_mentions(ctx: &AppContext, text: &str) -> (Vec<ResolvedMention>, Vec<Account>) {
    let extracted = content::extract(text);
    let mut resolved = Vec::new();
    let mut accounts: Vec<Account> = Vec::new();
    for m in extracted.mentions.into_iter().take(50) {
        let account = match m.domain.as_deref() {
            None => crate::services::accounts::find_local_account(&ctx.pool, &m.username)
                .await
                .ok(),
            Some(domain) => match fetch::webfinger(ctx, &m.username, domain).await {
                Ok(a) => Some(a),
                Err(e) => {
                    tracing::info!(mention = %m.text, error = %e, "mention not resolved");
                    None
                }
            },
        };
        if let Some(a) = account {
            resolved.push(ResolvedMention {
                username: m.username.clone(),
                domain: m.domain.clone(),
                profile_url: ctx.urls.profile_url(&a),
                actor_id: ctx.urls.actor_id(&a),
            });
            if !accounts.iter().any(|b| b.id == a.id) {
                accounts.push(a);
            }
        }
    }
    (resolved, accounts)
}

pub async fn post(ctx: &AppContext, author: &Account, new: NewPost) -> Result<Status> {
    post_once(ctx, author, new, &[], None, None).await
}

/// Posts unless `idempotency_key` (the app's `Idempotency-Key`) already made a post
/// within the hour, in which case that post is the answer and nothing is posted or
/// delivered again.
#[tracing::instrument(skip_all, fields(author = %author.username))]
/// `media` are uploads of the author's (services::media) to attach, in order.
/// `poll` makes it a poll (services::polls), which cannot go with images.
pub async fn post_once(
    ctx: &AppContext,
    author: &Account,
    new: NewPost,
    media: &[i64],
    poll: Option<super::polls::NewPoll>,
    idempotency_key: Option<String>,
) -> Result<Status> {
    if let Some(key) = &idempotency_key {
        if let Some(first) = post_with_key(ctx, author, key).await? {
            return Ok(first);
        }
    }
    check_text(
        &new.text,
        &new.spoiler_text,
        new.language.as_deref(),
        !media.is_empty(),
    )?;
    if let Some(poll) = &poll {
        if !media.is_empty() {
            return Err(Error::new(
                ErrorKind::BadRequest,
                "a post cannot have both a poll and images",
            ));
        }
        super::polls::check(poll)?;
    }
    let (resolved, mut mentioned) = resolve_mentions(ctx, &new.text).await;
    let tags = content::extract(&new.text).hashtags;
    let html = content::render_plain_text(&new.text, &resolved, &|t| ctx.urls.tag(t));
    let mut conn = ctx.pool.get().await?;
    let parent = match new.in_reply_to {
        Some(id) => Some(visible_status(&mut conn, author, id).await?),
        None => None,
    };
    let mut parent_uri = None;
    if let Some(parent) = &parent {
        let parent_author = Account::find(&mut conn, parent.account_id).await?;
        // Kept with the reply, so every rendering of it (outbox pages too) names its parent.
        parent_uri = parent_author
            .as_ref()
            .map(|a| ctx.urls.status_uri(parent, a));
        // The replied-to author is addressed like a mention, as Mastodon does.
        if let Some(a) =
            parent_author.filter(|a| a.id != author.id && !mentioned.iter().any(|m| m.id == a.id))
        {
            mentioned.push(a);
        }
    }
    let form = StatusInsertForm {
        id: StatusId::generate(),
        account_id: author.id,
        uri: None,
        url: None,
        content: html,
        spoiler_text: new.spoiler_text.trim().to_string(),
        sensitive: new.sensitive || !new.spoiler_text.trim().is_empty(),
        visibility: new.visibility as i16,
        language: new.language,
        in_reply_to_id: parent.as_ref().map(|p| p.id),
        in_reply_to_uri: parent_uri,
        in_reply_to_account_id: parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        local: true,
        text: Some(new.text),
        object_type: "Note".into(),
        title: None,
        created_at: chrono::Utc::now(),
    };
    let mentioned_ids: Vec<AccountId> = mentioned.iter().map(|a| a.id).collect();
    let key = idempotency_key.clone();
    let created = conn
        .transaction::<_, Error, _>(async |conn| {
            let status = Status::insert(conn, &form).await?;
            if let Some(key) = &key {
                idempotency::expire(conn).await?;
                if !idempotency::claim(conn, author.id, key, status.id).await? {
                    // A request with the same key got there first: undo ours, answer with theirs.
                    return Err(Error::new(ErrorKind::Conflict, "repeated Idempotency-Key")
                        .with_cause(IdempotentRepeat));
                }
            }
            Status::set_mentions(conn, status.id, &mentioned_ids).await?;
            Status::set_tags(conn, status.id, &tags).await?;
            crate::services::media::attach(conn, author, status.id, media).await?;
            if let Some(poll) = &poll {
                crate::db::polls::Poll::insert(
                    conn,
                    &super::polls::form(poll, status.id, author.id),
                )
                .await?;
            }
            let (activity, inboxes) =
                create_note::build(conn, ctx, &status, author, "Create").await?;
            let n = activities::queue(conn, ctx, author, &activity, inboxes).await?;
            Ok((status, n))
        })
        .await;
    let (status, n) = match (created, &idempotency_key) {
        (Err(e), Some(key)) if e.cause.as_ref().is_some_and(|c| c.is::<IdempotentRepeat>()) => {
            let first = post_with_key(ctx, author, key).await?;
            return first.ok_or_else(|| {
                Error::new(
                    ErrorKind::Conflict,
                    "a post with this Idempotency-Key is being made; retry",
                )
            });
        }
        (other, _) => other?,
    };
    ctx.dispatch(
        Outcome::of(Event::PostCreated {
            status: status.id,
            author: author.id,
        })
        .delivering(n),
    );
    super::cards::attach_later(ctx, status.id, &status.content);
    tracing::info!(status = %status.id, visibility = new.visibility.as_str(), "posted");
    crate::services::groups::relay_new_post(ctx, status.id, author.id, None, None).await;
    Ok(status)
}

/// Another request with the same `Idempotency-Key` committed first.
#[derive(Debug, thiserror::Error)]
#[error("repeated Idempotency-Key")]
struct IdempotentRepeat;

/// The post `author` made with `key` within the hour, if any.
async fn post_with_key(ctx: &AppContext, author: &Account, key: &str) -> Result<Option<Status>> {
    let mut conn = ctx.pool.get().await?;
    match idempotency::find(&mut conn, author.id, key).await? {
        Some(id) => Ok(Status::find(&mut conn, id)
            .await?
            .filter(|s| s.deleted_at.is_none())),
        None => Ok(None),
    }
}

async fn own_status(
    conn: &mut AsyncPgConnection,
    author: &Account,
    id: StatusId,
) -> Result<Status> {
    let status = Status::find(conn, id)
        .await?
        .filter(|s| s.deleted_at.is_none() && s.reblog_of_id.is_none())
        .ok_or_else(|| Error::not_found("no such post"))?;
    if status.account_id != author.id {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "only the author can change a post",
        ));
    }
    Ok(status)
}

#[tracing::instrument(skip_all, fields(author = %author.username, status = %id))]
pub async fn edit(
    ctx: &AppContext,
    author: &Account,
    id: StatusId,
    edit: PostEdit,
) -> Result<Status> {
    check_text(
        &edit.text,
        &edit.spoiler_text,
        edit.language.as_deref(),
        edit.media.as_ref().is_some_and(|m| !m.is_empty()),
    )?;
    let (resolved, mentioned) = resolve_mentions(ctx, &edit.text).await;
    let tags = content::extract(&edit.text).hashtags;
    let html = content::render_plain_text(&edit.text, &resolved, &|t| ctx.urls.tag(t));
    let mut conn = ctx.pool.get().await?;
    let status = own_status(&mut conn, author, id).await?;
    let mut mentioned_ids: Vec<AccountId> = mentioned.iter().map(|a| a.id).collect();
    if let Some(parent_author) = status.in_reply_to_account_id.filter(|a| *a != author.id) {
        if !mentioned_ids.contains(&parent_author) {
            mentioned_ids.push(parent_author);
        }
    }
    let form = StatusEditForm {
        content: html,
        spoiler_text: edit.spoiler_text.trim().to_string(),
        sensitive: edit.sensitive || !edit.spoiler_text.trim().is_empty(),
        language: edit.language.or(status.language.clone()),
        text: Some(edit.text),
        title: None,
        edited_at: Some(chrono::Utc::now()),
    };
    let media = edit.media;
    let (status, n, removed) = conn
        .transaction::<_, Error, _>(async |conn| {
            let removed = match &media {
                Some(ids) => {
                    let removed =
                        crate::db::media::Media::detach_others(conn, status.id, ids).await?;
                    crate::services::media::attach(conn, author, status.id, ids).await?;
                    removed
                }
                None => Vec::new(),
            };
            // Those mentioned before the edit hear of it too.
            let before: Vec<String> = Status::mentioned_accounts(conn, status.id)
                .await?
                .iter()
                .filter_map(inbox_of)
                .collect();
            let status = Status::edit(conn, status.id, &form).await?;
            Status::set_mentions(conn, status.id, &mentioned_ids).await?;
            Status::set_tags(conn, status.id, &tags).await?;
            let (activity, mut inboxes) =
                create_note::build(conn, ctx, &status, author, "Update").await?;
            inboxes.extend(before);
            let n = activities::queue(conn, ctx, author, &activity, inboxes).await?;
            Ok((status, n, removed))
        })
        .await?;
    crate::services::media::delete_files(ctx, &removed).await;
    ctx.dispatch(
        Outcome::of(Event::PostEdited {
            status: status.id,
            author: author.id,
        })
        .delivering(n),
    );
    super::cards::attach_later(ctx, status.id, &status.content);
    Ok(status)
}

/// A remote author's `Update` of a post we have: the content is replaced. Applied
/// every time (the last edit wins).
pub async fn edit_received(
    ctx: &AppContext,
    author: &Account,
    status: &Status,
    form: &StatusEditForm,
    tags: &[String],
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        Status::edit(conn, status.id, form).await?;
        Status::set_tags(conn, status.id, tags).await?;
        Ok(())
    })
    .await?;
    ctx.dispatch(Outcome::of(Event::PostEdited {
        status: status.id,
        author: author.id,
    }));
    Ok(())
}

#[tracing::instrument(skip_all, fields(author = %author.username, status = %id))]
pub async fn delete(ctx: &AppContext, author: &Account, id: StatusId) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let status = own_status(&mut conn, author, id).await?;
    drop(conn);
    delete_as(ctx, author, &status, None).await
}

/// Deletes `status` of the local `author`, federating the `Delete`; with
/// `moderated`, a moderator's removal, written to the audit log in the same
/// transaction (services::moderation::delete_post checks who may).
pub async fn delete_as(
    ctx: &AppContext,
    author: &Account,
    status: &Status,
    moderated: Option<(&Acting, &str)>,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let (n, removed) = conn
        .transaction::<_, Error, _>(async |conn| {
            audit_removal(conn, ctx, status, author, moderated).await?;
            // Everyone who got the post hears it is gone: work out who before it goes.
            let (created, inboxes) =
                create_note::build(conn, ctx, status, author, "Create").await?;
            let note_id = created.object["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            Status::mark_deleted(conn, status.id).await?;
            // The tombstone keeps no images: their rows and files go with the post.
            let removed = crate::db::media::Media::detach_others(conn, status.id, &[]).await?;
            let mut activity = delete::build(ctx, author, &note_id);
            activity.to = created.to.clone();
            activity.cc = created.cc.clone();
            Ok((
                activities::queue(conn, ctx, author, &activity, inboxes).await?,
                removed,
            ))
        })
        .await?;
    crate::services::media::delete_files(ctx, &removed).await;
    ctx.dispatch(
        Outcome::of(Event::PostDeleted {
            status: status.id,
            author: author.id,
        })
        .delivering(n),
    );
    Ok(())
}

/// A remote author's `Delete` of a post we have: our copy goes. Applied every time.
pub async fn delete_received(ctx: &AppContext, author: &Account, status: &Status) -> Result<()> {
    if status.account_id != author.id {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "only a post's author can delete it",
        ));
    }
    remove_received(ctx, author, status, None).await
}

/// A moderator's removal of a post goes in the audit log (named by its address), in
/// the removal's transaction; an author's own deletion is not audited.
async fn audit_removal(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    status: &Status,
    author: &Account,
    moderated: Option<(&Acting, &str)>,
) -> Result<()> {
    let Some((acting, reason)) = moderated else {
        return Ok(());
    };
    let target = super::roles::Target {
        kind: "status",
        id: Some(status.id.0),
        name: ctx.urls.status_uri(status, author),
    };
    super::roles::audit(conn, acting, "delete_status", &target, reason).await
}
/// Our copy of another server's post goes (its author deleted it, or, with
/// `moderated`, a moderator here removed it: audited in the same transaction).
pub async fn remove_received(
    ctx: &AppContext,
    author: &Account,
    status: &Status,
    moderated: Option<(&Acting, &str)>,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let removed = conn
        .transaction::<_, Error, _>(async |conn| {
            audit_removal(conn, ctx, status, author, moderated).await?;
            Ok(Status::delete_row(conn, status.id).await?)
        })
        .await?;
    if removed > 0 {
        tracing::info!(status = %status.id, "post deleted");
        ctx.dispatch(Outcome::of(Event::PostDeleted {
            status: status.id,
            author: author.id,
        }));
        // Our copies of its images went to the trash with the rows: delete them now.
        if let Err(e) = super::media_cache::empty_trash(&ctx.pool, &ctx.media).await {
            tracing::warn!(error = %e, "copies of a deleted post's images left for the daily clean-up");
        }
    }
    Ok(())
}

/// How far up a thread a group's removal looks for the post the group relayed.
const MAX_THREAD_WALK: usize = 32;

/// A group's moderator removes `status` (FEP-1b12: the group relays the removal).
/// Only posts in that group: the post, or the top of its thread, is one the group
/// boosted here.
pub async fn remove_in_group(ctx: &AppContext, group: &Account, status: &Status) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let mut current = Some(status.clone());
    let mut in_group = false;
    for _ in 0..MAX_THREAD_WALK {
        let Some(s) = current.take() else { break };
        if Status::find_reblog(&mut conn, group.id, s.id)
            .await?
            .is_some()
        {
            in_group = true;
            break;
        }
        current = match s.in_reply_to_id {
            Some(parent) => Status::find(&mut conn, parent).await?,
            None => None,
        };
    }
    // A post addressed to the group by mention is in it too, even once the group's
    // boost of it is gone (its Undo may arrive before the removal).
    if !in_group
        && !Status::mentioned_accounts(&mut conn, status.id)
            .await?
            .iter()
            .any(|a| a.id == group.id)
    {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "a group can only remove posts made in it",
        ));
    }
    if status.local {
        // Written here: the post stays its author's; only the group's boost of it goes.
        if let Some(reblog) = Status::find_reblog(&mut conn, group.id, status.id).await? {
            if Status::delete_row(&mut conn, reblog.id).await? > 0 {
                ctx.dispatch(Outcome::of(Event::Unreblogged {
                    reblog: reblog.id,
                    original: status.id,
                    account: group.id,
                }));
            }
        }
        tracing::info!(status = %status.id, group = %group.uri.as_deref().unwrap_or_default(), "our post removed from a group: the group's boost of it dropped");
        return Ok(());
    }
    if Status::delete_row(&mut conn, status.id).await? > 0 {
        tracing::info!(status = %status.id, group = %group.uri.as_deref().unwrap_or_default(), "post removed by a group's moderator");
        ctx.dispatch(Outcome::of(Event::PostDeleted {
            status: status.id,
            author: status.account_id,
        }));
    }
    Ok(())
}

pub async fn favourite(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, account, id).await?;
    let author = Account::find(&mut conn, status.account_id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    drop(conn);
    favourite_as(ctx, account, &status, &author, None).await?;
    Ok(status)
}

/// A remote account's `Like` (`activity_id`) of one of our posts.
pub async fn favourite_received(
    ctx: &AppContext,
    account: &Account,
    status: &Status,
    author: &Account,
    activity_id: &str,
) -> Result<()> {
    favourite_as(ctx, account, status, author, Some(activity_id)).await
}

/// `account` favourites `status`: a teacher here (a remote author is sent a Like), or
/// a remote Like, which is deduplicated by its id (a Like retried after its Undo
/// must not come back).
async fn favourite_as(
    ctx: &AppContext,
    account: &Account,
    status: &Status,
    author: &Account,
    activity: Option<&str>,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            if let Some(id) = activity {
                if !received::claim(conn, id).await? {
                    return Ok(Outcome::none());
                }
            }
            let like_id = crate::db::new_id();
            let uri = match activity {
                Some(id) => id.to_string(),
                None => ctx.urls.activity(&account.username, "likes", like_id),
            };
            if !Status::favourite(conn, account.id, status.id, Some(&uri)).await? {
                return Ok(Outcome::none());
            }
            let mut n = 0;
            if account.is_local() && !author.is_local() {
                let activity = like::build(
                    ctx,
                    account,
                    like_id,
                    &ctx.urls.status_uri(status, author),
                    &ctx.urls.actor_id(author),
                );
                n = activities::queue(conn, ctx, account, &activity, inbox_of(author)).await?;
            }
            Ok(Outcome::of(Event::Favourited {
                status: status.id,
                account: account.id,
            })
            .delivering(n))
        })
        .await?;
    if activity.is_some() && !outcome.is_empty() {
        tracing::info!(status = %status.id, actor = %account.uri.as_deref().unwrap_or_default(), "like received");
    }
    ctx.dispatch(outcome);
    Ok(())
}

pub async fn unfavourite(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let status = Status::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    let author = Account::find(&mut conn, status.account_id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let Some(uri) = Status::favourite_uri(conn, account.id, status.id).await? else {
                return Ok(Outcome::none());
            };
            Status::unfavourite(conn, account.id, status.id).await?;
            let mut n = 0;
            if !author.is_local() {
                let like_id = uri
                    .as_deref()
                    .and_then(|u| u.rsplit('/').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let mut liked = like::build(
                    ctx,
                    account,
                    like_id,
                    &ctx.urls.status_uri(&status, &author),
                    &ctx.urls.actor_id(&author),
                );
                if let Some(uri) = uri {
                    liked.id = uri;
                }
                n = activities::queue(
                    conn,
                    ctx,
                    account,
                    &undo::build(ctx, account, &liked),
                    inbox_of(&author),
                )
                .await?;
            }
            Ok(Outcome::of(Event::Unfavourited {
                status: status.id,
                account: account.id,
            })
            .delivering(n))
        })
        .await?;
    ctx.dispatch(outcome);
    Ok(status)
}

/// A remote account's `Undo` of its Like `like_uri` (or, when the Like is not known
/// by that id, of its like of `status`). Applied every time.
pub async fn unfavourite_received(
    ctx: &AppContext,
    account: &Account,
    like_uri: &str,
    status: Option<StatusId>,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let mut undone = Status::unfavourite_by_uri(&mut conn, account.id, like_uri).await?;
    if undone.is_none() {
        if let Some(id) = status {
            undone = Status::unfavourite(&mut conn, account.id, id)
                .await?
                .then_some(id);
        }
    }
    if let Some(status) = undone {
        tracing::info!(actor = %account.uri.as_deref().unwrap_or_default(), "like undone");
        ctx.dispatch(Outcome::of(Event::Unfavourited {
            status,
            account: account.id,
        }));
    }
    Ok(())
}

pub async fn reblog(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let original = visible_status(&mut conn, account, id).await?;
    let original = match original.reblog_of_id {
        Some(inner) => visible_status(&mut conn, account, inner).await?,
        None => original,
    };
    if original.visibility() > Visibility::Unlisted {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "followers-only and direct posts cannot be boosted",
        ));
    }
    let author = Account::find(&mut conn, original.account_id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    drop(conn);
    let reblog = reblog_as(ctx, account, &original, &author, None, Visibility::Public).await?;
    reblog.ok_or_else(|| Error::internal(anyhow::anyhow!("a local boost was not stored")))
}

/// A remote account's `Announce` (`activity_id`) of `original`, deduplicated by id.
pub async fn reblog_received(
    ctx: &AppContext,
    account: &Account,
    original: &Status,
    activity_id: &str,
    visibility: Visibility,
) -> Result<Option<Status>> {
    let mut conn = ctx.pool.get().await?;
    let author = Account::find(&mut conn, original.account_id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    drop(conn);
    reblog_as(
        ctx,
        account,
        original,
        &author,
        Some(activity_id),
        visibility,
    )
    .await
}

/// `account` boosts `original`: a teacher here (followers and the author are sent an
/// Announce), or a remote Announce (`activity`, deduplicated by its id). `None`
/// when the activity was seen before.
async fn reblog_as(
    ctx: &AppContext,
    account: &Account,
    original: &Status,
    author: &Account,
    activity: Option<&str>,
    visibility: Visibility,
) -> Result<Option<Status>> {
    let mut conn = ctx.pool.get().await?;
    let (reblog, outcome) = conn
        .transaction::<_, Error, _>(async |conn| {
            if let Some(id) = activity {
                if !received::claim(conn, id).await? {
                    return Ok((None, Outcome::none()));
                }
            }
            if let Some(existing) = Status::find_reblog(conn, account.id, original.id).await? {
                return Ok((Some(existing), Outcome::none()));
            }
            let form = StatusInsertForm {
                id: StatusId::generate(),
                account_id: account.id,
                uri: activity.map(str::to_string),
                url: None,
                content: String::new(),
                spoiler_text: String::new(),
                sensitive: false,
                visibility: visibility as i16,
                language: None,
                in_reply_to_id: None,
                in_reply_to_uri: None,
                in_reply_to_account_id: None,
                reblog_of_id: Some(original.id),
                local: account.is_local(),
                text: None,
                object_type: "Note".into(),
                title: None,
                created_at: chrono::Utc::now(),
            };
            let reblog = Status::insert(conn, &form).await?;
            let mut n = 0;
            if account.is_local() {
                let activity = announce::build(
                    ctx,
                    account,
                    &reblog,
                    &ctx.urls.status_uri(original, author),
                    author,
                );
                let mut inboxes =
                    crate::db::follows::Follow::follower_inboxes(conn, account.id).await?;
                inboxes.extend(inbox_of(author));
                n = activities::queue(conn, ctx, account, &activity, inboxes).await?;
            }
            let event = Event::Reblogged {
                reblog: reblog.id,
                original: original.id,
                account: account.id,
            };
            Ok((Some(reblog), Outcome::of(event).delivering(n)))
        })
        .await?;
    if activity.is_some() && !outcome.is_empty() {
        tracing::info!(original = %original.id, booster = %account.uri.as_deref().unwrap_or_default(), "boost stored");
    }
    ctx.dispatch(outcome);
    Ok(reblog)
}

pub async fn unreblog(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let original = Status::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    let original = match original.reblog_of_id {
        Some(inner) => Status::find(&mut conn, inner)
            .await?
            .ok_or_else(|| Error::not_found("no such post"))?,
        None => original,
    };
    let author = Account::find(&mut conn, original.account_id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let Some(reblog) = Status::find_reblog(conn, account.id, original.id).await? else {
                return Ok(Outcome::none());
            };
            let announced = announce::build(
                ctx,
                account,
                &reblog,
                &ctx.urls.status_uri(&original, &author),
                &author,
            );
            Status::delete_row(conn, reblog.id).await?;
            let mut inboxes =
                crate::db::follows::Follow::follower_inboxes(conn, account.id).await?;
            inboxes.extend(inbox_of(&author));
            let n = activities::queue(
                conn,
                ctx,
                account,
                &undo::build(ctx, account, &announced),
                inboxes,
            )
            .await?;
            Ok(Outcome::of(Event::Unreblogged {
                reblog: reblog.id,
                original: original.id,
                account: account.id,
            })
            .delivering(n))
        })
        .await?;
    ctx.dispatch(outcome);
    Ok(original)
}

/// A remote account's `Undo` of its Announce `announce_uri`. Applied every time.
pub async fn unreblog_received(
    ctx: &AppContext,
    account: &Account,
    announce_uri: &str,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let Some(reblog) = Status::find_by_uri(&mut conn, announce_uri).await? else {
        return Ok(());
    };
    let Some(original) = reblog
        .reblog_of_id
        .filter(|_| reblog.account_id == account.id)
    else {
        return Ok(());
    };
    if Status::delete_row(&mut conn, reblog.id).await? > 0 {
        tracing::info!(actor = %account.uri.as_deref().unwrap_or_default(), "boost undone");
        ctx.dispatch(Outcome::of(Event::Unreblogged {
            reblog: reblog.id,
            original,
            account: account.id,
        }));
    }
    Ok(())
}

/// A remote post arrives (in a Create) or is fetched from its origin (a reply's
/// ancestor, a boost's original). Every one is stored through the inbox's
/// group-commit writer (federation/intake.rs), and what follows a new one is what
/// follows a post made here.
pub async fn receive_post(ctx: &AppContext, post: ReceivedPost) -> Result<Received> {
    let author = post.form.account_id;
    let mentioned = post.mentions.clone();
    let create = post.activity_uri.clone();
    let content = post.form.content.clone();
    let has_images = post.media.iter().any(|m| m.kind == "image");
    let received = ctx.posts.store(post).await?;
    if let Received::New(status) = received {
        ctx.dispatch(Outcome::of(Event::PostCreated { status, author }));
        super::cards::attach_later(ctx, status, &content);
        if has_images {
            super::media_cache::cache_later(ctx, status);
        }
        // A member's post to a group hosted here goes to all its members.
        crate::services::groups::relay_new_post(
            ctx,
            status,
            author,
            Some(&mentioned),
            create.as_deref(),
        )
        .await;
    }
    Ok(received)
}
