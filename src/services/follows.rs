//! Following: asking, answering, and stopping. The client API and the inbox end in
//! the same functions here: a local follow and a remote Follow both go through
//! `follow_as`, a teacher's approval and a remote Accept both through `authorize`.

use super::events::{Event, Outcome};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::{Block, Follow},
        received,
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
    let uri = ctx
        .urls
        .activity(&follower.username, "follows", crate::db::new_id());
    follow_as(ctx, follower, target, &uri, None)
        .await?
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, "one of you has blocked the other"))
}

/// A remote `follower`'s Follow (`activity_id`) of a local account. An activity seen
/// before changes nothing (so one Follow at two inboxes is answered once).
pub async fn follow_received(
    ctx: &AppContext,
    follower: &Account,
    target: &Account,
    activity_id: &str,
) -> Result<Option<Follow>> {
    follow_as(ctx, follower, target, activity_id, Some(activity_id)).await
}

/// Records that `follower` follows `target` with the Follow `uri`, and tells whoever
/// must hear of it: a remote target gets the Follow, a remote follower of an open
/// (or already approved) account the Accept. `None` when a block stands between
/// them (a remote follower is sent a Reject), or the activity was seen before.
async fn follow_as(
    ctx: &AppContext,
    follower: &Account,
    target: &Account,
    uri: &str,
    activity: Option<&str>,
) -> Result<Option<Follow>> {
    if follower.id == target.id {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "you cannot follow yourself",
        ));
    }
    let mut conn = ctx.pool.get().await?;
    let (follow, outcome) = conn
        .transaction::<_, Error, _>(async |conn| {
            if let Some(id) = activity {
                if !received::claim(conn, id).await? {
                    tracing::debug!(id, "activity already processed");
                    return Ok((None, Outcome::none()));
                }
            }
            if Block::exists(conn, target.id, follower.id).await?
                || Block::exists(conn, follower.id, target.id).await?
            {
                if follower.is_local() {
                    return Ok((None, Outcome::none()));
                }
                let refused = Follow {
                    id: crate::db::new_id(),
                    account_id: follower.id,
                    target_account_id: target.id,
                    uri: Some(uri.to_string()),
                    accepted: false,
                    created_at: chrono::Utc::now(),
                };
                let n = activities::queue(
                    conn,
                    ctx,
                    target,
                    &follow_activity::build_reject(ctx, target, follower, &refused),
                    personal_inbox_of(follower),
                )
                .await?;
                return Ok((None, Outcome::none().delivering(n)));
            }
            let existing = Follow::find(conn, follower.id, target.id).await?;
            if let Some(existing) = &existing {
                // Nothing to ask again: local follows are answered at once.
                if follower.is_local() && (existing.accepted || target.is_local()) {
                    return Ok((Some(existing.clone()), Outcome::none()));
                }
            }
            let accepted = target.is_local()
                && (!target.locked || existing.as_ref().is_some_and(|f| f.accepted));
            let follow = Follow::upsert(conn, follower.id, target.id, Some(uri), accepted).await?;
            let mut n = 0;
            if !target.is_local() {
                n += activities::queue(
                    conn,
                    ctx,
                    follower,
                    &follow_activity::build_follow(ctx, follower, target, &follow),
                    personal_inbox_of(target),
                )
                .await?;
                if !follow.accepted {
                    Follow::schedule_resend(
                        conn,
                        follow.id,
                        chrono::Utc::now() + chrono::Duration::seconds(RESEND_DELAYS_SECS[0]),
                    )
                    .await?;
                }
            }
            if !follower.is_local() && follow.accepted {
                // Also to a repeated Follow: Mastodon re-sends Follow with fresh ids.
                n += activities::queue(
                    conn,
                    ctx,
                    target,
                    &follow_activity::build_accept(ctx, target, follower, &follow),
                    personal_inbox_of(follower),
                )
                .await?;
            }
            let event = if follow.accepted {
                Event::Followed {
                    follower: follower.id,
                    target: target.id,
                }
            } else {
                Event::FollowRequested {
                    follower: follower.id,
                    target: target.id,
                }
            };
            Ok((Some(follow), Outcome::of(event).delivering(n)))
        })
        .await?;
    if let Some(f) = &follow {
        tracing::info!(follower = %follower.username, target = %target.username, accepted = f.accepted, "follow recorded");
    }
    ctx.dispatch(outcome);
    Ok(follow)
}

/// When a Follow we sent is still unanswered, it is sent again after these delays
/// (then no more): a server may drop the first activity from an instance it has just
/// met (Lemmy), or have been down.
pub const RESEND_DELAYS_SECS: [i64; 4] = [60, 10 * 60, 60 * 60, 6 * 60 * 60];

/// Sends again the unanswered Follows that are due (same activity id, so a server
/// that did get the first takes it once); how many. Called by the resend task
/// (federation/follow_resend.rs) of every `serve` process; each Follow is taken by one.
pub async fn resend_unanswered(ctx: &AppContext) -> Result<usize> {
    let mut conn = ctx.pool.get().await?;
    let (sent, outcome) = conn
        .transaction::<_, Error, _>(async |conn| {
            let due = Follow::take_resends(conn, 100, &RESEND_DELAYS_SECS).await?;
            let mut n = 0;
            for follow in &due {
                let (Some(follower), Some(target)) = (Account::find(conn, follow.account_id).await?, Account::find(conn, follow.target_account_id).await?) else { continue };
                if !follower.is_local() || target.is_local() {
                    continue;
                }
                n += activities::queue(conn, ctx, &follower, &follow_activity::build_follow(ctx, &follower, &target, follow), personal_inbox_of(&target)).await?;
                tracing::info!(follower = %follower.username, target = %target.uri.as_deref().unwrap_or_default(), "unanswered Follow sent again");
            }
            Ok((due.len(), Outcome::none().delivering(n)))
        })
        .await?;
    ctx.dispatch(outcome);
    Ok(sent)
}

/// Stops following (or withdraws a request): a teacher here, or a remote follower's
/// `Undo` of its Follow. Applied every time it is asked.
#[tracing::instrument(skip_all, fields(follower = %follower.username, target = %target.username))]
pub async fn unfollow(ctx: &AppContext, follower: &Account, target: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let Some(follow) = Follow::delete(conn, follower.id, target.id).await? else {
                return Ok(Outcome::none());
            };
            let mut n = 0;
            if !target.is_local() {
                let undo = follow_activity::build_undo_follow(ctx, follower, target, &follow);
                n = activities::queue(conn, ctx, follower, &undo, personal_inbox_of(target))
                    .await?;
            }
            Ok(Outcome::of(Event::Unfollowed {
                follower: follower.id,
                target: target.id,
            })
            .delivering(n))
        })
        .await?;
    if !outcome.is_empty() {
        tracing::info!("unfollowed");
    }
    ctx.dispatch(outcome);
    Ok(())
}

/// `target` accepts `follower`'s follow: a locked account here approving a request
/// (a remote follower is sent Accept), or a remote account's Accept of ours. Applied
/// every time it arrives: some servers give every Accept for one follower the same
/// id, so deduplicating by id would lose a second follow's Accept.
pub async fn authorize(ctx: &AppContext, target: &Account, follower: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let follow = Follow::find(conn, follower.id, target.id)
                .await?
                .ok_or_else(|| Error::not_found("no such follow request"))?;
            if Follow::accept(conn, follow.id).await? == 0 {
                return Ok(Outcome::none());
            }
            let mut n = 0;
            if !follower.is_local() {
                n = activities::queue(
                    conn,
                    ctx,
                    target,
                    &follow_activity::build_accept(ctx, target, follower, &follow),
                    personal_inbox_of(follower),
                )
                .await?;
            }
            Ok(Outcome::of(Event::FollowAccepted {
                follower: follower.id,
                target: target.id,
            })
            .delivering(n))
        })
        .await?;
    if !outcome.is_empty() {
        tracing::info!(follower = %follower.username, target = %target.username, "follow accepted");
    }
    ctx.dispatch(outcome);
    Ok(())
}

/// `target` refuses `follower`'s follow (or removes a follower): a teacher here (a
/// remote follower is sent Reject), or a remote account's Reject of ours.
pub async fn reject(ctx: &AppContext, target: &Account, follower: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let follow = Follow::delete(conn, follower.id, target.id)
                .await?
                .ok_or_else(|| Error::not_found("no such follow request"))?;
            let mut n = 0;
            if !follower.is_local() {
                n = activities::queue(
                    conn,
                    ctx,
                    target,
                    &follow_activity::build_reject(ctx, target, follower, &follow),
                    personal_inbox_of(follower),
                )
                .await?;
            }
            Ok(Outcome::of(Event::FollowRejected {
                follower: follower.id,
                target: target.id,
            })
            .delivering(n))
        })
        .await?;
    tracing::info!(follower = %follower.username, target = %target.username, "follow rejected");
    ctx.dispatch(outcome);
    Ok(())
}

/// `blocker` blocks `target`: follows both ways end, and a remote target is told.
/// Also a remote account's Block of one of ours (kept, as Mastodon keeps it, until
/// its Undo). Applied every time.
pub async fn block(ctx: &AppContext, blocker: &Account, target: &Account) -> Result<()> {
    if blocker.id == target.id {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "you cannot block yourself",
        ));
    }
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            Follow::delete(conn, blocker.id, target.id).await?;
            Follow::delete(conn, target.id, blocker.id).await?;
            let id = Block::insert(conn, blocker.id, target.id, None).await?;
            let mut n = 0;
            if !target.is_local() {
                let activity = activities::block::build(ctx, blocker, target, id);
                n = activities::queue(conn, ctx, blocker, &activity, personal_inbox_of(target))
                    .await?;
            }
            Ok(Outcome::of(Event::Blocked {
                account: blocker.id,
                target: target.id,
            })
            .delivering(n))
        })
        .await?;
    tracing::info!(blocker = %blocker.username, target = %target.username, "blocked: follows between them removed");
    ctx.dispatch(outcome);
    Ok(())
}

/// A remote account's Undo of its Block of one of ours.
pub async fn unblock(ctx: &AppContext, blocker: &Account, target: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    if Block::delete(&mut conn, blocker.id, target.id).await? > 0 {
        tracing::info!(blocker = %blocker.username, target = %target.username, "unblocked");
        ctx.dispatch(Outcome::of(Event::Unblocked {
            account: blocker.id,
            target: target.id,
        }));
    }
    Ok(())
}

/// "Notify me when they post": `status` notifications for `target`'s new posts while
/// `follower` follows it (set on follow, as Mastodon's `notify` parameter).
pub async fn set_notify(
    ctx: &AppContext,
    follower: &Account,
    target: &Account,
    notify: bool,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    crate::db::account_lists::set_notify(&mut conn, follower.id, target.id, notify).await?;
    Ok(())
}
