//! `Announce` (Mastodon's boost).

use super::{create_note::store_post, outgoing};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::Follow,
        statuses::{Status, Visibility},
        StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::{
        fetch,
        objects::note::{incoming_note, same_host, visibility_of},
        protocol::{activities as protocol, activity::OutgoingActivity, context::PUBLIC, helpers::id_of},
    },
    services,
};
use serde_json::Value;

pub fn build(ctx: &AppContext, booster: &Account, reblog: &Status, original_uri: &str, original_author: &Account) -> OutgoingActivity {
    let mut activity = outgoing(
        "Announce",
        format!("{}/activity", ctx.urls.status(&booster.username, reblog.id)),
        ctx.urls.actor(&booster.username),
        Value::String(original_uri.to_string()),
        vec![PUBLIC.to_string()],
        vec![ctx.urls.actor_id(original_author), ctx.urls.followers(&booster.username)],
    );
    activity.published = Some(reblog.created_at);
    activity
}

pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Announce) -> Result<()> {
    let object_id = activity.object;
    let visibility = visibility_of(&activity.to, &activity.cc, actor.followers_url.as_deref());
    if visibility > Visibility::Unlisted {
        return Ok(());
    }
    let original = if let Some((_, id)) = ctx.urls.local_status(&object_id) {
        let mut conn = ctx.pool.get().await?;
        match Status::find(&mut conn, StatusId(id)).await? {
            Some(s) if s.deleted_at.is_none() && s.visibility() <= Visibility::Unlisted => s,
            _ => return Ok(()),
        }
    } else {
        let (known, followed) = {
            let mut conn = ctx.pool.get().await?;
            (Status::find_by_uri(&mut conn, &object_id).await?, Follow::has_local_follower(&mut conn, actor.id).await?)
        };
        if !followed {
            tracing::debug!(object = %object_id, "boost by someone nobody here follows dropped");
            return Ok(());
        }
        match known {
            Some(s) => s,
            None => {
                // Fetch the boosted post from its origin rather than trust an embedded copy.
                let value = fetch::fetch_object(ctx, &object_id).await?;
                let author_id = value.get("attributedTo").and_then(id_of).ok_or_else(|| Error::bad_request("boosted post without author"))?;
                if !same_host(&author_id, &object_id) {
                    return Err(Error::new(ErrorKind::Forbidden, "boosted post and its author are on different hosts"));
                }
                let author = fetch::resolve_actor(ctx, &author_id).await?;
                let post = incoming_note(&value, &author, None, &ctx.urls)?;
                let id = store_post(ctx, post).await?;
                let mut conn = ctx.pool.get().await?;
                Status::find(&mut conn, id).await?.ok_or_else(|| Error::not_found("the boosted post is gone"))?
            }
        }
    };
    services::statuses::reblog_received(ctx, actor, &original, &activity.id, visibility).await?;
    Ok(())
}
