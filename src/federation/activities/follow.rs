//! `Follow`, and the `Accept` / `Reject` that answer it.

use super::outgoing;
use crate::{
    context::AppContext,
    db::{accounts::Account, follows::Follow},
    error::Result,
    federation::protocol::{
        activities::{self as protocol, EmbeddedFollow},
        activity::OutgoingActivity,
        helpers::id_of,
    },
    services,
};
use serde_json::Value;

pub fn build_follow(
    ctx: &AppContext,
    follower: &Account,
    target: &Account,
    follow: &Follow,
) -> OutgoingActivity {
    let id = follow
        .uri
        .clone()
        .unwrap_or_else(|| ctx.urls.activity(&follower.username, "follows", follow.id));
    outgoing(
        "Follow",
        id,
        ctx.urls.actor(&follower.username),
        Value::String(ctx.urls.actor_id(target)),
        vec![ctx.urls.actor_id(target)],
        vec![],
    )
}

/// The Follow as embedded in Accept, Reject and Undo.
fn follow_object(
    ctx: &AppContext,
    follower: &Account,
    target: &Account,
    follow: &Follow,
) -> EmbeddedFollow {
    EmbeddedFollow {
        id: follow
            .uri
            .clone()
            .unwrap_or_else(|| ctx.urls.activity(&follower.username, "follows", follow.id)),
        kind: "Follow",
        actor: ctx.urls.actor_id(follower),
        object: ctx.urls.actor_id(target),
    }
}

pub fn build_accept(
    ctx: &AppContext,
    target: &Account,
    follower: &Account,
    follow: &Follow,
) -> OutgoingActivity {
    outgoing(
        "Accept",
        ctx.urls
            .activity(&target.username, "accepts/follows", follow.id),
        ctx.urls.actor(&target.username),
        follow_object(ctx, follower, target, follow),
        vec![ctx.urls.actor_id(follower)],
        vec![],
    )
}

pub fn build_reject(
    ctx: &AppContext,
    target: &Account,
    follower: &Account,
    follow: &Follow,
) -> OutgoingActivity {
    outgoing(
        "Reject",
        ctx.urls
            .activity(&target.username, "rejects/follows", follow.id),
        ctx.urls.actor(&target.username),
        follow_object(ctx, follower, target, follow),
        vec![ctx.urls.actor_id(follower)],
        vec![],
    )
}

pub fn build_undo_follow(
    ctx: &AppContext,
    follower: &Account,
    target: &Account,
    follow: &Follow,
) -> OutgoingActivity {
    outgoing(
        "Undo",
        format!(
            "{}/undo",
            ctx.urls.activity(&follower.username, "follows", follow.id)
        ),
        ctx.urls.actor(&follower.username),
        follow_object(ctx, follower, target, follow),
        vec![ctx.urls.actor_id(target)],
        vec![],
    )
}

/// Someone follows a teacher here: accepted at once, or kept as a request when the
/// account approves its followers (services/follows.rs decides).
pub async fn receive_follow(
    ctx: &AppContext,
    actor: &Account,
    activity: protocol::Follow,
) -> Result<()> {
    let object = activity.object;
    if object == ctx.urls.instance_actor() {
        return services::relays::followed_back(ctx, actor, &activity.id).await;
    }
    let Some(name) = ctx.urls.local_username(&object) else {
        tracing::info!(object = %object, "Follow of something that is not a local account ignored");
        return Ok(());
    };
    let target = services::accounts::find_local_account(&ctx.pool, name).await?;
    services::follows::follow_received(ctx, actor, &target, &activity.id).await?;
    Ok(())
}

/// The Follow an Accept or Reject answers: ours, sent to `actor`, with our account
/// that sent it.
async fn answered_follow(
    ctx: &AppContext,
    actor: &Account,
    object: &Value,
) -> Result<Option<(Follow, Account)>> {
    let mut conn = ctx.pool.get().await?;
    let mut found = None;
    if let Some(id) = id_of(object) {
        if let Some(follow) = Follow::find_by_uri(&mut conn, &id).await? {
            if follow.target_account_id != actor.id {
                return Ok(None);
            }
            found = Some(follow);
        }
    }
    if found.is_none() {
        // Some servers answer with a Follow of their own making: match it by its parties.
        if let Some(name) = object
            .get("actor")
            .and_then(id_of)
            .as_deref()
            .and_then(|f| ctx.urls.local_username(f))
        {
            if let Some(local) = Account::find_local(&mut conn, name).await? {
                found = Follow::find(&mut conn, local.id, actor.id).await?;
            }
        }
    }
    let Some(follow) = found else { return Ok(None) };
    Ok(Account::find(&mut conn, follow.account_id)
        .await?
        .filter(Account::is_local)
        .map(|follower| (follow, follower)))
}

/// Accept of our Follow. Not deduplicated by id: servers reuse Accept ids (Hollo
/// 0.10.0: `…/@bob#accepts/<follower>` for every follow), and accepting twice is
/// harmless.
pub async fn receive_accept(
    ctx: &AppContext,
    actor: &Account,
    activity: protocol::Answer,
) -> Result<()> {
    if relay_answered(ctx, actor, &activity, true).await? {
        return Ok(());
    }
    let Some((_, follower)) = answered_follow(ctx, actor, &activity.object).await? else {
        tracing::info!(id = %activity.id, "Accept of nothing we asked for ignored");
        return Ok(());
    };
    services::follows::authorize(ctx, actor, &follower).await
}

pub async fn receive_reject(
    ctx: &AppContext,
    actor: &Account,
    activity: protocol::Answer,
) -> Result<()> {
    if relay_answered(ctx, actor, &activity, false).await? {
        return Ok(());
    }
    let Some((_, follower)) = answered_follow(ctx, actor, &activity.object).await? else {
        tracing::info!(id = %activity.id, "Reject of nothing we asked for ignored");
        return Ok(());
    };
    services::follows::reject(ctx, actor, &follower).await
}

/// An answer to our instance actor's Follow of a relay (services/relays.rs);
/// whether it was one.
async fn relay_answered(
    ctx: &AppContext,
    actor: &Account,
    activity: &protocol::Answer,
    accepted: bool,
) -> Result<bool> {
    let Some(follow_id) = id_of(&activity.object) else {
        return Ok(false);
    };
    if !follow_id.starts_with(&ctx.urls.instance_actor()) {
        return Ok(false);
    }
    let actor_uri = actor.uri.as_deref().unwrap_or_default();
    services::relays::answered(ctx, actor_uri, &follow_id, accepted).await
}
