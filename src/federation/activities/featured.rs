//! `Add` and `Remove` of a post to an actor's `featured` collection: pins, as
//! Mastodon sends them (`{type: Add, actor, object: post id, target: featured}`),
//! ours to our followers, theirs applied when the target is the actor's own
//! collection and the post is the actor's.

use super::outgoing;
use crate::{
    context::AppContext,
    db::{accounts::Account, pins, statuses::Status},
    error::Result,
    federation::{
        activities::create_note,
        protocol::{activities::Featured, activity::OutgoingActivity, context::PUBLIC},
    },
};

/// The `Add` (pin) or `Remove` (unpin) of one of our posts.
pub fn build(
    ctx: &AppContext,
    author: &Account,
    status: &Status,
    kind: &'static str,
) -> OutgoingActivity {
    let actor = ctx.urls.actor(&author.username);
    let id = format!(
        "{actor}#pins/{}/{}",
        status.id,
        chrono::Utc::now().timestamp_millis()
    );
    let mut activity = outgoing(
        kind,
        id,
        actor,
        ctx.urls.status_uri(status, author),
        vec![PUBLIC.to_string()],
        vec![ctx.urls.followers(&author.username)],
    );
    activity.target = Some(ctx.urls.featured(&author.username));
    activity
}

/// Whether `target` is `actor`'s featured collection, as its actor document said.
async fn is_featured_of(ctx: &AppContext, actor: &Account, target: &str) -> Result<bool> {
    let mut conn = ctx.pool.get().await?;
    Ok(pins::featured_of(&mut conn, actor.id)
        .await?
        .is_some_and(|(known, _)| known.featured.as_deref() == Some(target)))
}

pub async fn receive_add(ctx: &AppContext, actor: &Account, activity: Featured) -> Result<()> {
    if !is_featured_of(ctx, actor, &activity.target).await? {
        tracing::info!(id = %activity.id, "Add to a collection other than the actor's featured one ignored");
        return Ok(());
    }
    // A post we lack is fetched from its origin (and its ancestors, bounded).
    let Some(status) = create_note::resolve_post(ctx, &activity.object).await else {
        tracing::info!(object = %activity.object, "pinned post cannot be had");
        return Ok(());
    };
    crate::services::pins::pin_received(ctx, actor, status).await
}

pub async fn receive_remove(ctx: &AppContext, actor: &Account, activity: Featured) -> Result<()> {
    if !is_featured_of(ctx, actor, &activity.target).await? {
        return Ok(());
    }
    let status = {
        let mut conn = ctx.pool.get().await?;
        Status::find_by_uri(&mut conn, &activity.object).await?
    };
    if let Some(status) = status {
        crate::services::pins::unpin_received(ctx, actor, status.id).await?;
    }
    Ok(())
}
