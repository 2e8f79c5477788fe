//! `Delete`: of posts (ours leave a tombstone; theirs are removed) and of whole actors.

use super::outgoing;
use crate::{
    context::AppContext,
    db::{accounts::Account, statuses::Status},
    error::Result,
    federation::protocol::{
        activities::{self as protocol, DeletedNote},
        activity::OutgoingActivity,
        context::PUBLIC,
    },
    services,
};

pub fn build(ctx: &AppContext, author: &Account, note_id: &str) -> OutgoingActivity {
    outgoing(
        "Delete",
        format!("{note_id}#delete"),
        ctx.urls.actor(&author.username),
        DeletedNote {
            id: note_id.to_string(),
            kind: "Tombstone",
            atom_uri: note_id.to_string(),
        },
        vec![PUBLIC.to_string()],
        vec![],
    )
}

/// `{type: Delete, actor: A, object: A}`: the whole account is gone (Mastodon's
/// form); its followers' and followees' servers remove it with everything of it.
pub fn build_actor(ctx: &AppContext, account: &Account) -> OutgoingActivity {
    let actor = ctx.urls.actor(&account.username);
    outgoing(
        "Delete",
        format!("{actor}#delete"),
        actor.clone(),
        actor,
        vec![PUBLIC.to_string()],
        vec![],
    )
}

/// Applied every time it arrives: deleting twice is harmless.
pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Delete) -> Result<()> {
    let object_id = activity.object;
    if actor.uri.as_deref() == Some(object_id.as_str()) {
        return services::accounts::delete_remote_actor(ctx, actor).await;
    }
    let status = {
        let mut conn = ctx.pool.get().await?;
        Status::find_by_uri(&mut conn, &object_id).await?
    };
    let Some(status) = status else {
        tracing::debug!(id = %object_id, "delete of something we do not have ignored");
        return Ok(());
    };
    services::statuses::delete_received(ctx, actor, &status).await
}

/// A `Delete` relayed by `group` whose actor is not the post's author: a moderator
/// removing a post or comment (Lemmy sends it so, with the reason in `summary`).
/// Believed only for posts in that group, as the group relayed them; the author's
/// own Delete goes through `receive`.
pub async fn receive_in_group(
    ctx: &AppContext,
    actor: &Account,
    group: &Account,
    activity: protocol::Delete,
) -> Result<()> {
    let status = {
        let mut conn = ctx.pool.get().await?;
        Status::find_by_uri(&mut conn, &activity.object).await?
    };
    let Some(status) = status else {
        tracing::debug!(id = %activity.object, "removal of something we do not have ignored");
        return Ok(());
    };
    if status.account_id == actor.id {
        return services::statuses::delete_received(ctx, actor, &status).await;
    }
    services::statuses::remove_in_group(ctx, group, &status).await
}
