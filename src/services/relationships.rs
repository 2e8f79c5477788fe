//! How one account stands to another, as a profile page and the API's
//! `Relationship` show it: following, asked to follow, followed by, blocking.

use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::{Block, Follow},
    },
    error::Result,
};

#[derive(Debug, Clone, Copy, Default)]
pub struct Relationship {
    pub following: bool,
    /// A follow request waiting for the other account's approval.
    pub requested: bool,
    pub followed_by: bool,
    /// The other account asked to follow this one and waits for an answer.
    pub requested_by: bool,
    pub blocking: bool,
    /// "Notify me when they post" is on (only while following).
    pub notifying: bool,
}

pub async fn between(ctx: &AppContext, me: &Account, other: &Account) -> Result<Relationship> {
    let mut conn = ctx.pool.get().await?;
    let mine = Follow::find(&mut conn, me.id, other.id).await?;
    let theirs = Follow::find(&mut conn, other.id, me.id).await?;
    let following = mine.as_ref().is_some_and(|f| f.accepted);
    Ok(Relationship {
        following,
        requested: mine.as_ref().is_some_and(|f| !f.accepted),
        followed_by: theirs.as_ref().is_some_and(|f| f.accepted),
        requested_by: theirs.as_ref().is_some_and(|f| !f.accepted),
        blocking: Block::exists(&mut conn, me.id, other.id).await?,
        notifying: following
            && crate::db::account_lists::notifies(&mut conn, me.id, other.id).await?,
    })
}
