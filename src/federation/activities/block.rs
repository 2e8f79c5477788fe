//! `Block`: the relationship between the two accounts ends.

use super::{once, outgoing};
use crate::{
    context::AppContext,
    db::{accounts::Account, follows::Follow},
    error::Result,
    federation::{objects::note::actor_id, protocol::{activity::{IncomingActivity, OutgoingActivity}, helpers::id_of}},
    services,
};
use serde_json::Value;

pub fn build(ctx: &AppContext, blocker: &Account, target: &Account, block_id: i64) -> OutgoingActivity {
    outgoing(
        "Block",
        ctx.urls.activity(&blocker.username, "blocks", block_id),
        ctx.urls.actor(&blocker.username),
        Value::String(actor_id(target, &ctx.urls)),
        vec![actor_id(target, &ctx.urls)],
        vec![],
    )
}

pub async fn receive(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    let Some(object) = id_of(&activity.object) else { return Ok(()) };
    let Some(name) = ctx.urls.local_username(&object) else { return Ok(()) };
    let target = services::accounts::find_local_account(&ctx.pool, name).await?;
    once(ctx, &activity.id, async |conn| {
        Follow::delete(conn, actor.id, target.id).await?;
        Follow::delete(conn, target.id, actor.id).await?;
        Ok(())
    })
    .await?;
    ctx.followed.forget(actor.id);
    tracing::info!(blocker = %actor.uri.as_deref().unwrap_or_default(), target = %target.username, "blocked: follows between them removed");
    Ok(())
}
