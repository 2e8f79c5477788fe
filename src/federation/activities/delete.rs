//! `Delete`: of posts (ours leave a tombstone; theirs are removed) and of whole actors.

use super::{once, outgoing};
use crate::{
    context::AppContext,
    db::{accounts::Account, statuses::Status},
    error::{Error, ErrorKind, Result},
    federation::{
        protocol::{activity::{IncomingActivity, OutgoingActivity}, context::PUBLIC, helpers::id_of},
    },
};
use serde_json::json;

pub fn build(ctx: &AppContext, author: &Account, note_id: &str) -> OutgoingActivity {
    outgoing(
        "Delete",
        format!("{note_id}#delete"),
        ctx.urls.actor(&author.username),
        json!({ "id": note_id, "type": "Tombstone", "atomUri": note_id }),
        vec![PUBLIC.to_string()],
        vec![],
    )
}

pub async fn receive(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    let actor_id = actor.uri.clone().unwrap_or_default();
    let Some(object_id) = id_of(&activity.object) else { return Ok(()) };
    if object_id == actor_id {
        once(ctx, &activity.id, async |conn| Ok(Account::delete(conn, actor.id).await?)).await?;
        ctx.keys.remove_owner(&actor_id);
        tracing::info!(actor = %actor_id, "actor deleted with everything of theirs");
        return Ok(());
    }
    let status = {
        let mut conn = ctx.pool.get().await?;
        Status::find_by_uri(&mut conn, &object_id).await?
    };
    let Some(status) = status else {
        tracing::debug!(id = %object_id, "delete of something we do not have ignored");
        return Ok(());
    };
    if status.account_id != actor.id {
        return Err(Error::new(ErrorKind::Forbidden, "only a post's author can delete it"));
    }
    once(ctx, &activity.id, async |conn| Ok(Status::delete_row(conn, status.id).await?)).await?;
    tracing::info!(id = %object_id, "post deleted");
    Ok(())
}
