//! Who may see what.

use crate::{
    db::{accounts::Account, statuses::{Status, Visibility}, StatusId},
    error::{Error, Result},
};
use diesel_async::AsyncPgConnection;

/// A post a local account may reply to, boost or favourite: not deleted, and visible to it.
pub async fn visible_status(conn: &mut AsyncPgConnection, viewer: &Account, id: StatusId) -> Result<Status> {
    let status = Status::find(conn, id).await?.filter(|s| s.deleted_at.is_none()).ok_or_else(|| Error::not_found("no such post"))?;
    if status.visibility() >= Visibility::Private && status.account_id != viewer.id {
        let mentioned = Status::mentioned_accounts(conn, status.id).await?.iter().any(|a| a.id == viewer.id);
        let follows = status.visibility() == Visibility::Private
            && crate::db::follows::Follow::find(conn, viewer.id, status.account_id).await?.is_some_and(|f| f.accepted);
        if !mentioned && !follows {
            return Err(Error::not_found("no such post"));
        }
    }
    Ok(status)
}
