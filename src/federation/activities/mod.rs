//! One file per activity kind: how we build and send it, and how we verify and
//! receive it. The inbox hands every verified activity to `receive`.

pub mod announce;
pub mod block;
pub mod create_note;
pub mod delete;
pub mod event;
pub mod featured;
pub mod flag;
pub mod follow;
pub mod like;
pub mod moving;
pub mod relay;
pub mod undo;
pub mod update;
pub mod vote;

use crate::{
    context::AppContext,
    db::accounts::Account,
    error::{Error, Result},
    federation::{
        delivery,
        objects::note::note_context,
        protocol::{
            activities::Activity,
            activity::{IncomingActivity, OutgoingActivity},
        },
    },
};
use diesel_async::AsyncPgConnection;
use serde_json::Value;

/// Routes a verified activity from `actor` to its handler. A known kind that is
/// malformed is refused (400); unknown kinds are accepted and ignored, as the
/// protocol asks.
pub async fn receive(ctx: &AppContext, actor: &Account, activity: IncomingActivity) -> Result<()> {
    // A suspended actor's activities are refused, whatever they are (services::moderation).
    if actor.suspended_at.is_some() {
        tracing::info!(kind = %activity.kind, actor = %actor.uri.as_deref().unwrap_or_default(), "activity refused: the actor is suspended here");
        return Err(crate::error::Error::new(
            crate::error::ErrorKind::Forbidden,
            "your account is suspended on this server",
        ));
    }
    dispatch(ctx, actor, Activity::from_incoming(activity)?).await
}

/// Hands a typed activity from `actor` to its handler.
pub async fn dispatch(ctx: &AppContext, actor: &Account, activity: Activity) -> Result<()> {
    if actor.suspended_at.is_some() {
        return Err(crate::error::Error::new(
            crate::error::ErrorKind::Forbidden,
            "your account is suspended on this server",
        ));
    }
    match activity {
        Activity::Follow(a) => follow::receive_follow(ctx, actor, a).await,
        Activity::Accept(a) => follow::receive_accept(ctx, actor, a).await,
        Activity::Reject(a) => follow::receive_reject(ctx, actor, a).await,
        Activity::Undo(a) => undo::receive(ctx, actor, a).await,
        Activity::Create(a) => create_note::receive(ctx, actor, a).await,
        Activity::Update(a) => update::receive(ctx, actor, a).await,
        Activity::Delete(a) => delete::receive(ctx, actor, a).await,
        Activity::Like(a) => like::receive(ctx, actor, a).await,
        Activity::Announce(a) => announce::receive(ctx, actor, a).await,
        Activity::Block(a) => block::receive(ctx, actor, a).await,
        Activity::Flag(a) => flag::receive(ctx, actor, a).await,
        Activity::Add(a) => featured::receive_add(ctx, actor, a).await,
        Activity::Remove(a) => featured::receive_remove(ctx, actor, a).await,
        Activity::Move(a) => moving::receive(ctx, actor, a).await,
        Activity::Other { kind, id } => {
            tracing::info!(kind = %kind, id = %id, actor = %actor.uri.as_deref().unwrap_or_default(), "activity of an unsupported kind ignored");
            Ok(())
        }
    }
}

/// Builds an activity from a local account with our context.
/// `object` is one of the wire types (an id, an embedded Follow, a Note, an actor …).
pub fn outgoing(
    kind: &'static str,
    id: String,
    actor: String,
    object: impl serde::Serialize,
    to: Vec<String>,
    cc: Vec<String>,
) -> OutgoingActivity {
    // Our own wire types always serialise (no maps with non-string keys).
    let object = serde_json::to_value(object).unwrap_or(Value::Null);
    OutgoingActivity {
        context: Some(note_context()),
        id,
        kind,
        actor,
        published: None,
        to,
        cc,
        object,
        target: None,
    }
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
    let inboxes: Vec<String> = inboxes
        .into_iter()
        .filter(|i| !ctx.blocks.is_blocked_cached(i))
        .collect();
    delivery::enqueue(conn, &ctx.urls, sender, &activity.id, &value, inboxes).await
}

/// The inbox to reach a remote account at: its server's shared inbox when it has one.
pub fn inbox_of(account: &Account) -> Option<String> {
    if account.is_local() {
        return None;
    }
    account
        .shared_inbox_url
        .clone()
        .or_else(|| account.inbox_url.clone())
}

/// The personal inbox of a remote account.
pub fn personal_inbox_of(account: &Account) -> Option<String> {
    if account.is_local() {
        return None;
    }
    account.inbox_url.clone()
}
