//! `Like` (Mastodon's favourite).

use super::outgoing;
use crate::{
    context::AppContext,
    db::{accounts::Account, statuses::Status, StatusId},
    error::Result,
    federation::protocol::{activities as protocol, activity::OutgoingActivity},
    services,
};
use serde_json::Value;

pub fn build(
    ctx: &AppContext,
    liker: &Account,
    like_id: i64,
    status_uri: &str,
    author_id: &str,
) -> OutgoingActivity {
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
pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Like) -> Result<()> {
    let object_id = activity.object;
    let Some((_, id)) = ctx.urls.local_status(&object_id) else {
        tracing::debug!(object = %object_id, "like of a post that is not ours ignored");
        return Ok(());
    };
    let (status, author) = {
        let mut conn = ctx.pool.get().await?;
        let Some(status) = Status::find(&mut conn, StatusId(id))
            .await?
            .filter(|s| s.deleted_at.is_none())
        else {
            return Ok(());
        };
        let Some(author) = Account::find(&mut conn, status.account_id).await? else {
            return Ok(());
        };
        (status, author)
    };
    services::statuses::favourite_received(ctx, actor, &status, &author, &activity.id).await
}
