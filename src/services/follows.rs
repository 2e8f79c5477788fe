//! Following: asking, answering, and stopping.

use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::{Block, Follow},
    },
    error::{Error, ErrorKind, Result},
    federation::activities::{self, follow as follow_activity, personal_inbox_of},
};
use diesel_async::AsyncConnection;

/// `follower` (local) follows `target`. Local targets answer at once; remote ones
/// get a Follow and answer with Accept or Reject later. Following again re-sends a
/// pending request.
#[tracing::instrument(skip_all, fields(follower = %follower.username, target = %target.username))]
pub async fn follow(ctx: &AppContext, follower: &Account, target: &Account) -> Result<Follow> {
    if follower.id == target.id {
        return Err(Error::new(ErrorKind::Forbidden, "you cannot follow yourself"));
    }
    let mut conn = ctx.pool.get().await?;
    let follow = conn
        .transaction::<_, Error, _>(async |conn| {
            if Block::exists(conn, target.id, follower.id).await? || Block::exists(conn, follower.id, target.id).await? {
                return Err(Error::new(ErrorKind::Forbidden, "one of you has blocked the other"));
            }
            if let Some(existing) = Follow::find(conn, follower.id, target.id).await? {
                if existing.accepted || target.is_local() {
                    return Ok(existing);
                }
            }
            let accepted = target.is_local() && !target.locked;
            let uri = ctx.urls.activity(&follower.username, "follows", crate::db::new_id());
            let follow = Follow::upsert(conn, follower.id, target.id, Some(&uri), accepted).await?;
            if !target.is_local() {
                activities::queue(conn, ctx, follower, &follow_activity::build_follow(ctx, follower, target, &follow), personal_inbox_of(target)).await?;
            }
            Ok(follow)
        })
        .await?;
    ctx.followed.forget(target.id);
    ctx.deliveries_queued();
    Ok(follow)
}

/// Stops following (or withdraws a request).
#[tracing::instrument(skip_all, fields(follower = %follower.username, target = %target.username))]
pub async fn unfollow(ctx: &AppContext, follower: &Account, target: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        if let Some(follow) = Follow::delete(conn, follower.id, target.id).await? {
            if !target.is_local() {
                let undo = follow_activity::build_undo_follow(ctx, follower, target, &follow);
                activities::queue(conn, ctx, follower, &undo, personal_inbox_of(target)).await?;
            }
        }
        Ok(())
    })
    .await?;
    ctx.followed.forget(target.id);
    ctx.deliveries_queued();
    Ok(())
}

/// A locked account approves a follow request.
pub async fn authorize(ctx: &AppContext, target: &Account, follower: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        let follow = Follow::find(conn, follower.id, target.id).await?.ok_or_else(|| Error::not_found("no such follow request"))?;
        Follow::accept(conn, follow.id).await?;
        if !follower.is_local() {
            activities::queue(conn, ctx, target, &follow_activity::build_accept(ctx, target, follower, &follow), personal_inbox_of(follower)).await?;
        }
        Ok(())
    })
    .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// A locked account refuses a follow request (or removes a follower).
pub async fn reject(ctx: &AppContext, target: &Account, follower: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        let follow = Follow::delete(conn, follower.id, target.id).await?.ok_or_else(|| Error::not_found("no such follow request"))?;
        if !follower.is_local() {
            activities::queue(conn, ctx, target, &follow_activity::build_reject(ctx, target, follower, &follow), personal_inbox_of(follower)).await?;
        }
        Ok(())
    })
    .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// Blocks `target`: follows both ways end, and a remote target is told.
pub async fn block(ctx: &AppContext, blocker: &Account, target: &Account) -> Result<()> {
    if blocker.id == target.id {
        return Err(Error::new(ErrorKind::Forbidden, "you cannot block yourself"));
    }
    let mut conn = ctx.pool.get().await?;
    conn.transaction::<_, Error, _>(async |conn| {
        Follow::delete(conn, blocker.id, target.id).await?;
        Follow::delete(conn, target.id, blocker.id).await?;
        let id = Block::insert(conn, blocker.id, target.id, None).await?;
        if !target.is_local() {
            let activity = activities::block::build(ctx, blocker, target, id);
            activities::queue(conn, ctx, blocker, &activity, personal_inbox_of(target)).await?;
        }
        Ok(())
    })
    .await?;
    ctx.followed.forget(target.id);
    ctx.deliveries_queued();
    Ok(())
}

/// "Notify me when they post": `status` notifications for `target`'s new posts while
/// `follower` follows it (set on follow, as Mastodon's `notify` parameter).
pub async fn set_notify(ctx: &AppContext, follower: &Account, target: &Account, notify: bool) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    crate::db::account_lists::set_notify(&mut conn, follower.id, target.id, notify).await?;
    Ok(())
}
