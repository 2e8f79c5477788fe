//! One file per activity kind: how we build and send it, and how we verify and
//! receive it. The inbox hands every verified activity to `receive`.

pub mod announce;
pub mod block;
pub mod create_note;
pub mod delete;
pub mod follow;
pub mod like;
pub mod undo;
pub mod update;

use crate::{
    context::AppContext,
    db::{accounts::Account, received},
    error::{Error, Result},
    federation::{
        delivery,
        objects::note::note_context,
        protocol::activity::{IncomingActivity, OutgoingActivity},
    },
};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;

/// Routes a verified activity from `actor` to its handler. Unknown kinds are
/// accepted and ignored, as the protocol asks.
pub async fn receive(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    match activity.kind.as_str() {
        "Follow" => follow::receive_follow(ctx, actor, activity).await,
        "Accept" => follow::receive_accept(ctx, actor, activity).await,
        "Reject" => follow::receive_reject(ctx, actor, activity).await,
        "Undo" => undo::receive(ctx, actor, activity).await,
        "Create" => create_note::receive(ctx, actor, activity).await,
        "Update" => update::receive(ctx, actor, activity).await,
        "Delete" => delete::receive(ctx, actor, activity).await,
        "Like" => like::receive(ctx, actor, activity).await,
        "Announce" => announce::receive(ctx, actor, activity).await,
        "Block" => block::receive(ctx, actor, activity).await,
        other => {
            tracing::info!(kind = %other, id = %activity.id, actor = %actor.uri.as_deref().unwrap_or_default(), "activity of an unsupported kind ignored");
            Ok(())
        }
    }
}

/// An async closure whose future we can require to be `Send` (what diesel-async
/// asks of a transaction's body).
pub trait ChangeFn<A, R>: AsyncFnOnce(A) -> R + FnOnce(A) -> <Self as ChangeFn<A, R>>::Fut {
    type Fut: std::future::Future<Output = R>;
}

impl<F, A, Fut, R> ChangeFn<A, R> for F
where
    F: AsyncFnOnce(A) -> R + FnOnce(A) -> Fut,
    Fut: std::future::Future<Output = R>,
{
    type Fut = Fut;
}

/// Runs `change` in a transaction that first records the activity id; an activity
/// seen before (a retry, or the same one at two inboxes) changes nothing.
pub async fn once<T: Send, F>(ctx: &AppContext, activity_id: &str, change: F) -> Result<Option<T>>
where
    for<'r> F: AsyncFnOnce(&'r mut AsyncPgConnection) -> Result<T> + ChangeFn<&'r mut AsyncPgConnection, Result<T>, Fut: Send> + Send,
{
    let mut conn = ctx.pool.get().await?;
    let id = activity_id.to_string();
    let result = conn
        .transaction::<_, Error, _>(async move |conn| {
            if !received::claim(conn, &id).await? {
                return Ok(None);
            }
            change(conn).await.map(Some)
        })
        .await?;
    if result.is_none() {
        tracing::debug!(id = %activity_id, "activity already processed");
    }
    Ok(result)
}

/// Builds an activity from a local account with our context.
pub fn outgoing(kind: &'static str, id: String, actor: String, object: Value, to: Vec<String>, cc: Vec<String>) -> OutgoingActivity {
    OutgoingActivity { context: note_context(), id, kind, actor, published: None, to, cc, object }
}

/// Queues `activity` from a local account to `inboxes`, inside the caller's transaction.
pub async fn queue(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    sender: &Account,
    activity: &OutgoingActivity,
    inboxes: impl IntoIterator<Item = String>,
) -> Result<usize> {
    let value = serde_json::to_value(activity).map_err(Error::internal)?;
    // Nothing goes to blocked servers.
    let inboxes: Vec<String> = inboxes.into_iter().filter(|i| !ctx.blocks.is_blocked_cached(i)).collect();
    delivery::enqueue(conn, &ctx.urls, sender, &activity.id, &value, inboxes).await
}

/// The inbox to reach a remote account at: its server's shared inbox when it has one.
pub fn inbox_of(account: &Account) -> Option<String> {
    if account.is_local() {
        return None;
    }
    account.shared_inbox_url.clone().or_else(|| account.inbox_url.clone())
}

/// The personal inbox of a remote account.
pub fn personal_inbox_of(account: &Account) -> Option<String> {
    if account.is_local() {
        return None;
    }
    account.inbox_url.clone()
}
