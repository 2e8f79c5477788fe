//! `Flag`: a report crossing servers. Received, it lands in the moderation queue
//! (services::moderation::receive_flag); sent, it is a teacher's report forwarded
//! to the reported account's server, from the instance actor as Mastodon sends it.

use super::inbox_of;
use crate::{
    context::AppContext,
    db::{accounts::Account, reports::Report, StatusId},
    error::Result,
    federation::{
        delivery,
        protocol::activities::{Flag, OutgoingFlag},
    },
    services,
};
use diesel_async::AsyncPgConnection;

/// A report from `actor`'s server about accounts (and posts) of ours. What it
/// names that is not ours is ignored; a Flag that names nothing of ours is
/// acknowledged and dropped.
pub async fn receive(ctx: &AppContext, actor: &Account, flag: Flag) -> Result<()> {
    let mut targets: Vec<Account> = Vec::new();
    let mut statuses = Vec::new();
    for object in &flag.objects {
        if let Some((name, id)) = ctx.urls.local_status(object) {
            statuses.push(StatusId(id));
            if let Ok(author) = services::accounts::find_local_account(&ctx.pool, name).await {
                if !targets.iter().any(|t| t.id == author.id) {
                    targets.push(author);
                }
            }
        } else if let Some(name) = ctx.urls.local_username(object) {
            if let Ok(target) = services::accounts::find_local_account(&ctx.pool, name).await {
                if !targets.iter().any(|t| t.id == target.id) {
                    targets.push(target);
                }
            }
        }
    }
    if targets.is_empty() {
        tracing::info!(id = %flag.id, "Flag names no account of ours; ignored");
        return Ok(());
    }
    services::moderation::receive_flag(ctx, actor, &flag.id, &targets, &statuses, &flag.content)
        .await?;
    Ok(())
}

/// Queues the `Flag` of a report to its target's server, inside the report's
/// transaction. It names the account and the reported posts, never the reporter.
pub async fn forward(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    report: &Report,
    target: &Account,
) -> Result<usize> {
    let Some(inbox) = inbox_of(target) else {
        return Ok(0);
    };
    let mut objects = vec![ctx.urls.actor_id(target)];
    for status in crate::db::statuses::Status::find_many(
        conn,
        &report
            .status_ids
            .iter()
            .map(|id| StatusId(*id))
            .collect::<Vec<_>>(),
    )
    .await?
    {
        objects.extend(status.uri.clone());
    }
    let id = format!("{}#reports/{}", ctx.urls.instance_actor(), report.id);
    let flag = OutgoingFlag {
        context: "https://www.w3.org/ns/activitystreams",
        id: id.clone(),
        kind: "Flag",
        actor: ctx.urls.instance_actor(),
        object: objects,
        content: report.comment.clone(),
    };
    let value = serde_json::to_value(&flag).map_err(crate::error::Error::internal)?;
    if ctx.blocks.is_blocked_cached(&inbox) {
        return Ok(0);
    }
    delivery::enqueue_from_instance(conn, &ctx.urls, &id, &value, [inbox]).await
}
