//! `Announce`: Mastodon's boost of a post, and a group relaying an activity to its
//! members (FEP-1b12, as Lemmy, Mbin and PieFed communities do).
//!
//! A group's `Announce` carries the activity of one of its members (`Create` of a
//! post or comment, `Update`, `Delete`, `Like`, `Dislike`, `Undo`), embedded or by
//! id. The group's signature speaks only for its own host: an inner activity from
//! another host is believed as its origin serves it. It is then handled as that
//! member's own activity; a new top-level post also becomes the group's boost, so it
//! shows in home as Mastodon shows a followed group's posts.

use super::{create_note::store_post, outgoing};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::Follow,
        statuses::{Status, Visibility},
        StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::{
        fetch::{self, Missing},
        objects::note::{incoming_note, same_host, visibility_of},
        protocol::{
            activities::{self as protocol, Activity},
            activity::{IncomingActivity, OutgoingActivity},
            context::PUBLIC,
            helpers::id_of,
        },
    },
    services,
};
use serde_json::Value;

/// Activity types a group may relay. Anything with one of these types in an
/// Announce's `object` is an activity, not a boosted post.
const ACTIVITY_TYPES: [&str; 18] = [
    "Create",
    "Update",
    "Delete",
    "Like",
    "Dislike",
    "Undo",
    "Remove",
    "Add",
    "Lock",
    "Block",
    "Flag",
    "Follow",
    "Accept",
    "Reject",
    "Announce",
    "Move",
    "EmojiReact",
    "Join",
];

/// What we act on when a group relays it; the rest is acknowledged unread.
const ACTED_ON: [&str; 5] = ["Create", "Update", "Delete", "Like", "Undo"];

fn is_activity(value: &Value) -> bool {
    value
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| ACTIVITY_TYPES.contains(&t))
}

pub fn build(
    ctx: &AppContext,
    booster: &Account,
    reblog: &Status,
    original_uri: &str,
    original_author: &Account,
) -> OutgoingActivity {
    let mut activity = outgoing(
        "Announce",
        format!("{}/activity", ctx.urls.status(&booster.username, reblog.id)),
        ctx.urls.actor(&booster.username),
        Value::String(original_uri.to_string()),
        vec![PUBLIC.to_string()],
        vec![
            ctx.urls.actor_id(original_author),
            ctx.urls.followers(&booster.username),
        ],
    );
    activity.published = Some(reblog.created_at);
    activity
}

/// Whom a group hosted here addresses what it relays: everyone (`Public`, its
/// members in `cc`), or for a members-only group its members alone; and the author.
pub fn group_audience(
    ctx: &AppContext,
    group: &Account,
    author: Option<&Account>,
    members_only: bool,
) -> (Vec<String>, Vec<String>) {
    let followers = ctx.urls.followers(&group.username);
    let mut cc: Vec<String> = author
        .filter(|a| a.id != group.id)
        .map(|a| ctx.urls.actor_id(a))
        .into_iter()
        .collect();
    if members_only {
        return (vec![followers], cc);
    }
    cc.push(followers);
    (vec![PUBLIC.to_string()], cc)
}

/// A group hosted here boosting a member's post (what Mastodon shows).
pub fn build_group(
    ctx: &AppContext,
    group: &Account,
    reblog: &Status,
    original_uri: &str,
    author: &Account,
    members_only: bool,
) -> OutgoingActivity {
    let (to, cc) = group_audience(ctx, group, Some(author), members_only);
    let mut activity = outgoing(
        "Announce",
        format!("{}/activity", ctx.urls.status(&group.username, reblog.id)),
        ctx.urls.actor(&group.username),
        Value::String(original_uri.to_string()),
        to,
        cc,
    );
    activity.published = Some(reblog.created_at);
    activity
}

/// A tag actor announcing a post that carries its hashtag (services::tag_actors),
/// addressed as Mastodon addresses a boost: to everyone, its followers and the
/// author in `cc`. The id is derived from the post, so the `Undo` sent when the post
/// is deleted names the same Announce.
pub fn build_tag(
    ctx: &AppContext,
    tag_actor: &Account,
    status: StatusId,
    post_uri: &str,
    author: Option<String>,
) -> OutgoingActivity {
    let mut cc = vec![ctx.urls.followers(&tag_actor.username)];
    cc.extend(author);
    let mut activity = outgoing(
        "Announce",
        ctx.urls.activity(&tag_actor.username, "announces", status),
        ctx.urls.actor(&tag_actor.username),
        Value::String(post_uri.to_string()),
        vec![PUBLIC.to_string()],
        cc,
    );
    activity.published = Some(chrono::Utc::now());
    activity
}

/// A group hosted here relaying an activity (FEP-1b12): `inner` embedded, or its id.
pub fn build_relay(
    ctx: &AppContext,
    group: &Account,
    id: String,
    inner: impl serde::Serialize,
    to: Vec<String>,
    cc: Vec<String>,
) -> OutgoingActivity {
    outgoing(
        "Announce",
        id,
        ctx.urls.actor(&group.username),
        inner,
        to,
        cc,
    )
}

pub async fn receive(
    ctx: &AppContext,
    actor: &Account,
    activity: protocol::Announce,
) -> Result<()> {
    // A relay's Announce is how it passes a post on, not a boost (FEP-ae0c).
    if super::relay::is_relay(ctx, actor).await? {
        return super::relay::receive_announce(ctx, actor, activity).await;
    }
    if is_activity(&activity.embedded) {
        let inner = activity.embedded.clone();
        return receive_relayed(ctx, actor, &activity, inner, false).await;
    }
    let object_id = activity.object.clone();
    if ctx.urls.is_ours(&object_id) && ctx.urls.local_status(&object_id).is_none() {
        // One of our own activities (a reply of ours, relayed by a group to its
        // members, us among them): we know it already.
        tracing::debug!(object = %object_id, announce = %activity.id, "our own activity relayed back; acknowledged");
        return Ok(());
    }
    let visibility = visibility_of(&activity.to, &activity.cc, actor.followers_url.as_deref());
    // Boosts are public or unlisted; a members-only group relays to its followers.
    if visibility > Visibility::Unlisted && !is_group(actor) {
        return Ok(());
    }
    let original = if let Some((_, id)) = ctx.urls.local_status(&object_id) {
        let mut conn = ctx.pool.get().await?;
        match Status::find(&mut conn, StatusId(id)).await? {
            Some(s) if s.deleted_at.is_none() && s.visibility() <= Visibility::Unlisted => s,
            _ => return Ok(()),
        }
    } else {
        let (known, followed) = {
            let mut conn = ctx.pool.get().await?;
            (
                Status::find_by_uri(&mut conn, &object_id).await?,
                Follow::has_local_follower(&mut conn, actor.id).await?,
            )
        };
        if !followed {
            tracing::debug!(object = %object_id, "boost by someone nobody here follows dropped");
            return Ok(());
        }
        match known {
            Some(s) => s,
            None => {
                // Fetch the boosted post from its origin rather than trust an embedded copy.
                let value = fetch::fetch_object(ctx, &object_id).await?;
                if is_activity(&value) {
                    // A group's Announce naming the activity by id: its origin just served it.
                    return receive_relayed(ctx, actor, &activity, value, true).await;
                }
                let author_id = value
                    .get("attributedTo")
                    .and_then(first_id)
                    .ok_or_else(|| Error::bad_request("boosted post without author"))?;
                if !same_host(&author_id, &object_id) {
                    return Err(Error::new(
                        ErrorKind::Forbidden,
                        "boosted post and its author are on different hosts",
                    ));
                }
                let author = fetch::resolve_actor(ctx, &author_id).await?;
                let post = incoming_note(&value, &author, None, &ctx.urls)?;
                let id = store_post(ctx, post).await?;
                let mut conn = ctx.pool.get().await?;
                Status::find(&mut conn, id)
                    .await?
                    .ok_or_else(|| Error::not_found("the boosted post is gone"))?
            }
        }
    };
    services::statuses::reblog_received(ctx, actor, &original, &activity.id, visibility).await?;
    Ok(())
}

fn is_group(account: &Account) -> bool {
    account.actor_type == "Group"
}

/// `attributedTo` or `actor` as one id; Lemmy and others may send a list.
fn first_id(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items.iter().find_map(id_of),
        other => id_of(other),
    }
}

/// An activity relayed by `group` (FEP-1b12). `from_origin` when it was fetched by
/// its id rather than embedded.
async fn receive_relayed(
    ctx: &AppContext,
    group: &Account,
    announce: &protocol::Announce,
    inner: Value,
    from_origin: bool,
) -> Result<()> {
    let group_id = group.uri.clone().unwrap_or_default();
    let inner_id =
        id_of(&inner).ok_or_else(|| Error::bad_request("the announced activity has no id"))?;
    let kind = inner
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let inner_actor = inner
        .get("actor")
        .and_then(first_id)
        .ok_or_else(|| Error::bad_request(format!("the announced {kind} names no actor")))?;
    if ctx.urls.is_ours(&inner_id) || ctx.urls.is_ours(&inner_actor) {
        tracing::debug!(id = %inner_id, group = %group_id, "our own activity relayed back by a group; acknowledged");
        return Ok(());
    }
    if !ACTED_ON.contains(&kind.as_str()) {
        // Downvotes (none here, as on Mastodon), locks, featured posts, an Announce
        // inside an Announce …: acknowledged so the group stops sending them, and
        // not fetched, since nothing would come of it.
        tracing::debug!(kind = %kind, id = %inner_id, group = %group_id, "activity relayed by a group acknowledged, not acted on");
        return Ok(());
    }
    if !same_host(&inner_id, &inner_actor) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            format!("the announced {kind} {inner_id} is not on its actor's host"),
        ));
    }
    // The group's signature vouches for what its own host says; anything else is
    // taken as its origin serves it.
    let inner = if from_origin || same_host(&inner_actor, &group_id) {
        inner
    } else {
        confirm_at_origin(ctx, inner, &inner_id, &kind, &inner_actor).await?
    };
    let author = fetch::resolve_actor(ctx, &inner_actor).await?;
    if author.suspended_at.is_some() {
        tracing::info!(actor = %inner_actor, group = %group_id, "activity of a suspended account relayed by a group ignored");
        return Ok(());
    }
    let incoming: IncomingActivity = serde_json::from_value(inner)
        .map_err(|e| Error::bad_request(format!("the announced {kind} is not an activity: {e}")))?;
    tracing::debug!(kind = %kind, id = %inner_id, actor = %inner_actor, group = %group_id, "activity relayed by a group");
    match Activity::from_incoming(incoming)? {
        Activity::Create(create) => {
            let object_id = id_of(&create.object).unwrap_or_default();
            let is_top_level = create.object.get("inReplyTo").and_then(id_of).is_none();
            let stored = super::create_note::receive_via(ctx, &author, create, Some(group)).await?;
            // The group's own post is in its followers' home already, as itself.
            if is_top_level && is_group(group) && author.id != group.id {
                let stored = match stored {
                    Some(id) => Some(id),
                    None => {
                        let mut conn = ctx.pool.get().await?;
                        Status::find_by_uri(&mut conn, &object_id)
                            .await?
                            .map(|s| s.id)
                    }
                };
                if let Some(id) = stored {
                    boost_as_group(ctx, group, announce, id).await?;
                }
            }
            Ok(())
        }
        Activity::Delete(delete) if author.uri.as_deref() != Some(delete.object.as_str()) => {
            super::delete::receive_in_group(ctx, &author, group, delete).await
        }
        // Boxed: `dispatch` leads back here (for an Announce, which never reaches it from here).
        activity @ (Activity::Update(_)
        | Activity::Delete(_)
        | Activity::Like(_)
        | Activity::Undo(_)) => Box::pin(super::dispatch(ctx, &author, activity)).await,
        _ => Ok(()),
    }
}

/// The inner activity as its origin serves it, checked to be the same kind by the
/// same actor. A server that does not serve activities by id (404) may still serve
/// the post a Create or Update carries: then that post, attributed to the actor.
async fn confirm_at_origin(
    ctx: &AppContext,
    embedded: Value,
    inner_id: &str,
    kind: &str,
    actor: &str,
) -> Result<Value> {
    let refused = |why: String| {
        Error::new(
            ErrorKind::Forbidden,
            format!("the announced {kind} {inner_id} could not be confirmed at its origin: {why}"),
        )
    };
    match fetch::fetch_object(ctx, inner_id).await {
        Ok(fetched) => {
            let same_kind = fetched.get("type").and_then(Value::as_str) == Some(kind);
            let same_actor = fetched.get("actor").and_then(first_id).as_deref() == Some(actor);
            if !same_kind || !same_actor {
                return Err(refused("its origin serves something else".into()));
            }
            Ok(fetched)
        }
        Err(e)
            if fetch::missing_kind(&e) == Missing::Gone && matches!(kind, "Create" | "Update") =>
        {
            let object_id = embedded
                .get("object")
                .and_then(id_of)
                .ok_or_else(|| refused("it names no object".into()))?;
            if !same_host(&object_id, actor) {
                return Err(refused("its object is on another host".into()));
            }
            let object = fetch::fetch_object(ctx, &object_id)
                .await
                .map_err(|e| match e.kind {
                    ErrorKind::RemoteFailed => e,
                    _ => refused(e.message.clone()),
                })?;
            if object.get("attributedTo").and_then(first_id).as_deref() != Some(actor) {
                return Err(refused(format!(
                    "{object_id} is not attributed to {actor} at its origin"
                )));
            }
            let mut confirmed = embedded;
            confirmed["object"] = object;
            Ok(confirmed)
        }
        // The origin is down or slow: the inbox answers 202 and tries again later.
        Err(e) if e.kind == ErrorKind::RemoteFailed => Err(e),
        Err(e) => Err(refused(e.message)),
    }
}

/// The group's boost of a post in it (one per group and post, whichever of its
/// Announces came first: Lemmy sends `Announce{Create{Page}}` and `Announce{Page}`).
async fn boost_as_group(
    ctx: &AppContext,
    group: &Account,
    announce: &protocol::Announce,
    status: StatusId,
) -> Result<()> {
    let original = {
        let mut conn = ctx.pool.get().await?;
        match Status::find(&mut conn, status).await? {
            Some(s) if s.deleted_at.is_none() => s,
            _ => return Ok(()),
        }
    };
    // As public as both the Announce and the post allow, and never a direct message.
    let visibility = visibility_of(&announce.to, &announce.cc, group.followers_url.as_deref())
        .max(original.visibility())
        .min(Visibility::Private);
    services::statuses::reblog_received(ctx, group, &original, &announce.id, visibility).await?;
    Ok(())
}
