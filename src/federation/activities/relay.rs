//! Relays (FEP-ae0c): the `Follow` and `Undo{Follow}` our instance actor sends to
//! subscribe and leave, and what a relay sends us.
//!
//! A Mastodon-style relay is followed as `Follow{as:Public}` at its inbox and
//! forwards the `Create`s it gets (re-signed by itself: the inbox fetches those from
//! their origin). A LitePub-style relay (and activityrelay, whatever the style) is
//! followed as its actor and `Announce`s what it relays, usually by the post's id.
//! Either way a relay's word proves nothing about the post: it is fetched from its
//! origin and stored as a received post, never as the relay's boost.

use super::{create_note::store_post, outgoing};
use crate::{
    context::AppContext,
    db::{accounts::Account, relays::Relay, statuses::Status},
    error::{Error, ErrorKind, Result},
    federation::{
        fetch,
        objects::note::{incoming_note, is_public_address, same_host},
        protocol::{
            activities::{self as protocol, EmbeddedFollow},
            activity::OutgoingActivity,
            context::PUBLIC,
            helpers::{id_of, ids_of},
            note::STORED_TYPES,
        },
    },
};
use serde_json::Value;

/// What our instance actor follows: `as:Public` for a Mastodon-style relay, the
/// relay's actor otherwise.
fn followed(relay: &Relay) -> String {
    match relay.style.as_str() {
        "mastodon" => PUBLIC.to_string(),
        _ => relay.actor_uri.clone().unwrap_or_else(|| relay.url.clone()),
    }
}

fn embedded_follow(ctx: &AppContext, relay: &Relay, follow_uri: &str) -> EmbeddedFollow {
    EmbeddedFollow {
        id: follow_uri.to_string(),
        kind: "Follow",
        actor: ctx.urls.instance_actor(),
        object: followed(relay),
    }
}

/// Addressed to the relay's actor when we know it (LitePub relays read `to`).
fn audience(relay: &Relay) -> Vec<String> {
    relay.actor_uri.clone().into_iter().collect()
}

pub fn build_follow(ctx: &AppContext, relay: &Relay, follow_uri: &str) -> OutgoingActivity {
    outgoing(
        "Follow",
        follow_uri.to_string(),
        ctx.urls.instance_actor(),
        Value::String(followed(relay)),
        audience(relay),
        vec![],
    )
}

pub fn build_undo(ctx: &AppContext, relay: &Relay, follow_uri: &str) -> OutgoingActivity {
    outgoing(
        "Undo",
        format!("{follow_uri}/undo"),
        ctx.urls.instance_actor(),
        embedded_follow(ctx, relay, follow_uri),
        audience(relay),
        vec![],
    )
}

/// Our instance actor's Accept of a relay's Follow of it (`follow_id`).
pub fn build_accept_follow_back(
    ctx: &AppContext,
    relay_actor: &str,
    follow_id: &str,
) -> OutgoingActivity {
    outgoing(
        "Accept",
        format!(
            "{}#accepts/{}",
            ctx.urls.instance_actor(),
            crate::db::new_id()
        ),
        ctx.urls.instance_actor(),
        EmbeddedFollow {
            id: follow_id.to_string(),
            kind: "Follow",
            actor: relay_actor.to_string(),
            object: ctx.urls.instance_actor(),
        },
        vec![relay_actor.to_string()],
        vec![],
    )
}

/// Whether `actor` is a relay that accepted our subscription. People never are,
/// which spares the question for every boost.
pub async fn is_relay(ctx: &AppContext, actor: &Account) -> Result<bool> {
    if actor.is_local() || actor.actor_type == "Person" {
        return Ok(false);
    }
    match actor.uri.as_deref() {
        Some(uri) => is_relay_id(ctx, uri).await,
        None => Ok(false),
    }
}

/// Whether the actor `uri` is a relay that accepted our subscription.
pub async fn is_relay_id(ctx: &AppContext, uri: &str) -> Result<bool> {
    let mut conn = ctx.pool.get().await?;
    Ok(crate::db::relays::is_accepted_actor(&mut conn, uri).await?)
}

/// An `Announce` from a relay: the post it names (directly, or as the object of an
/// embedded activity) is fetched from its origin and stored as received, so hashtag
/// timelines, followed hashtags and search see it. The relay does not boost it.
pub async fn receive_announce(
    ctx: &AppContext,
    relay: &Account,
    activity: protocol::Announce,
) -> Result<()> {
    let relay_id = relay.uri.as_deref().unwrap_or_default();
    let post_id = match &activity.embedded {
        Value::Object(map) if map.contains_key("object") && map.contains_key("actor") => {
            // An embedded activity (a Create): only the id of what it creates counts.
            map.get("object").and_then(id_of)
        }
        other => id_of(other),
    }
    .ok_or_else(|| Error::bad_request("the relayed Announce names no post"))?;
    store_relayed(ctx, relay_id, &post_id).await
}

/// The post `post_id` as its origin serves it, stored unless we have it, it is not
/// public, or it is ours.
pub async fn store_relayed(ctx: &AppContext, relay_id: &str, post_id: &str) -> Result<()> {
    if ctx.urls.is_ours(post_id) {
        tracing::debug!(post = %post_id, relay = %relay_id, "our own post relayed back; acknowledged");
        return Ok(());
    }
    {
        let mut conn = ctx.pool.get().await?;
        if Status::find_by_uri(&mut conn, post_id).await?.is_some() {
            tracing::debug!(post = %post_id, relay = %relay_id, "relayed post already here");
            return Ok(());
        }
    }
    let value = fetch::fetch_object(ctx, post_id).await?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !STORED_TYPES.contains(&kind) {
        tracing::info!(post = %post_id, kind, relay = %relay_id, "relayed object of a kind we do not store ignored");
        return Ok(());
    }
    let public = ["to", "cc"]
        .iter()
        .any(|f| ids_of(&value[*f]).iter().any(|a| is_public_address(a)));
    if !public {
        tracing::info!(post = %post_id, relay = %relay_id, "relayed post that is not public ignored");
        return Ok(());
    }
    let author_id = value
        .get("attributedTo")
        .and_then(|a| match a {
            Value::Array(items) => items.iter().find_map(id_of),
            other => id_of(other),
        })
        .ok_or_else(|| Error::bad_request("the relayed post names no author"))?;
    if !same_host(&author_id, post_id) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "the relayed post and its author are on different hosts",
        ));
    }
    let author = fetch::resolve_actor(ctx, &author_id).await?;
    if author.suspended_at.is_some() {
        tracing::info!(post = %post_id, relay = %relay_id, "relayed post of a suspended account ignored");
        return Ok(());
    }
    let post = incoming_note(&value, &author, None, &ctx.urls)?;
    let id = store_post(ctx, post).await?;
    tracing::info!(post = %post_id, status = %id, relay = %relay_id, "relayed post stored");
    Ok(())
}

/// A `Delete` a relay passed on as its author sent it (signed by the relay, so its
/// word alone deletes nothing): the post goes if its origin no longer serves it.
/// The author's own Delete reaches only servers it knows of, and a relayed post's
/// author does not know us.
pub async fn receive_passed_on_delete(
    ctx: &AppContext,
    actor_id: &str,
    object: &Value,
) -> Result<()> {
    let Some(object_id) = id_of(object) else {
        return Ok(());
    };
    if object_id == actor_id || !same_host(&object_id, actor_id) {
        return Ok(());
    }
    let status = {
        let mut conn = ctx.pool.get().await?;
        Status::find_by_uri(&mut conn, &object_id).await?
    };
    let Some(status) = status else {
        return Ok(());
    };
    match fetch::fetch_object(ctx, &object_id).await {
        Err(e) if fetch::missing_kind(&e) == fetch::Missing::Gone => {}
        _ => {
            tracing::info!(post = %object_id, "Delete passed on by a relay, but the post is still at its origin; kept");
            return Ok(());
        }
    }
    let author = fetch::resolve_actor(ctx, actor_id).await?;
    if status.account_id != author.id {
        return Ok(());
    }
    crate::services::statuses::delete_received(ctx, &author, &status).await
}
