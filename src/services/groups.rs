//! Subject groups hosted here (FEP-1b12, as Guppe and Lemmy run them): a local
//! account of type `Group` that people on any server follow to join, and that
//! boosts (`Announce`s) to all its members each post of a member that mentions it.
//! Joining is a Follow, answered at once for an open group; a closed group keeps
//! requests (approval by a moderator is not built yet).

use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::Follow,
        statuses::{Status, Visibility},
        users::User,
        AccountId, StatusId,
    },
    error::Result,
    services::accounts::{self, NewUser},
};

/// Creates the group `name`: a local account no one signs in as (its user is
/// disabled), of type `Group`, open unless `closed`.
pub async fn create(
    pool: &crate::db::DbPool,
    name: &str,
    display_name: Option<String>,
    closed: bool,
) -> Result<Account> {
    let created = accounts::create_local_user(
        pool,
        NewUser {
            username: name.to_string(),
            display_name,
            password: None,
            admin: false,
        },
    )
    .await?;
    let mut conn = pool.get().await?;
    User::set_disabled(&mut conn, created.user.id, true).await?;
    let group = Account::make_group(&mut conn, created.account.id, closed).await?;
    tracing::info!(group = %group.username, closed, "group created");
    Ok(group)
}

/// A new post `status` by `author` mentions `mentioned`: each local group among
/// them that `author` is a member of (follows, accepted) boosts it to all its
/// members. Public and unlisted posts only, as boosts are.
/// `mentioned` is `None` when the caller does not have them at hand (they are read).
pub async fn relay_new_post(
    ctx: &AppContext,
    status: StatusId,
    author: AccountId,
    mentioned: Option<&[AccountId]>,
) {
    if mentioned.is_some_and(|m| m.is_empty()) {
        return;
    }
    if let Err(e) = relay(ctx, status, author, mentioned).await {
        tracing::warn!(status = %status, error = %e, "a group could not relay a member's post");
    }
}

async fn relay(
    ctx: &AppContext,
    status: StatusId,
    author: AccountId,
    mentioned: Option<&[AccountId]>,
) -> Result<()> {
    let (groups, post) = {
        let mut conn = ctx.pool.get().await?;
        let groups = match mentioned {
            Some(ids) => Account::local_groups_among(&mut conn, ids).await?,
            None => Status::mentioned_accounts(&mut conn, status)
                .await?
                .into_iter()
                .filter(|a| a.is_local() && a.actor_type == "Group")
                .collect(),
        };
        if groups.is_empty() {
            return Ok(());
        }
        let mut members = Vec::new();
        for group in groups {
            if Follow::find(&mut conn, author, group.id)
                .await?
                .is_some_and(|f| f.accepted)
            {
                members.push(group);
            }
        }
        (members, Status::find(&mut conn, status).await?)
    };
    let Some(post) =
        post.filter(|p| p.deleted_at.is_none() && p.visibility() <= Visibility::Unlisted)
    else {
        return Ok(());
    };
    for group in groups {
        crate::services::statuses::reblog(ctx, &group, post.id).await?;
        tracing::info!(group = %group.username, status = %post.id, "group relayed a member's post");
    }
    Ok(())
}
