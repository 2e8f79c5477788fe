//! Votes on polls, as Mastodon sends them: a `Create` of a `Note` whose `name` is
//! the chosen option and whose `inReplyTo` is the `Question`, addressed only to the
//! poll's author; one per option chosen. Such a note is counted, never stored as a
//! reply.

use super::outgoing;
use crate::{
    context::AppContext,
    db::{accounts::Account, polls::Poll, statuses::Status, StatusId},
    error::{Error, ErrorKind, Result},
    federation::{
        objects::note::same_host,
        protocol::{activity::OutgoingActivity, helpers::id_of, note::Vote},
    },
    services,
};
use serde_json::Value;

/// The id of a vote cast here (`…/users/NAME#votes/ID`), as Mastodon names its own.
pub fn vote_uri(ctx: &AppContext, voter: &Account, vote_id: i64) -> String {
    format!("{}#votes/{vote_id}", ctx.urls.actor(&voter.username))
}

/// The `Create` of one vote of `voter` for `option` of the poll `question` by `author`.
pub fn build(
    ctx: &AppContext,
    voter: &Account,
    vote_id: i64,
    option: &str,
    question: &str,
    author: &str,
) -> OutgoingActivity {
    let actor = ctx.urls.actor(&voter.username);
    let id = vote_uri(ctx, voter, vote_id);
    let note = Vote {
        id: id.clone(),
        kind: "Note",
        name: option.to_string(),
        attributed_to: actor.clone(),
        in_reply_to: question.to_string(),
        to: vec![author.to_string()],
    };
    outgoing(
        "Create",
        format!("{id}/activity"),
        actor,
        note,
        vec![author.to_string()],
        Vec::new(),
    )
}

/// Whether `object` (a created note) is a vote on one of our polls: the poll, its
/// post, and the chosen option's index.
pub async fn as_vote(ctx: &AppContext, object: &Value) -> Result<Option<(Status, Poll, usize)>> {
    let Some(name) = object
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
    else {
        return Ok(None);
    };
    let Some(parent) = object.get("inReplyTo").and_then(id_of) else {
        return Ok(None);
    };
    let Some((_, id)) = ctx.urls.local_status(&parent) else {
        return Ok(None);
    };
    let mut conn = ctx.pool.get().await?;
    let Some(status) = Status::find(&mut conn, StatusId(id))
        .await?
        .filter(|s| s.local && s.deleted_at.is_none())
    else {
        return Ok(None);
    };
    let Some(poll) = Poll::of_status(&mut conn, status.id).await? else {
        return Ok(None);
    };
    let Some(choice) = poll.options.iter().position(|o| o == name) else {
        return Ok(None);
    };
    Ok(Some((status, poll, choice)))
}

/// A remote vote on one of our polls (`object` is the vote's note).
pub async fn receive(
    ctx: &AppContext,
    actor: &Account,
    activity_id: &str,
    object: &Value,
    status: Status,
    poll: Poll,
    choice: usize,
) -> Result<()> {
    let actor_id = actor.uri.as_deref().unwrap_or_default();
    let object_id = id_of(object).unwrap_or_default();
    let author = object.get("attributedTo").and_then(id_of);
    if author.as_deref() != Some(actor_id) || !same_host(&object_id, actor_id) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "a vote must be the actor's own",
        ));
    }
    services::polls::vote_received(ctx, actor, &status, &poll, choice, &object_id, activity_id)
        .await
}
