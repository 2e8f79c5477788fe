//! `Like` (Mastodon's favourite).

use super::{once, outgoing};
use crate::{
    context::AppContext,
    db::{accounts::Account, statuses::Status, StatusId},
    error::Result,
    federation::protocol::{activity::{IncomingActivity, OutgoingActivity}, helpers::id_of},
};
use serde_json::Value;

pub fn build(ctx: &AppContext, liker: &Account, like_id: i64, status_uri: &str, author_id: &str) -> OutgoingActivity {
    outgoing(
        "Like",
        ctx.urls.activity(&liker.username, "likes", like_id),
        ctx.urls.actor(&liker.username),
        Value::String(status_uri.to_string()),
        vec![author_id.to_string()],
        vec![],
    )
}

/// Likes matter here only for our own posts.
pub async fn receive(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    let Some(object_id) = id_of(&activity.object) else { return Ok(()) };
    let Some((_, id)) = ctx.urls.local_status(&object_id) else {
        tracing::debug!(object = %object_id, "like of a post that is not ours ignored");
        return Ok(());
    };
    let status = {
        let mut conn = ctx.pool.get().await?;
        Status::find(&mut conn, StatusId(id)).await?
    };
    let Some(status) = status.filter(|s| s.deleted_at.is_none()) else { return Ok(()) };
    let like_id = activity.id.clone();
    once(ctx, &activity.id, async |conn| Ok(Status::favourite(conn, actor.id, status.id, Some(&like_id)).await?)).await?;
    tracing::info!(status = %status.id, actor = %actor.uri.as_deref().unwrap_or_default(), "like received");
    Ok(())
}
