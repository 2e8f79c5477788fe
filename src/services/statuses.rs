//! Posting, editing, deleting, favouriting and boosting. Every change and the
//! deliveries announcing it are written in one transaction.

use crate::{
    content::{self, ResolvedMention},
    context::AppContext,
    db::{
        accounts::Account,
        idempotency,
        statuses::{Status, StatusEditForm, StatusInsertForm, Visibility},
        AccountId, StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::{
        activities::{self, announce, create_note, delete, inbox_of, like, undo},
        fetch,
        objects::note::{actor_id, profile_url, status_uri},
    },
};
use super::visibility::visible_status;
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
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
}

fn check_text(text: &str, spoiler: &str, language: Option<&str>) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::new(ErrorKind::BadRequest, "the post is empty"));
    }
    if text.chars().count() > MAX_CHARS {
        return Err(Error::new(ErrorKind::BadRequest, format!("the post is longer than {MAX_CHARS} characters")));
    }
    if spoiler.chars().count() > MAX_SPOILER_CHARS {
        return Err(Error::new(ErrorKind::BadRequest, format!("the content warning is longer than {MAX_SPOILER_CHARS} characters")));
    }
    if let Some(l) = language {
        if l.is_empty() || l.len() > 16 || !l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(Error::new(ErrorKind::BadRequest, "the language must be a code such as en or pt-BR"));
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
            None => crate::services::accounts::find_local_account(&ctx.pool, &m.username).await.ok(),
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
                profile_url: profile_url(&a, &ctx.urls),
                actor_id: actor_id(&a, &ctx.urls),
            });
            if !accounts.iter().any(|b| b.id == a.id) {
                accounts.push(a);
            }
        }
    }
    (resolved, accounts)
}

pub async fn post(ctx: &AppContext, author: &Account, new: NewPost) -> Result<Status> {
    post_once(ctx, author, new, None).await
}

/// Posts unless `idempotency_key` (the app's `Idempotency-Key`) already made a post
/// within the hour, in which case that post is the answer and nothing is posted or
/// delivered again.
#[tracing::instrument(skip_all, fields(author = %author.username))]
pub async fn post_once(ctx: &AppContext, author: &Account, new: NewPost, idempotency_key: Option<String>) -> Result<Status> {
    if let Some(key) = &idempotency_key {
        if let Some(first) = post_with_key(ctx, author, key).await? {
            return Ok(first);
        }
    }
    check_text(&new.text, &new.spoiler_text, new.language.as_deref())?;
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
        parent_uri = parent_author.as_ref().map(|a| status_uri(parent, a, &ctx.urls));
        // The replied-to author is addressed like a mention, as Mastodon does.
        if let Some(a) = parent_author.filter(|a| a.id != author.id && !mentioned.iter().any(|m| m.id == a.id)) {
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
    let status = conn
        .transaction::<_, Error, _>(async |conn| {
            let status = Status::insert(conn, &form).await?;
            if let Some(key) = &key {
                idempotency::expire(conn).await?;
                if !idempotency::claim(conn, author.id, key, status.id).await? {
                    // A request with the same key got there first: undo ours, answer with theirs.
                    return Err(Error::new(ErrorKind::Conflict, IDEMPOTENT_REPEAT));
                }
            }
            Status::set_mentions(conn, status.id, &mentioned_ids).await?;
            Status::set_tags(conn, status.id, &tags).await?;
            let (activity, inboxes) = create_note::build(conn, ctx, &status, author, "Create").await?;
            activities::queue(conn, ctx, author, &activity, inboxes).await?;
            Ok(status)
        })
        .await;
    let status = match (status, &idempotency_key) {
        (Err(e), Some(key)) if e.message == IDEMPOTENT_REPEAT => {
            let first = post_with_key(ctx, author, key).await?;
            return first.ok_or_else(|| Error::new(ErrorKind::Conflict, "a post with this Idempotency-Key is being made; retry"));
        }
        (other, _) => other?,
    };
    ctx.deliveries_queued();
    tracing::info!(status = %status.id, visibility = new.visibility.as_str(), "posted");
    Ok(status)
}

const IDEMPOTENT_REPEAT: &str = "repeated Idempotency-Key";

/// The post `author` made with `key` within the hour, if any.
async fn post_with_key(ctx: &AppContext, author: &Account, key: &str) -> Result<Option<Status>> {
    let mut conn = ctx.pool.get().await?;
    match idempotency::find(&mut conn, author.id, key).await? {
        Some(id) => Ok(Status::find(&mut conn, id).await?.filter(|s| s.deleted_at.is_none())),
        None => Ok(None),
    }
}

async fn own_status(conn: &mut AsyncPgConnection, author: &Account, id: StatusId) -> Result<Status> {
    let status = Status::find(conn, id).await?.filter(|s| s.deleted_at.is_none() && s.reblog_of_id.is_none()).ok_or_else(|| Error::not_found("no such post"))?;
    if status.account_id != author.id {
        return Err(Error::new(ErrorKind::Forbidden, "only the author can change a post"));
    }
    Ok(status)
}

#[tracing::instrument(skip_all, fields(author = %author.username, status = %id))]
pub async fn edit(ctx: &AppContext, author: &Account, id: StatusId, edit: PostEdit) -> Result<Status> {
    check_text(&edit.text, &edit.spoiler_text, edit.language.as_deref())?;
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
    let status = conn
        .transaction::<_, Error, _>(async |conn| {
            // Those mentioned before the edit hear of it too.
            let before: Vec<String> = Status::mentioned_accounts(conn, status.id).await?.iter().filter_map(inbox_of).collect();
            let status = Status::edit(conn, status.id, &form).await?;
            Status::set_mentions(conn, status.id, &mentioned_ids).await?;
            Status::set_tags(conn, status.id, &tags).await?;
            let (activity, mut inboxes) = create_note::build(conn, ctx, &status, author, "Update").await?;
            inboxes.extend(before);
            activities::queue(conn, ctx, author, &activity, inboxes).await?;
            Ok(status)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(status)
}

#[tracing::instrument(skip_all, fields(author = %author.username, status = %id))]
pub async fn delete(ctx: &AppContext, author: &Account, id: StatusId) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let status = own_status(&mut conn, author, id).await?;
    conn.transaction::<_, Error, _>(async |conn| {
        // Everyone who got the post hears it is gone: work out who before it goes.
        let (created, inboxes) = create_note::build(conn, ctx, &status, author, "Create").await?;
        let note_id = created.object["id"].as_str().unwrap_or_default().to_string();
        Status::mark_deleted(conn, status.id).await?;
        let mut activity = delete::build(ctx, author, &note_id);
        activity.to = created.to.clone();
        activity.cc = created.cc.clone();
        activities::queue(conn, ctx, author, &activity, inboxes).await?;
        Ok(())
    })
    .await?;
    ctx.deliveries_queued();
    Ok(())
}

pub async fn favourite(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, account, id).await?;
    let author = Account::find(&mut conn, status.account_id).await?.ok_or_else(|| Error::not_found("no such post"))?;
    conn.transaction::<_, Error, _>(async |conn| {
        let like_id = crate::db::new_id();
        let uri = ctx.urls.activity(&account.username, "likes", like_id);
        if Status::favourite(conn, account.id, status.id, Some(&uri)).await? && !author.is_local() {
            let activity = like::build(ctx, account, like_id, &status_uri(&status, &author, &ctx.urls), &actor_id(&author, &ctx.urls));
            activities::queue(conn, ctx, account, &activity, inbox_of(&author)).await?;
        }
        Ok(())
    })
    .await?;
    ctx.deliveries_queued();
    Ok(status)
}

pub async fn unfavourite(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let status = Status::find(&mut conn, id).await?.ok_or_else(|| Error::not_found("no such post"))?;
    let author = Account::find(&mut conn, status.account_id).await?.ok_or_else(|| Error::not_found("no such post"))?;
    conn.transaction::<_, Error, _>(async |conn| {
        let Some(uri) = Status::favourite_uri(conn, account.id, status.id).await? else { return Ok(()) };
        Status::unfavourite(conn, account.id, status.id).await?;
        if !author.is_local() {
            let like_id = uri.as_deref().and_then(|u| u.rsplit('/').next()).and_then(|s| s.parse().ok()).unwrap_or(0);
            let mut liked = like::build(ctx, account, like_id, &status_uri(&status, &author, &ctx.urls), &actor_id(&author, &ctx.urls));
            if let Some(uri) = uri {
                liked.id = uri;
            }
            activities::queue(conn, ctx, account, &undo::build(ctx, account, &liked), inbox_of(&author)).await?;
        }
        Ok(())
    })
    .await?;
    ctx.deliveries_queued();
    Ok(status)
}

pub async fn reblog(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let original = visible_status(&mut conn, account, id).await?;
    let original = match original.reblog_of_id {
        Some(inner) => visible_status(&mut conn, account, inner).await?,
        None => original,
    };
    if original.visibility() > Visibility::Unlisted {
        return Err(Error::new(ErrorKind::Forbidden, "followers-only and direct posts cannot be boosted"));
    }
    let author = Account::find(&mut conn, original.account_id).await?.ok_or_else(|| Error::not_found("no such post"))?;
    let reblog = conn
        .transaction::<_, Error, _>(async |conn| {
            if let Some(existing) = Status::find_reblog(conn, account.id, original.id).await? {
                return Ok(existing);
            }
            let form = StatusInsertForm {
                id: StatusId::generate(),
                account_id: account.id,
                uri: None,
                url: None,
                content: String::new(),
                spoiler_text: String::new(),
                sensitive: false,
                visibility: Visibility::Public as i16,
                language: None,
                in_reply_to_id: None,
                in_reply_to_uri: None,
                in_reply_to_account_id: None,
                reblog_of_id: Some(original.id),
                local: true,
                text: None,
                object_type: "Note".into(),
                title: None,
                created_at: chrono::Utc::now(),
            };
            let reblog = Status::insert(conn, &form).await?;
            let activity = announce::build(ctx, account, &reblog, &status_uri(&original, &author, &ctx.urls), &author);
            let mut inboxes = crate::db::follows::Follow::follower_inboxes(conn, account.id).await?;
            inboxes.extend(inbox_of(&author));
            activities::queue(conn, ctx, account, &activity, inboxes).await?;
            Ok(reblog)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(reblog)
}

pub async fn unreblog(ctx: &AppContext, account: &Account, id: StatusId) -> Result<Status> {
    let mut conn = ctx.pool.get().await?;
    let original = Status::find(&mut conn, id).await?.ok_or_else(|| Error::not_found("no such post"))?;
    let original = match original.reblog_of_id {
        Some(inner) => Status::find(&mut conn, inner).await?.ok_or_else(|| Error::not_found("no such post"))?,
        None => original,
    };
    let author = Account::find(&mut conn, original.account_id).await?.ok_or_else(|| Error::not_found("no such post"))?;
    conn.transaction::<_, Error, _>(async |conn| {
        let Some(reblog) = Status::find_reblog(conn, account.id, original.id).await? else { return Ok(()) };
        let announced = announce::build(ctx, account, &reblog, &status_uri(&original, &author, &ctx.urls), &author);
        Status::delete_row(conn, reblog.id).await?;
        let mut inboxes = crate::db::follows::Follow::follower_inboxes(conn, account.id).await?;
        inboxes.extend(inbox_of(&author));
        activities::queue(conn, ctx, account, &undo::build(ctx, account, &announced), inboxes).await?;
        Ok(())
    })
    .await?;
    ctx.deliveries_queued();
    Ok(original)
}
