//! `Block`: the relationship between the two accounts ends.

use super::outgoing;
use crate::{
    context::AppContext,
    db::accounts::Account,
    error::Result,
    federation::protocol::{activities as protocol, activity::OutgoingActivity},
    services,
};
use serde_json::Value;

pub fn build(
    ctx: &AppContext,
    blocker: &Account,
    target: &Account,
    block_id: i64,
) -> OutgoingActivity {
    outgoing(
        "Block",
        ctx.urls.activity(&blocker.username, "blocks", block_id),
        ctx.urls.actor(&blocker.username),
        Value::String(ctx.urls.actor_id(target)),
        vec![ctx.urls.actor_id(target)],
        vec![],
    )
}

/// A remote account blocks one of ours: applied every time (it is idempotent).
pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Block) -> Result<()> {
    let object = activity.object;
    let Some(name) = ctx.urls.local_username(&object) else {
        return Ok(());
    };
    let target = services::accounts::find_local_account(&ctx.pool, name).await?;
    services::follows::block(ctx, actor, &target).await
}
