//! `Undo` of a Follow, Like, Announce or Block.

use super::outgoing;
use crate::{
    context::AppContext,
    db::{accounts::Account, follows::Follow, StatusId},
    error::Result,
    federation::protocol::{activities as protocol, activity::OutgoingActivity},
    services,
};

/// An Undo of one of our activities, embedding it.
pub fn build(ctx: &AppContext, actor: &Account, undone: &OutgoingActivity) -> OutgoingActivity {
    let object = OutgoingActivity {
        context: None,
        ..undone.clone()
    };
    outgoing(
        "Undo",
        format!("{}/undo", undone.id),
        ctx.urls.actor(&actor.username),
        object,
        undone.to.clone(),
        undone.cc.clone(),
    )
}

/// Undo is applied every time it arrives (undoing twice is harmless); only what it
/// names of the actor's own is undone.
pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Undo) -> Result<()> {
    let protocol::Undo {
        undone: undone_id,
        undone_kind: kind,
        undone_object: inner,
        ..
    } = activity;
    match kind.as_str() {
        "Follow" | "" => {
            let target = {
                let mut conn = ctx.pool.get().await?;
                match Follow::find_by_uri(&mut conn, &undone_id).await? {
                    Some(f) if f.account_id == actor.id => {
                        Account::find(&mut conn, f.target_account_id).await?
                    }
                    _ => match inner.as_deref().and_then(|o| ctx.urls.local_username(o)) {
                        Some(name) => Account::find_local(&mut conn, name).await?,
                        None => None,
                    },
                }
            };
            if let Some(target) = target {
                services::follows::unfollow(ctx, actor, &target).await?;
            } else if kind.is_empty() {
                // An Undo of something we can only name by id: a like or a boost, perhaps.
                services::statuses::unfavourite_received(ctx, actor, &undone_id, None).await?;
                services::statuses::unreblog_received(ctx, actor, &undone_id).await?;
            }
        }
        "Like" => {
            let status = inner
                .as_deref()
                .and_then(|o| ctx.urls.local_status(o))
                .map(|(_, id)| StatusId(id));
            services::statuses::unfavourite_received(ctx, actor, &undone_id, status).await?;
        }
        "Announce" => services::statuses::unreblog_received(ctx, actor, &undone_id).await?,
        "Block" => {
            if let Some(name) = inner.as_deref().and_then(|o| ctx.urls.local_username(o)) {
                let target = services::accounts::find_local_account(&ctx.pool, name).await?;
                services::follows::unblock(ctx, actor, &target).await?;
            }
        }
        other => tracing::info!(kind = %other, "undo of an unsupported kind ignored"),
    }
    Ok(())
}
