//! Relays (FEP-ae0c), managed by admins: subscribing (`staffroom relay add`, the
//! admin pages), leaving, the relay's answer, the inboxes our public posts go to,
//! and per-hashtag relays kept in step with the hashtags teachers here follow or
//! feature. What a relay sends is received in federation/activities/relay.rs.
//!
//! The style is read from the URL the admin gives, as FEP-ae0c describes both:
//! - a URL ending in `/tag/` is the base of per-hashtag relays of FediBuzz's form:
//!   each hashtag followed or featured here is subscribed at `BASE` + `NAME`;
//! - a URL whose document is an actor with that very id (`https://relay.example/actor`)
//!   is a LitePub-style relay: our instance actor follows that actor;
//! - anything else (`https://relay.example/inbox`) is a Mastodon-style relay's
//!   inbox: our instance actor sends it `Follow{as:Public}`.

use crate::{
    context::AppContext,
    db::relays::{self, Relay, RelayInsertForm},
    error::{Error, ErrorKind, Result},
    federation::{activities::relay as wire, delivery, fetch},
    services::{
        events::Outcome,
        roles::{self, Acting, Permission, Target},
    },
};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;

/// Per-hashtag subscriptions one base may hold at most.
pub const MAX_TAG_SUBSCRIPTIONS: usize = 500;

const ACTOR_TYPES: [&str; 5] = ["Application", "Service", "Person", "Group", "Organization"];

/// What an admin sees of a relay.
pub struct Listed {
    pub relay: Relay,
    /// For a base of per-hashtag relays: its subscriptions.
    pub tags: Vec<Relay>,
}

fn target(relay: &Relay) -> Target<'static> {
    Target {
        kind: "relay",
        id: Some(relay.id),
        name: relay.url.clone(),
    }
}

/// The URL as we keep it: trimmed, parsed, an http(s) URL we may contact.
fn checked_url(ctx: &AppContext, raw: &str) -> Result<String> {
    let raw = raw.trim();
    let url = url::Url::parse(raw).map_err(|_| {
        Error::bad_request(format!(
            "{raw:?} is not a URL: give the relay's inbox (https://relay.example/inbox), its actor (https://relay.example/actor) or a per-hashtag base (https://relay.example/tag/)"
        ))
    })?;
    if raw.len() > 2048 {
        return Err(Error::bad_request(
            "the relay's URL is longer than 2048 characters",
        ));
    }
    ctx.client
        .check(&url)
        .map_err(|e| Error::bad_request(e.to_string()))?;
    Ok(url.to_string())
}

fn is_tag_base(url: &str) -> bool {
    url.ends_with("/tag/")
}

/// Subscribes to the relay at `url`. Our Follow is queued; the relay's Accept or
/// Reject sets its state.
#[tracing::instrument(skip(ctx))]
pub async fn add(ctx: &AppContext, acting: &Acting, url: &str) -> Result<Relay> {
    acting.require(Permission::ManageFederation)?;
    let url = checked_url(ctx, url)?;
    {
        let mut conn = ctx.pool.get().await?;
        if relays::find_by_url(&mut conn, &url).await?.is_some() {
            return Err(Error::conflict(format!("{url} is a relay already")));
        }
    }
    if is_tag_base(&url) {
        let relay = {
            let mut conn = ctx.pool.get().await?;
            conn.transaction::<_, Error, _>(async |conn| {
                let relay = relays::insert(
                    conn,
                    &RelayInsertForm {
                        id: crate::db::new_id(),
                        url: &url,
                        style: "tags",
                        inbox_url: None,
                        actor_uri: None,
                        follow_uri: None,
                        state: "accepted",
                        base_id: None,
                        tag: None,
                    },
                )
                .await?;
                roles::audit(conn, acting, "relay_add", &target(&relay), "").await?;
                Ok(relay)
            })
            .await?
        };
        tracing::info!(relay = %url, style = "tags", "relay added");
        sync_tags(ctx).await?;
        return Ok(relay);
    }
    let (style, inbox, actor) = discover(ctx, &url).await?;
    let relay = subscribe(
        ctx,
        Some(acting),
        &url,
        style,
        &inbox,
        actor.as_deref(),
        None,
    )
    .await?;
    tracing::info!(relay = %url, style, inbox = %inbox, "relay added");
    Ok(relay)
}

/// The style, inbox and actor of the relay at `url`.
async fn discover(ctx: &AppContext, url: &str) -> Result<(&'static str, String, Option<String>)> {
    match fetch::fetch_object(ctx, url).await {
        Ok(doc) if is_actor(&doc) => {
            let id = doc["id"].as_str().unwrap_or_default().to_string();
            let inbox = doc["inbox"].as_str().unwrap_or_default().to_string();
            if id == url {
                if !crate::federation::objects::note::same_host(&inbox, &id) {
                    return Err(Error::bad_request(format!(
                        "the relay {url} names an inbox on another host"
                    )));
                }
                Ok(("litepub", inbox, Some(id)))
            } else {
                // Its inbox, which answers with the relay's actor (activityrelay does).
                let actor = crate::federation::objects::note::same_host(&id, url).then_some(id);
                Ok(("mastodon", url.to_string(), actor))
            }
        }
        Ok(_) => Ok(("mastodon", url.to_string(), None)),
        // A Mastodon-style relay's inbox need not answer a GET at all.
        Err(e) if e.kind != ErrorKind::Forbidden => {
            tracing::info!(relay = %url, error = %e, "relay URL not readable; taken as a Mastodon-style inbox");
            Ok(("mastodon", url.to_string(), None))
        }
        Err(e) => Err(Error::bad_request(e.message)),
    }
}

fn is_actor(doc: &Value) -> bool {
    doc["type"]
        .as_str()
        .is_some_and(|t| ACTOR_TYPES.contains(&t))
        && doc["inbox"].is_string()
        && doc["id"].is_string()
}

/// Inserts the relay and queues our Follow in one transaction.
async fn subscribe(
    ctx: &AppContext,
    acting: Option<&Acting>,
    url: &str,
    style: &str,
    inbox: &str,
    actor: Option<&str>,
    tag: Option<(i64, &str)>,
) -> Result<Relay> {
    let id = crate::db::new_id();
    let follow_uri = format!("{}#relays/{id}", ctx.urls.instance_actor());
    let mut conn = ctx.pool.get().await?;
    let (relay, n) = conn
        .transaction::<_, Error, _>(async |conn| {
            let relay = relays::insert(
                conn,
                &RelayInsertForm {
                    id,
                    url,
                    style,
                    inbox_url: Some(inbox),
                    actor_uri: actor,
                    follow_uri: Some(&follow_uri),
                    state: "pending",
                    base_id: tag.map(|(base, _)| base),
                    tag: tag.map(|(_, name)| name),
                },
            )
            .await?;
            let follow = wire::build_follow(ctx, &relay, &follow_uri);
            let n = queue(conn, ctx, &follow, inbox).await?;
            if let Some(acting) = acting {
                roles::audit(conn, acting, "relay_add", &target(&relay), "").await?;
            }
            Ok((relay, n))
        })
        .await?;
    ctx.dispatch(Outcome::default().delivering(n));
    Ok(relay)
}

async fn queue(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    activity: &crate::federation::protocol::activity::OutgoingActivity,
    inbox: &str,
) -> Result<usize> {
    let value = serde_json::to_value(activity).map_err(Error::internal)?;
    delivery::enqueue_from_instance(conn, &ctx.urls, &activity.id, &value, [inbox.to_string()])
        .await
}

/// Leaves the relay at `url` (and, for a per-hashtag base, every subscription of it):
/// `Undo{Follow}` is queued and the relay forgotten.
#[tracing::instrument(skip(ctx))]
pub async fn remove(ctx: &AppContext, acting: &Acting, url: &str) -> Result<Relay> {
    acting.require(Permission::ManageFederation)?;
    let url = url::Url::parse(url.trim())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| url.trim().to_string());
    let mut conn = ctx.pool.get().await?;
    let relay = relays::find_by_url(&mut conn, &url)
        .await?
        .ok_or_else(|| Error::not_found(format!("{url} is not a relay here")))?;
    let n = conn
        .transaction::<_, Error, _>(async |conn| {
            let mut leaving = relays::of_base(conn, relay.id).await?;
            leaving.push(relay.clone());
            let mut n = 0;
            for r in &leaving {
                n += unfollow(conn, ctx, r).await?;
            }
            relays::delete(conn, relay.id).await?;
            roles::audit(conn, acting, "relay_remove", &target(&relay), "").await?;
            Ok(n)
        })
        .await?;
    ctx.dispatch(Outcome::default().delivering(n));
    tracing::info!(relay = %url, "relay removed");
    Ok(relay)
}

/// Queues the Undo of our Follow of `relay` (nothing for a per-hashtag base).
async fn unfollow(conn: &mut AsyncPgConnection, ctx: &AppContext, relay: &Relay) -> Result<usize> {
    match (&relay.follow_uri, &relay.inbox_url) {
        (Some(follow_uri), Some(inbox)) => {
            let undo = wire::build_undo(ctx, relay, follow_uri);
            queue(conn, ctx, &undo, inbox).await
        }
        _ => Ok(0),
    }
}

/// Every relay with its state, per-hashtag subscriptions under their base.
pub async fn list(ctx: &AppContext, acting: &Acting) -> Result<Vec<Listed>> {
    acting.require(Permission::ManageFederation)?;
    let mut conn = ctx.pool.get().await?;
    let all = relays::list(&mut conn).await?;
    let (bases, subscriptions): (Vec<Relay>, Vec<Relay>) =
        all.into_iter().partition(|r| r.base_id.is_none());
    Ok(bases
        .into_iter()
        .map(|relay| {
            let tags = subscriptions
                .iter()
                .filter(|s| s.base_id == Some(relay.id))
                .cloned()
                .collect();
            Listed { relay, tags }
        })
        .collect())
}

/// A relay's `Accept` or `Reject` of our Follow `follow_uri`, signed by `actor`;
/// whether it answered one of our relay subscriptions.
pub async fn answered(
    ctx: &AppContext,
    actor_uri: &str,
    follow_uri: &str,
    accepted: bool,
) -> Result<bool> {
    let mut conn = ctx.pool.get().await?;
    let Some(relay) = relays::find_by_follow(&mut conn, follow_uri).await? else {
        return Ok(false);
    };
    // Only the relay itself answers: its actor when we know it, else its inbox's host.
    let from_relay = match &relay.actor_uri {
        Some(known) => known == actor_uri,
        None => relay
            .inbox_url
            .as_deref()
            .is_some_and(|inbox| crate::federation::objects::note::same_host(inbox, actor_uri)),
    };
    if !from_relay {
        tracing::info!(relay = %relay.url, actor = %actor_uri, "answer to a relay subscription from someone else ignored");
        return Ok(true);
    }
    let state = if accepted { "accepted" } else { "rejected" };
    if relays::set_state(&mut conn, relay.id, state, actor_uri).await? {
        tracing::info!(relay = %relay.url, state, "relay answered our subscription");
    }
    Ok(true)
}

/// A Follow of our instance actor: LitePub relays (and activityrelay, for servers
/// that are not Mastodon) follow back the servers subscribed to them. Accepted when
/// `actor` is a relay we subscribe to; anyone else's is ignored, as the instance
/// actor has no followers. Following gives the relay nothing more: our public posts
/// go to every accepted relay anyway.
pub async fn followed_back(
    ctx: &AppContext,
    actor: &crate::db::accounts::Account,
    follow_id: &str,
) -> Result<()> {
    let actor_uri = actor.uri.as_deref().unwrap_or_default();
    let Some(inbox) = crate::federation::activities::inbox_of(actor) else {
        return Ok(());
    };
    let mut conn = ctx.pool.get().await?;
    if !relays::is_relay_actor(&mut conn, actor_uri).await? {
        tracing::info!(actor = %actor_uri, "Follow of the instance actor by someone who is not our relay ignored");
        return Ok(());
    }
    let accept = wire::build_accept_follow_back(ctx, actor_uri, follow_id);
    let n = queue(&mut conn, ctx, &accept, &inbox).await?;
    ctx.dispatch(Outcome::default().delivering(n));
    tracing::info!(relay = %actor_uri, "relay's follow-back accepted");
    Ok(())
}

/// The inboxes of accepted relays, which our public posts (and their edits and
/// deletions) go to.
pub async fn publishing_inboxes(conn: &mut AsyncPgConnection) -> Result<Vec<String>> {
    Ok(relays::publishing_inboxes(conn).await?)
}

/// Keeps every per-hashtag base's subscriptions in step with the hashtags teachers
/// here follow or feature: new ones are followed, those nobody wants any more left.
pub async fn sync_tags(ctx: &AppContext) -> Result<()> {
    // One at a time in this process, so two changes never subscribe a tag twice.
    static SYNCING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one = SYNCING.lock().await;
    let (bases, wanted) = {
        let mut conn = ctx.pool.get().await?;
        let bases = relays::tag_bases(&mut conn).await?;
        if bases.is_empty() {
            return Ok(());
        }
        let wanted =
            crate::db::tags::followed_or_featured_here(&mut conn, MAX_TAG_SUBSCRIPTIONS as i64)
                .await?;
        (bases, wanted)
    };
    for base in bases {
        let existing = {
            let mut conn = ctx.pool.get().await?;
            relays::of_base(&mut conn, base.id).await?
        };
        for name in &wanted {
            if existing
                .iter()
                .any(|r| r.tag.as_deref() == Some(name.as_str()))
            {
                continue;
            }
            let url = format!("{}{name}", base.url);
            // The tag's actor is at that URL, and follows as a LitePub relay.
            let (inbox, actor) = match discover(ctx, &url).await {
                Ok(("litepub", inbox, actor)) => (inbox, actor),
                Ok(_) | Err(_) => {
                    tracing::info!(relay = %url, "per-hashtag relay not readable; tried again at the next change");
                    continue;
                }
            };
            subscribe(
                ctx,
                None,
                &url,
                "litepub",
                &inbox,
                actor.as_deref(),
                Some((base.id, name)),
            )
            .await?;
            tracing::info!(relay = %url, tag = %name, "per-hashtag relay subscribed");
        }
        let gone: Vec<Relay> = existing
            .into_iter()
            .filter(|r| r.tag.as_ref().is_some_and(|t| !wanted.contains(t)))
            .collect();
        if !gone.is_empty() {
            let mut conn = ctx.pool.get().await?;
            let n = conn
                .transaction::<_, Error, _>(async |conn| {
                    let mut n = 0;
                    for r in &gone {
                        n += unfollow(conn, ctx, r).await?;
                        relays::delete(conn, r.id).await?;
                    }
                    Ok(n)
                })
                .await?;
            ctx.dispatch(Outcome::default().delivering(n));
            for r in &gone {
                tracing::info!(relay = %r.url, "per-hashtag relay left: nobody here follows or features the tag");
            }
        }
    }
    Ok(())
}

/// `sync_tags` in the background, after a teacher followed, unfollowed, featured or
/// unfeatured a hashtag; failures are logged (the next change tries again).
pub fn sync_tags_later(ctx: &AppContext) {
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = sync_tags(&ctx).await {
            tracing::warn!(error = %e, "per-hashtag relays not brought in step");
        }
    });
}
