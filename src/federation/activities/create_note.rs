//! `Create` of a post: ours goes to followers, the mentioned and the replied-to;
//! theirs is stored when it matters to someone here, with its missing ancestors.

use super::{inbox_of, outgoing};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::Follow,
        statuses::{ReceivedPost, Status, Visibility},
        AccountId, StatusId,
    },
    error::{Error, Result},
    federation::{
        fetch,
        objects::note::{incoming_note, local_status_to_note, same_host, with_poll, IncomingPost},
        protocol::{
            activities as protocol, activity::OutgoingActivity, helpers::id_of, note::STORED_TYPES,
        },
    },
    services,
};
use diesel_async::AsyncPgConnection;
use serde_json::Value;

/// How far up a thread we fetch missing posts, and how many fetches one incoming
/// reply may cause in all.
pub const MAX_ANCESTOR_DEPTH: usize = 8;
pub const MAX_FETCHES_PER_ACTIVITY: usize = 20;

/// The Create for one of our posts, and the inboxes it goes to.
pub async fn build(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    status: &Status,
    author: &Account,
    kind: &'static str,
) -> Result<(OutgoingActivity, Vec<String>)> {
    let mentioned = Status::mentioned_accounts(conn, status.id).await?;
    let tags = Status::tags(conn, status.id).await?;
    let (in_reply_to, parent_author) = match status.in_reply_to_id {
        Some(parent_id) => match Status::find(conn, parent_id).await? {
            Some(parent) => {
                let parent_author = Account::find(conn, parent.account_id).await?;
                let uri = parent_author
                    .as_ref()
                    .map(|a| ctx.urls.status_uri(&parent, a));
                (uri, parent_author)
            }
            None => (status.in_reply_to_uri.clone(), None),
        },
        None => (status.in_reply_to_uri.clone(), None),
    };
    let media = crate::db::media::Media::of_statuses(conn, &[status.id]).await?;
    let poll = crate::db::polls::Poll::of_status(conn, status.id).await?;
    let emojis = crate::services::emojis::used(
        conn,
        None,
        &[
            status.text.as_deref().unwrap_or(&status.content),
            &status.spoiler_text,
        ],
    )
    .await?;
    let note = with_poll(
        local_status_to_note(
            status,
            author,
            &mentioned,
            &tags,
            &media,
            in_reply_to,
            &ctx.urls,
        ),
        poll.as_ref(),
    );
    let note = crate::federation::objects::note::with_emojis(note, &emojis, &ctx.urls);
    let mut inboxes = Vec::new();
    if status.visibility() != Visibility::Direct {
        inboxes.extend(Follow::follower_inboxes(conn, author.id).await?);
    }
    inboxes.extend(mentioned.iter().filter_map(inbox_of));
    // Public posts reach the wider network through the relays we subscribe to.
    if status.visibility() == Visibility::Public {
        inboxes.extend(services::relays::publishing_inboxes(conn).await?);
    }
    // The author of the post replied to hears of it, as on Mastodon, unless the reply is a direct message to others.
    if let Some(parent_author) = parent_author.filter(|_| status.visibility() != Visibility::Direct)
    {
        inboxes.extend(inbox_of(&parent_author));
    }
    let activity = wrap(ctx, kind, &note, author, status.edited_at)?;
    Ok((activity, inboxes))
}

/// A `Create` (or, with `kind` "Update", an `Update`) carrying one of our notes,
/// addressed as the note is.
pub fn wrap(
    ctx: &AppContext,
    kind: &'static str,
    note: &crate::federation::protocol::note::Note,
    author: &Account,
    edited_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<OutgoingActivity> {
    let id = match kind {
        "Update" => format!(
            "{}#updates/{}",
            note.id,
            edited_at.map(|t| t.timestamp()).unwrap_or_default()
        ),
        _ => format!("{}/activity", note.id),
    };
    let mut activity = outgoing(
        kind,
        id,
        ctx.urls.actor(&author.username),
        note,
        note.to.clone(),
        note.cc.clone(),
    );
    activity.published = Some(edited_at.unwrap_or(note.published));
    Ok(activity)
}

/// Whether someone here follows `account` (remembered, as every post asks).
async fn followed_here(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    account: &Account,
) -> Result<bool> {
    Ok(match ctx.followed.get(account.id) {
        Some(f) => f,
        None => {
            let f = Follow::has_local_follower(conn, account.id).await?;
            ctx.followed.insert(account.id, f);
            f
        }
    })
}

/// Whether an incoming post concerns someone here: its author (or the group that
/// relays it) is followed from here, it mentions or addresses a local account, it
/// replies to a post we have, or it is public with a hashtag someone here follows
/// or a chat here is on.
async fn matters_here(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    author: &Account,
    group: Option<&Account>,
    note: &Value,
    in_reply_to: Option<&str>,
) -> Result<bool> {
    if followed_here(conn, ctx, author).await? {
        return Ok(true);
    }
    if let Some(group) = group {
        if followed_here(conn, ctx, group).await? {
            return Ok(true);
        }
    }
    let mut named: Vec<String> = Vec::new();
    for field in ["to", "cc"] {
        named.extend(crate::federation::protocol::helpers::ids_of(&note[field]));
    }
    // JSON-LD compaction (Fedify's) sends a single tag as an object, not a list.
    let tags: &[Value] = match &note["tag"] {
        Value::Array(items) => items,
        one @ Value::Object(_) => std::slice::from_ref(one),
        _ => &[],
    };
    named.extend(
        tags.iter()
            .filter(|t| t["type"] == "Mention")
            .filter_map(|t| t["href"].as_str().map(str::to_string)),
    );
    if named.iter().any(|n| ctx.urls.local_username(n).is_some()) {
        return Ok(true);
    }
    if let Some(parent) = in_reply_to {
        if ctx.urls.local_status(parent).is_some()
            || Status::find_by_uri(conn, parent).await?.is_some()
        {
            return Ok(true);
        }
    }
    // A public post with a hashtag someone here follows (it goes to their home).
    let public = ["to", "cc"].iter().any(|f| {
        crate::federation::protocol::helpers::ids_of(&note[*f])
            .iter()
            .any(|id| crate::federation::objects::note::is_public_address(id))
    });
    if public {
        let tags: Vec<String> = tags
            .iter()
            .filter(|t| t["type"] == "Hashtag")
            .filter_map(|t| t["name"].as_str())
            .filter_map(crate::services::tags::normalize)
            .take(MAX_TAGS_LOOKED_AT)
            .collect();
        if crate::db::tags::any_followed(conn, &tags).await? {
            return Ok(true);
        }
        // An answer in a hashtag chat hosted here, from someone nobody here follows.
        if crate::services::chats::is_chat_tag(conn, &tags).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// How many of an unsolicited post's hashtags are looked up at most.
const MAX_TAGS_LOOKED_AT: usize = 20;

/// A post found by its URL (a search with `resolve=true`): the stored copy, or fetched
/// from its origin with its ancestors, within the same limits as an incoming reply.
pub async fn resolve_post(ctx: &AppContext, uri: &str) -> Option<StatusId> {
    let mut budget = MAX_FETCHES_PER_ACTIVITY;
    parent_id(ctx, uri, &mut budget).await
}

/// The stored id of the post `uri` replies to, fetching it and its ancestors when
/// missing (within the limits above).
async fn parent_id(ctx: &AppContext, uri: &str, budget: &mut usize) -> Option<StatusId> {
    if let Some((_, id)) = ctx.urls.local_status(uri) {
        let mut conn = ctx.pool.get().await.ok()?;
        return Status::find(&mut conn, StatusId(id))
            .await
            .ok()
            .flatten()
            .filter(|s| s.deleted_at.is_none())
            .map(|s| s.id);
    }
    let mut chain: Vec<String> = vec![uri.to_string()];
    let mut found: Option<StatusId> = None;
    // Walk up until a stored post (or the top, or the limits).
    let mut fetched: Vec<(Value, Account)> = Vec::new();
    let mut next = Some(uri.to_string());
    while let Some(current) = next.take() {
        {
            let mut conn = ctx.pool.get().await.ok()?;
            if let Ok(Some(s)) = Status::find_by_uri(&mut conn, &current).await {
                found = Some(s.id);
                break;
            }
        }
        if ctx.urls.local_status(&current).is_some()
            || fetched.len() >= MAX_ANCESTOR_DEPTH
            || *budget == 0
        {
            break;
        }
        *budget -= 1;
        let value = match fetch::fetch_object(ctx, &current).await {
            Ok(v) => v,
            Err(e) => {
                tracing::info!(post = %current, error = %e, "cannot fetch a reply's ancestor");
                break;
            }
        };
        let Some(author_id) = value.get("attributedTo").and_then(|a| match a {
            Value::Array(items) => items.iter().find_map(id_of),
            other => id_of(other),
        }) else {
            break;
        };
        if !same_host(&author_id, &current) || *budget == 0 {
            break;
        }
        *budget -= 1;
        let Ok(author) = fetch::resolve_actor(ctx, &author_id).await else {
            break;
        };
        next = value
            .get("inReplyTo")
            .and_then(id_of)
            .filter(|p| !chain.contains(p));
        if let Some(p) = &next {
            chain.push(p.clone());
        }
        fetched.push((value, author));
    }
    // Store from the top down, so each post can point at its parent.
    let mut parent = found;
    let mut result = found;
    for (value, author) in fetched.into_iter().rev() {
        let Ok(post) = incoming_note(&value, &author, parent, &ctx.urls) else {
            break;
        };
        match store_post(ctx, post).await {
            Ok(id) => {
                parent = Some(id);
                result = Some(id);
            }
            Err(e) => {
                tracing::info!(error = %e, "cannot store a reply's ancestor");
                break;
            }
        }
    }
    result
}

/// Stores a post fetched from its origin (a reply's ancestor, a boost's original),
/// through the same path as a received one; its stored id (new or not).
pub async fn store_post(ctx: &AppContext, mut post: IncomingPost) -> Result<StatusId> {
    let mentions = {
        let mut conn = ctx.pool.get().await?;
        if post.form.in_reply_to_id.is_none() {
            // A parent of ours is named by its URL, not a stored uri: resolve it here
            // (a remote parent is found by the store itself).
            if let Some((_, id)) = post
                .form
                .in_reply_to_uri
                .as_deref()
                .and_then(|u| ctx.urls.local_status(u))
            {
                post.form.in_reply_to_id =
                    Status::find(&mut conn, StatusId(id)).await?.map(|s| s.id);
            }
        }
        mentioned_accounts(&mut conn, ctx, &post.mentions).await?
    };
    crate::services::emojis::remember(&ctx.pool, &post.emojis).await;
    let received = ReceivedPost {
        activity_uri: None,
        form: post.form,
        mentions,
        tags: post.hashtags,
        media: post.media,
        poll: post.poll,
    };
    services::statuses::receive_post(ctx, received)
        .await?
        .id()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("a fetched post was not stored")))
}

/// The stored accounts among a post's `Mention` hrefs (ours, and remote ones we know).
async fn mentioned_accounts(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    hrefs: &[String],
) -> Result<Vec<AccountId>> {
    let mut ids = Vec::new();
    for href in hrefs {
        let account = match ctx.urls.local_username(href) {
            Some(name) => Account::find_local(conn, name).await?,
            None => Account::find_by_uri(conn, href).await?,
        };
        if let Some(a) = account {
            if !ids.contains(&a.id) {
                ids.push(a.id);
            }
        }
    }
    Ok(ids)
}

pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Create) -> Result<()> {
    receive_via(ctx, actor, activity, None).await.map(|_| ())
}

/// A Create from `actor`, relayed by `group` when a group announced it (FEP-1b12):
/// a post in a followed group matters here though nobody follows its author. The
/// stored post's id, when there is one.
pub async fn receive_via(
    ctx: &AppContext,
    actor: &Account,
    activity: protocol::Create,
    group: Option<&Account>,
) -> Result<Option<StatusId>> {
    receive_from(ctx, actor, activity, group, false).await
}

/// A Create forwarded by a relay we subscribe to, its post already fetched from
/// its origin: stored whether or not it concerns anyone here yet, as relays are
/// how a small instance hears of posts for its hashtag timelines and search.
pub async fn receive_relayed(
    ctx: &AppContext,
    actor: &Account,
    activity: protocol::Create,
) -> Result<Option<StatusId>> {
    receive_from(ctx, actor, activity, None, true).await
}

async fn receive_from(
    ctx: &AppContext,
    actor: &Account,
    activity: protocol::Create,
    group: Option<&Account>,
    relayed: bool,
) -> Result<Option<StatusId>> {
    let actor_id = actor.uri.as_deref().unwrap_or_default();
    let protocol::Create {
        id: activity_id,
        mut object,
    } = activity;
    if let Value::String(id) = &object {
        // Only a link: fetch the post from its origin rather than trust anyone's copy.
        if !same_host(id, actor_id) {
            return Err(Error::new(
                crate::error::ErrorKind::Forbidden,
                "an actor can only create its own posts",
            ));
        }
        object = fetch::fetch_object(ctx, id).await?;
    }
    // A vote on one of our polls is counted, never stored as a reply.
    if let Some((status, poll, choice)) = super::vote::as_vote(ctx, &object).await? {
        return super::vote::receive(ctx, actor, &activity_id, &object, status, poll, choice)
            .await
            .map(|_| None);
    }
    let kind = object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !STORED_TYPES.contains(&kind) {
        tracing::info!(kind, id = %activity_id, "Create of an object kind we do not store ignored");
        return Ok(None);
    }
    let object_id = id_of(&object).unwrap_or_default();
    if !same_host(&object_id, actor_id) || !same_host(&activity_id, actor_id) {
        return Err(Error::new(
            crate::error::ErrorKind::Forbidden,
            "an actor can only create posts on its own host",
        ));
    }
    let in_reply_to = object.get("inReplyTo").and_then(id_of);
    let mut conn = ctx.pool.get().await?;
    if !relayed
        && !matters_here(
            &mut conn,
            ctx,
            actor,
            group,
            &object,
            in_reply_to.as_deref(),
        )
        .await?
    {
        tracing::debug!(id = %object_id, "post that concerns nobody here dropped");
        return Ok(None);
    }
    let public = ["to", "cc"].iter().any(|f| {
        crate::federation::protocol::helpers::ids_of(&object[*f])
            .iter()
            .any(|id| crate::federation::objects::note::is_public_address(id))
    });
    if relayed && !public {
        tracing::info!(id = %object_id, "relayed post that is not public ignored");
        return Ok(None);
    }
    // Validate (and sanitise) before fetching anything.
    let mut post = incoming_note(&object, actor, None, &ctx.urls)?;
    let mut budget = MAX_FETCHES_PER_ACTIVITY;
    if let Some(uri) = &in_reply_to {
        // Fetching ancestors may take a while: give the connection back meanwhile.
        drop(conn);
        post.form.in_reply_to_id = parent_id(ctx, uri, &mut budget).await;
        conn = ctx.pool.get().await?;
    }
    // The parent's author is filled in by the store.
    let mentioned = mentioned_accounts(&mut conn, ctx, &post.mentions).await?;
    drop(conn);
    crate::services::emojis::remember(&ctx.pool, &post.emojis).await;
    let received = ReceivedPost {
        activity_uri: Some(activity_id.clone()),
        form: post.form,
        mentions: mentioned,
        tags: post.hashtags,
        media: post.media,
        poll: post.poll,
    };
    let stored = services::statuses::receive_post(ctx, received).await?;
    if !stored.is_new() {
        tracing::debug!(id = %activity_id, "activity or post already processed");
        return Ok(stored.id());
    }
    // Debug, not info: the request's own line already says the inbox took it, and a
    // busy inbox would otherwise write two lines for every post it receives.
    tracing::debug!(id = %object_id, author = %actor_id, group = %group.and_then(|g| g.uri.as_deref()).unwrap_or_default(), "post stored");
    Ok(stored.id())
}
