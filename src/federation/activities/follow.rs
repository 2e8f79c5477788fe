//! `Follow`, and the `Accept` / `Reject` that answer it.

use super::{once, outgoing, personal_inbox_of};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::{Block, Follow},
    },
    error::Result,
    federation::{objects::note::actor_id, protocol::activity::{IncomingActivity, OutgoingActivity}, protocol::helpers::id_of},
    services,
};
use serde_json::{json, Value};

pub fn build_follow(ctx: &AppContext, follower: &Account, target: &Account, follow: &Follow) -> OutgoingActivity {
    let id = follow.uri.clone().unwrap_or_else(|| ctx.urls.activity(&follower.username, "follows", follow.id));
    outgoing("Follow", id, ctx.urls.actor(&follower.username), Value::String(actor_id(target, &ctx.urls)), vec![actor_id(target, &ctx.urls)], vec![])
}

/// The Follow as embedded in Accept, Reject and Undo.
fn follow_object(ctx: &AppContext, follower: &Account, target: &Account, follow: &Follow) -> Value {
    json!({
        "id": follow.uri.clone().unwrap_or_else(|| ctx.urls.activity(&follower.username, "follows", follow.id)),
        "type": "Follow",
        "actor": actor_id(follower, &ctx.urls),
        "object": actor_id(target, &ctx.urls),
    })
}

pub fn build_accept(ctx: &AppContext, target: &Account, follower: &Account, follow: &Follow) -> OutgoingActivity {
    outgoing(
        "Accept",
        ctx.urls.activity(&target.username, "accepts/follows", follow.id),
        ctx.urls.actor(&target.username),
        follow_object(ctx, follower, target, follow),
        vec![actor_id(follower, &ctx.urls)],
        vec![],
    )
}

pub fn build_reject(ctx: &AppContext, target: &Account, follower: &Account, follow: &Follow) -> OutgoingActivity {
    outgoing(
        "Reject",
        ctx.urls.activity(&target.username, "rejects/follows", follow.id),
        ctx.urls.actor(&target.username),
        follow_object(ctx, follower, target, follow),
        vec![actor_id(follower, &ctx.urls)],
        vec![],
    )
}

pub fn build_undo_follow(ctx: &AppContext, follower: &Account, target: &Account, follow: &Follow) -> OutgoingActivity {
    outgoing(
        "Undo",
        format!("{}/undo", ctx.urls.activity(&follower.username, "follows", follow.id)),
        ctx.urls.actor(&follower.username),
        follow_object(ctx, follower, target, follow),
        vec![actor_id(target, &ctx.urls)],
        vec![],
    )
}

/// Someone follows a teacher here: accepted at once, or kept as a request when the
/// account approves its followers.
pub async fn receive_follow(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    let Some(object) = id_of(&activity.object) else { return Ok(()) };
    let Some(name) = ctx.urls.local_username(&object) else {
        tracing::info!(object = %object, "Follow of something that is not a local account ignored");
        return Ok(());
    };
    let target = services::accounts::find_local_account(&ctx.pool, name).await?;
    let activity_id = activity.id.clone();
    let follower = actor.clone();
    once(ctx, &activity.id, async |conn| {
        if Block::exists(conn, target.id, follower.id).await? {
            let refused = Follow { id: crate::db::new_id(), account_id: follower.id, target_account_id: target.id, uri: Some(activity_id.clone()), accepted: false, created_at: chrono::Utc::now() };
            super::queue(conn, ctx, &target, &build_reject(ctx, &target, &follower, &refused), personal_inbox_of(&follower)).await?;
            return Ok(());
        }
        let existing = Follow::find(conn, follower.id, target.id).await?;
        let accepted = !target.locked || existing.as_ref().is_some_and(|f| f.accepted);
        let follow = Follow::upsert(conn, follower.id, target.id, Some(&activity_id), accepted).await?;
        if follow.accepted {
            super::queue(conn, ctx, &target, &build_accept(ctx, &target, &follower, &follow), personal_inbox_of(&follower)).await?;
        }
        tracing::info!(follower = %follower.uri.as_deref().unwrap_or_default(), target = %target.username, accepted = follow.accepted, "follow received");
        Ok(())
    })
    .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// The Follow an Accept or Reject answers: ours, sent to `actor`.
async fn answered_follow(ctx: &AppContext, actor: &Account, object: &Value) -> Result<Option<Follow>> {
    let mut conn = ctx.pool.get().await?;
    if let Some(id) = id_of(object) {
        if let Some(follow) = Follow::find_by_uri(&mut conn, &id).await? {
            if follow.target_account_id == actor.id {
                return Ok(Some(follow));
            }
            return Ok(None);
        }
    }
    // Some servers answer with a Follow of their own making: match it by its parties.
    if let Some(follower) = object.get("actor").and_then(id_of) {
        if let Some(name) = ctx.urls.local_username(&follower) {
            if let Ok(local) = services::accounts::find_local_account(&ctx.pool, name).await {
                return Ok(Follow::find(&mut conn, local.id, actor.id).await?);
            }
        }
    }
    Ok(None)
}

pub async fn receive_accept(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    let Some(follow) = answered_follow(ctx, actor, &activity.object).await? else {
        tracing::info!(id = %activity.id, "Accept of nothing we asked for ignored");
        return Ok(());
    };
    once(ctx, &activity.id, async |conn| Ok(Follow::accept(conn, follow.id).await?)).await?;
    ctx.followed.forget(actor.id);
    tracing::info!(target = %actor.uri.as_deref().unwrap_or_default(), "follow accepted");
    Ok(())
}

pub async fn receive_reject(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    let Some(follow) = answered_follow(ctx, actor, &activity.object).await? else { return Ok(()) };
    once(ctx, &activity.id, async |conn| Ok(Follow::delete(conn, follow.account_id, follow.target_account_id).await?)).await?;
    ctx.followed.forget(actor.id);
    tracing::info!(target = %actor.uri.as_deref().unwrap_or_default(), "follow rejected");
    Ok(())
}
