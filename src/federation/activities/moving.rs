//! `Move`: a teacher's account now lives elsewhere (services::moving).

use super::outgoing;
use crate::{
    context::AppContext,
    db::accounts::Account,
    error::{Error, ErrorKind, Result},
    federation::protocol::{activities as protocol, activity::OutgoingActivity},
    services,
};

/// `{type: Move, actor: us, object: us, target: the new account}` to our followers.
pub fn build(ctx: &AppContext, account: &Account, target: &str) -> OutgoingActivity {
    let actor = ctx.urls.actor(&account.username);
    let mut activity = outgoing(
        "Move",
        format!("{actor}#moves/{}", crate::db::new_id()),
        actor.clone(),
        actor,
        vec![ctx.urls.followers(&account.username)],
        vec![],
    );
    activity.target = Some(target.to_string());
    activity
}

/// Only an actor moves itself; the target must name it as an alias (checked there).
pub async fn receive(ctx: &AppContext, actor: &Account, activity: protocol::Move) -> Result<()> {
    if actor.uri.as_deref() != Some(activity.object.as_str()) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "an actor can only move itself",
        ));
    }
    services::moving::received(ctx, actor, &activity.target).await
}
