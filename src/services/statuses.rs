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

/// A post a local account may reply to, boost or favourite: not deleted, and visible to it.
pub async fn visible_status(conn: &mut AsyncPgConnection, viewer: &Account, id: StatusId) -> Result<Status> {
    let status = Status::find(conn, id).await?.filter(|s| s.deleted_at.is_none()).ok_or_else(|| Error::not_found("no such post"))?;
    if status.visibility() >= Visibility::Private && status.account_id != viewer.id {
        let mentioned = Status::mentioned_accounts(conn, status.id).await?.iter().any(|a| a.id == viewer.id);
        let follows = status.visibility() == Visibility::Private
            && crate::db::follows::Follow::find(conn, viewer.id, status.account_id).await?.is_some_and(|f| f.accepted);
        if !mentioned && !follows {
            return Err(Error::not_found("no such post"));
        }
    }
    Ok(status)
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

/// One of our posts with what it takes to show it.
pub struct PostView {
    pub status: Status,
    pub author: Account,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
    pub in_reply_to: Option<String>,
}

/// A local post for a reader: `viewer` is the remote actor that signed the fetch,
/// if any. Followers-only and direct posts are shown only to those allowed to see
/// them; others get "not found", as if the post did not exist. A deleted post is Gone.
pub async fn local_post(ctx: &AppContext, username: &str, id: StatusId, viewer: Option<AccountId>) -> Result<PostView> {
    let author = crate::services::accounts::find_local_account(&ctx.pool, username).await?;
    let mut conn = ctx.pool.get().await?;
    let status = Status::find(&mut conn, id)
        .await?
        .filter(|s| s.account_id == author.id && s.local && s.reblog_of_id.is_none())
        .ok_or_else(|| Error::not_found("no such post"))?;
    if status.deleted_at.is_some() {
        return Err(Error::new(ErrorKind::Gone, "this post was deleted"));
    }
    let mentioned = Status::mentioned_accounts(&mut conn, status.id).await?;
    if status.visibility() >= Visibility::Private {
        let allowed = match viewer {
            None => false,
            Some(v) if v == author.id => true,
            Some(v) => {
                mentioned.iter().any(|a| a.id == v)
                    || (status.visibility() == Visibility::Private
                        && crate::db::follows::Follow::find(&mut conn, v, author.id).await?.is_some_and(|f| f.accepted))
            }
        };
        if !allowed {
            return Err(Error::not_found("no such post"));
        }
    }
    let tags = Status::tags(&mut conn, status.id).await?;
    let in_reply_to = match status.in_reply_to_id {
        Some(parent_id) => match Status::find(&mut conn, parent_id).await? {
            Some(parent) => Account::find(&mut conn, parent.account_id).await?.map(|a| status_uri(&parent, &a, &ctx.urls)),
            None => status.in_reply_to_uri.clone(),
        },
        None => status.in_reply_to_uri.clone(),
    };
    Ok(PostView { status, author, mentioned, tags, in_reply_to })
}

/// A page of an account's public posts and boosts for its outbox, with what each needs.
pub async fn outbox(ctx: &AppContext, author: &Account, max_id: Option<StatusId>, limit: i64) -> Result<(i64, Vec<(Status, Option<(Status, Account)>, Vec<Account>, Vec<String>)>)> {
    let mut conn = ctx.pool.get().await?;
    let total = Status::count_outbox(&mut conn, author.id).await?;
    let mut items = Vec::new();
    for status in Status::outbox_page(&mut conn, author.id, max_id, limit).await? {
        let boosted = match status.reblog_of_id {
            Some(id) => match Status::find(&mut conn, id).await? {
                Some(original) => Account::find(&mut conn, original.account_id).await?.map(|a| (original, a)),
                None => None,
            },
            None => None,
        };
        let mentioned = Status::mentioned_accounts(&mut conn, status.id).await?;
        let tags = Status::tags(&mut conn, status.id).await?;
        items.push((status, boosted, mentioned, tags));
    }
    Ok((total, items))
}

/// A post as a reader sees it: with its author, what it mentions, its counts, the
/// boosted post if it is a boost, and what the viewer did with it.
#[derive(Clone)]
pub struct StatusView {
    pub status: Status,
    pub author: Account,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
    pub replies: i64,
    pub favourites: i64,
    pub reblogs: i64,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub reblog: Option<Box<StatusView>>,
}

pub async fn view(conn: &mut AsyncPgConnection, status: Status, viewer: Option<&Account>) -> Result<StatusView> {
    views(conn, vec![status], viewer).await?.pop().ok_or_else(|| Error::not_found("no such post"))
}

/// Views of a page of posts, in the order given, loaded with a fixed number of
/// queries (boosted posts, accounts, mentions, hashtags, counts) whatever the page's
/// length. A post whose author is gone is left out.
pub async fn views(conn: &mut AsyncPgConnection, statuses: Vec<Status>, viewer: Option<&Account>) -> Result<Vec<StatusView>> {
    use crate::db::status_batch;
    use std::collections::HashMap;
    let boosted_ids: Vec<StatusId> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
    let boosted: HashMap<StatusId, Status> = status_batch::statuses(conn, &boosted_ids).await?.into_iter().map(|s| (s.id, s)).collect();
    let mut ids: Vec<StatusId> = statuses.iter().map(|s| s.id).chain(boosted.keys().copied()).collect();
    ids.sort();
    ids.dedup();
    let mut account_ids: Vec<AccountId> = statuses.iter().chain(boosted.values()).map(|s| s.account_id).collect();
    account_ids.sort();
    account_ids.dedup();
    let accounts: HashMap<AccountId, Account> = status_batch::accounts(conn, &account_ids).await?.into_iter().map(|a| (a.id, a)).collect();
    let mut mentioned: HashMap<StatusId, Vec<Account>> = HashMap::new();
    for (id, a) in status_batch::mentioned(conn, &ids).await? {
        mentioned.entry(id).or_default().push(a);
    }
    let mut tags: HashMap<StatusId, Vec<String>> = HashMap::new();
    for (id, t) in status_batch::tags(conn, &ids).await? {
        tags.entry(id).or_default().push(t);
    }
    let counts: HashMap<i64, status_batch::Counts> =
        status_batch::counts(conn, &ids, viewer.map(|v| v.id)).await?.into_iter().map(|c| (c.id, c)).collect();
    let build = |status: Status| -> Option<StatusView> {
        let author = accounts.get(&status.account_id)?.clone();
        let c = counts.get(&status.id.0).cloned().unwrap_or_default();
        Some(StatusView {
            author,
            mentioned: mentioned.get(&status.id).cloned().unwrap_or_default(),
            tags: tags.get(&status.id).cloned().unwrap_or_default(),
            replies: c.replies,
            favourites: c.favourites,
            reblogs: c.reblogs,
            favourited: c.favourited,
            reblogged: c.reblogged,
            bookmarked: c.bookmarked,
            reblog: None,
            status,
        })
    };
    let mut out = Vec::with_capacity(statuses.len());
    for status in statuses {
        let inner = status.reblog_of_id.and_then(|id| boosted.get(&id).cloned()).and_then(build).map(Box::new);
        if let Some(mut v) = build(status) {
            v.reblog = inner;
            out.push(v);
        }
    }
    Ok(out)
}

/// A post by id, if `viewer` may see it.
/// A post by its URL, fetched from its server when not stored yet; `None` when it
/// cannot be had or the viewer may not see it.
pub async fn resolve_url(ctx: &AppContext, viewer: &Account, url: &str) -> Result<Option<StatusView>> {
    match crate::federation::activities::create_note::resolve_post(ctx, url).await {
        Some(id) => match get(ctx, viewer, id).await {
            Ok(view) => Ok(Some(view)),
            Err(e) if e.kind == crate::error::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

pub async fn get(ctx: &AppContext, viewer: &Account, id: StatusId) -> Result<StatusView> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    view(&mut conn, status, Some(viewer)).await
}

/// The home timeline: posts and boosts by the viewer and the accounts it follows,
/// plus posts that mention it, newest first.
pub async fn home(ctx: &AppContext, viewer: &Account, page: crate::db::pagination::Page) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let statuses = crate::db::timelines::home(&mut conn, viewer.id, page).await?;
    views(&mut conn, statuses, Some(viewer)).await
}

/// A post's thread: the posts above it (oldest first) and the replies below it.
pub async fn context(ctx: &AppContext, viewer: &Account, id: StatusId) -> Result<(Vec<StatusView>, Vec<StatusView>)> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    let mut ancestors = Vec::new();
    let mut parent = status.in_reply_to_id;
    while let Some(p) = parent.filter(|_| ancestors.len() < 40) {
        match visible_status(&mut conn, viewer, p).await {
            Ok(s) => {
                parent = s.in_reply_to_id;
                ancestors.push(s);
            }
            Err(_) => break,
        }
    }
    ancestors.reverse();
    let mut descendants = Vec::new();
    let mut queue = vec![status.id];
    while let Some(p) = queue.pop() {
        for child in Status::replies(&mut conn, p).await? {
            if descendants.len() >= 200 {
                break;
            }
            if visible_status(&mut conn, viewer, child.id).await.is_ok() {
                queue.push(child.id);
                descendants.push(child);
            }
        }
    }
    descendants.sort_by_key(|s| s.id);
    Ok((views(&mut conn, ancestors, Some(viewer)).await?, views(&mut conn, descendants, Some(viewer)).await?))
}
