//! Who may see what: the one rule every read path asks — the client API, the web
//! pages, ActivityPub fetches of objects and collections, and the outbox.
//!
//! A viewer is an account (local, or the remote actor that signed a fetch) or
//! nobody (not signed in, or an unsigned fetch). A post is visible to a viewer when
//! all of these hold:
//! - it is not deleted, its author's server is not one we refuse (domain block),
//!   and its author is not suspended (services::moderation);
//! - neither blocks the other (in both directions);
//! - the viewer is its author; or it is public or unlisted and its author is not
//!   silenced (limited); or it is not direct and the viewer follows the author (an
//!   accepted follow, not a request); or the viewer is mentioned in it (the only
//!   way to see a direct post);
//! - a boost is visible only if the boosted post is too.
//!
//! Lists (timelines, bookmarks, an account's posts, outboxes, replies) add
//! `db::visibility::visible_to(viewer)` to their query; single posts are checked
//! with the same SQL (`may_see`), so a list and a single post never disagree.
//! Which posts a list *selects* (home: followed accounts; public: public posts) is
//! the list's own business; who may see them is decided here.

use crate::{
    db::{accounts::Account, statuses::Status, visibility, AccountId, StatusId},
    error::{Error, Result},
};
use diesel_async::AsyncPgConnection;

/// Whether `viewer` (None: nobody signed in) may see `status`.
pub async fn may_see(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    status: &Status,
) -> Result<bool> {
    Ok(!visibility::visible_ids(conn, viewer, &[status.id])
        .await?
        .is_empty())
}

/// A post by id if `viewer` may see it; "not found" otherwise, as if it did not exist.
pub async fn visible(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    id: StatusId,
) -> Result<Status> {
    let status = Status::find(conn, id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    if !may_see(conn, viewer, &status).await? {
        return Err(Error::not_found("no such post"));
    }
    Ok(status)
}

/// A post a local account may read, reply to, boost or favourite.
pub async fn visible_status(
    conn: &mut AsyncPgConnection,
    viewer: &Account,
    id: StatusId,
) -> Result<Status> {
    visible(conn, Some(viewer.id), id).await
}

/// The posts of `statuses` that `viewer` may see, in the order given.
pub async fn only_visible(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    statuses: Vec<Status>,
) -> Result<Vec<Status>> {
    let ids: Vec<StatusId> = statuses.iter().map(|s| s.id).collect();
    let shown = visibility::visible_ids(conn, viewer, &ids).await?;
    Ok(statuses
        .into_iter()
        .filter(|s| shown.contains(&s.id))
        .collect())
}

/// Whether `viewer` may see an account's profile. Profiles are public (even to an
/// account the owner blocks, as on Mastodon: their posts are what is hidden), except
/// accounts on servers we refuse.
pub async fn may_see_account(conn: &mut AsyncPgConnection, account: &Account) -> Result<bool> {
    if account.is_local() {
        return Ok(true);
    }
    Ok(!visibility::account_domain_blocked(conn, account.id).await?)
}

/// Of `others`, those `viewer` blocks or is blocked by: what they do does not
/// reach the viewer (notifications from them, for one).
pub async fn blocked_either(
    conn: &mut AsyncPgConnection,
    viewer: AccountId,
    others: &[AccountId],
) -> Result<Vec<AccountId>> {
    Ok(visibility::blocked_either(conn, viewer, others).await?)
}
