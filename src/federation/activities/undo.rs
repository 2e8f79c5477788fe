//! `Undo` of a Follow, Like, Announce or Block.

use super::{once, outgoing};
use crate::{
    context::AppContext,
    db::{accounts::Account, follows::{Block, Follow}, statuses::Status, StatusId},
    error::Result,
    federation::{protocol::{activity::{IncomingActivity, OutgoingActivity}, helpers::id_of}},
    services,
};
use serde_json::Value;

/// An Undo of one of our activities, embedding it.
pub fn build(ctx: &AppContext, actor: &Account, undone: &OutgoingActivity) -> OutgoingActivity {
    let object = serde_json::to_value(undone).unwrap_or(Value::Null);
    let mut object = object;
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
    }
    outgoing("Undo", format!("{}/undo", undone.id), ctx.urls.actor(&actor.username), object, undone.to.clone(), undone.cc.clone())
}

pub async fn receive(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    let object = &activity.object;
    let undone_id = id_of(object).unwrap_or_default();
    let kind = object.get("type").and_then(Value::as_str).unwrap_or_default().to_string();
    let inner = object.get("object").and_then(id_of);
    match kind.as_str() {
        "Follow" | "" => {
            let mut conn = ctx.pool.get().await?;
            let follow = match Follow::find_by_uri(&mut conn, &undone_id).await? {
                Some(f) if f.account_id == actor.id => Some(f),
                _ => match inner.as_deref().and_then(|o| ctx.urls.local_username(o)) {
                    Some(name) => match services::accounts::find_local_account(&ctx.pool, name).await {
                        Ok(target) => Follow::find(&mut conn, actor.id, target.id).await?,
                        Err(_) => None,
                    },
                    None => None,
                },
            };
            drop(conn);
            if let Some(f) = follow {
                once(ctx, &activity.id, async |conn| Ok(Follow::delete(conn, actor.id, f.target_account_id).await?)).await?;
                tracing::info!(follower = %actor.uri.as_deref().unwrap_or_default(), "unfollowed");
            } else if kind.is_empty() {
                // An Undo of something we can only name by id: a like or a boost, perhaps.
                let uri = undone_id.clone();
                once(ctx, &activity.id, async |conn| {
                    Status::unfavourite_by_uri(conn, actor.id, &uri).await?;
                    if let Some(s) = Status::find_by_uri(conn, &uri).await? {
                        if s.account_id == actor.id && s.reblog_of_id.is_some() {
                            Status::delete_row(conn, s.id).await?;
                        }
                    }
                    Ok(())
                })
                .await?;
            }
        }
        "Like" => {
            let uri = undone_id.clone();
            let status = inner.as_deref().and_then(|o| ctx.urls.local_status(o)).map(|(_, id)| StatusId(id));
            once(ctx, &activity.id, async |conn| {
                if !Status::unfavourite_by_uri(conn, actor.id, &uri).await? {
                    if let Some(id) = status {
                        Status::unfavourite(conn, actor.id, id).await?;
                    }
                }
                Ok(())
            })
            .await?;
            tracing::info!(actor = %actor.uri.as_deref().unwrap_or_default(), "like undone");
        }
        "Announce" => {
            let uri = undone_id.clone();
            once(ctx, &activity.id, async |conn| {
                if let Some(s) = Status::find_by_uri(conn, &uri).await? {
                    if s.account_id == actor.id && s.reblog_of_id.is_some() {
                        Status::delete_row(conn, s.id).await?;
                    }
                }
                Ok(())
            })
            .await?;
            tracing::info!(actor = %actor.uri.as_deref().unwrap_or_default(), "boost undone");
        }
        "Block" => {
            if let Some(name) = inner.as_deref().and_then(|o| ctx.urls.local_username(o)) {
                let target = services::accounts::find_local_account(&ctx.pool, name).await?;
                once(ctx, &activity.id, async |conn| Ok(Block::delete(conn, actor.id, target.id).await?)).await?;
            }
        }
        other => tracing::info!(kind = %other, "undo of an unsupported kind ignored"),
    }
    Ok(())
}
