//! Polls: making one with a post, voting (here, or from another server), results
//! from a remote author's `Update`, and what happens when a poll ends (the `poll`
//! notification, the final counts sent out). The worker at the bottom sends our
//! polls' new counts to other servers at most every `UPDATE_DELAY`, and closes
//! polls whose time is up.

use super::events::Outcome;
use super::visibility::visible_status;
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        polls::{Poll, PollInsertForm, PollRefreshForm},
        received,
        statuses::Status,
        AccountId, StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::activities::{self, create_note, personal_inbox_of, vote},
};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::time::Duration;

/// Mastodon's defaults, which apps read from the instance's `configuration.polls`.
pub const MAX_OPTIONS: usize = 4;
pub const MAX_OPTION_CHARS: usize = 50;
pub const MIN_EXPIRATION: i64 = 300;
pub const MAX_EXPIRATION: i64 = 2_629_746;

/// How long our poll's changed counts wait before an `Update` tells other servers,
/// so that a burst of votes makes one Update rather than one each.
pub const UPDATE_DELAY: Duration = Duration::from_secs(5);
/// How often the worker looks for polls to close or to send.
const TICK: Duration = Duration::from_secs(1);
const BATCH: i64 = 50;

/// A poll as the author asks for it (`poll[…]` of `POST /api/v1/statuses`).
#[derive(Debug, Clone)]
pub struct NewPoll {
    pub options: Vec<String>,
    /// Seconds until it ends.
    pub expires_in: i64,
    pub multiple: bool,
    pub hide_totals: bool,
}

/// Checks a new poll as Mastodon does (2 to 4 options of at most 50 characters,
/// no two alike, from 5 minutes to a month).
pub fn check(poll: &NewPoll) -> Result<()> {
    let bad = |m: String| Err(Error::new(ErrorKind::BadRequest, m));
    if poll.options.len() < 2 {
        return bad("a poll needs at least 2 options".into());
    }
    if poll.options.len() > MAX_OPTIONS {
        return bad(format!("a poll can have at most {MAX_OPTIONS} options"));
    }
    for (i, o) in poll.options.iter().enumerate() {
        if o.trim().is_empty() {
            return bad("a poll option cannot be empty".into());
        }
        if o.chars().count() > MAX_OPTION_CHARS {
            return bad(format!(
                "a poll option can be at most {MAX_OPTION_CHARS} characters"
            ));
        }
        if poll.options[..i].iter().any(|p| p.trim() == o.trim()) {
            return bad("the poll has the same option twice".into());
        }
    }
    if poll.expires_in < MIN_EXPIRATION {
        return bad(format!(
            "a poll must last at least {MIN_EXPIRATION} seconds"
        ));
    }
    if poll.expires_in > MAX_EXPIRATION {
        return bad(format!("a poll can last at most {MAX_EXPIRATION} seconds"));
    }
    Ok(())
}

/// The row of a new (checked) poll of `status`.
pub fn form(poll: &NewPoll, status: StatusId, author: AccountId) -> PollInsertForm {
    PollInsertForm {
        id: crate::db::new_id(),
        status_id: status.0,
        account_id: author.0,
        tallies: vec![0; poll.options.len()],
        options: poll.options.iter().map(|o| o.trim().to_string()).collect(),
        multiple: poll.multiple,
        hide_totals: poll.hide_totals,
        voters_count: 0,
        expires_at: Some(chrono::Utc::now() + chrono::Duration::seconds(poll.expires_in)),
    }
}

/// A poll as `viewer` sees it.
pub struct PollView {
    pub poll: Poll,
    pub own_votes: Vec<i16>,
    pub voted: bool,
}

/// A poll, if `viewer` may see its post.
pub async fn get(ctx: &AppContext, viewer: &Account, id: i64) -> Result<PollView> {
    let mut conn = ctx.pool.get().await?;
    let poll = Poll::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))?;
    visible_status(&mut conn, viewer, poll.status_id)
        .await
        .map_err(|_| Error::not_found("Record not found"))?;
    view(&mut conn, poll, viewer).await
}

async fn view(conn: &mut AsyncPgConnection, poll: Poll, viewer: &Account) -> Result<PollView> {
    let own_votes = Poll::choices_of(conn, poll.id, viewer.id).await?;
    let voted = !own_votes.is_empty() || poll.account_id == viewer.id;
    Ok(PollView {
        poll,
        own_votes,
        voted,
    })
}

/// `voter` (a teacher here) votes for `choices` (option indexes). On our polls the
/// counts change at once (other servers hear of them with the next Update); on
/// another server's poll a vote per option goes to its author, as Mastodon sends it.
#[tracing::instrument(skip_all, fields(voter = %voter.username, poll = id))]
pub async fn vote(ctx: &AppContext, voter: &Account, id: i64, choices: &[i64]) -> Result<PollView> {
    let mut conn = ctx.pool.get().await?;
    let poll = Poll::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))?;
    let status = visible_status(&mut conn, voter, poll.status_id)
        .await
        .map_err(|_| Error::not_found("Record not found"))?;
    if poll.expired() {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "the poll has already ended",
        ));
    }
    let mut chosen: Vec<i16> = Vec::new();
    for &c in choices {
        let Some(i) = usize::try_from(c).ok().filter(|i| *i < poll.options.len()) else {
            return Err(Error::new(
                ErrorKind::BadRequest,
                format!("{c} is not one of the poll's options"),
            ));
        };
        if !chosen.contains(&(i as i16)) {
            chosen.push(i as i16);
        }
    }
    if chosen.is_empty() {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "choose at least one option",
        ));
    }
    if !poll.multiple && chosen.len() > 1 {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "this poll allows only one choice",
        ));
    }
    if !Poll::choices_of(&mut conn, poll.id, voter.id)
        .await?
        .is_empty()
    {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "you have already voted on this poll",
        ));
    }
    let author = Account::find(&mut conn, poll.account_id)
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let votes: Vec<(i64, i16, Option<String>)> = chosen
                .iter()
                .map(|c| {
                    let id = crate::db::new_id();
                    (id, *c, Some(vote::vote_uri(ctx, voter, id)))
                })
                .collect();
            let stored = Poll::add_votes(conn, &poll, voter.id, &votes, author.is_local()).await?;
            let mut n = 0;
            if !author.is_local() {
                let question = ctx.urls.status_uri(&status, &author);
                let author_id = ctx.urls.actor_id(&author);
                let inbox = personal_inbox_of(&author).or_else(|| activities::inbox_of(&author));
                for (vote_id, choice) in &stored {
                    let option = &poll.options[*choice as usize];
                    let activity = vote::build(ctx, voter, *vote_id, option, &question, &author_id);
                    n += activities::queue(conn, ctx, voter, &activity, inbox.clone()).await?;
                }
            }
            Ok(Outcome::none().delivering(n))
        })
        .await?;
    ctx.dispatch(outcome);
    tracing::info!(choices = ?chosen, "voted");
    let poll = Poll::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))?;
    view(&mut conn, poll, voter).await
}

/// A remote account's vote (`vote_uri`, in the activity `activity_id`) for option
/// `choice` of one of our polls. Deduplicated by the activity; a second vote in a
/// single-choice poll, or any vote after the end, is ignored.
pub async fn vote_received(
    ctx: &AppContext,
    voter: &Account,
    status: &Status,
    poll: &Poll,
    choice: usize,
    vote_uri: &str,
    activity_id: &str,
) -> Result<()> {
    let voter_id = voter.uri.as_deref().unwrap_or_default();
    if poll.expired() {
        tracing::info!(status = %status.id, voter = %voter_id, "vote after the poll ended ignored");
        return Ok(());
    }
    let mut conn = ctx.pool.get().await?;
    let counted = conn
        .transaction::<_, Error, _>(async |conn| {
            if !received::claim(conn, activity_id).await? {
                return Ok(false);
            }
            let stored = Poll::add_votes(
                conn,
                poll,
                voter.id,
                &[(
                    crate::db::new_id(),
                    choice as i16,
                    Some(vote_uri.to_string()),
                )],
                true,
            )
            .await?;
            Ok(!stored.is_empty())
        })
        .await?;
    if counted {
        tracing::info!(status = %status.id, voter = %voter_id, choice, "vote received");
    } else {
        tracing::info!(status = %status.id, voter = %voter_id, "repeated or second vote ignored");
    }
    Ok(())
}

/// A remote author's `Update` (or our fetch) of its `Question`: the counts, options
/// and end we know are replaced by what it says. Applied every time.
pub async fn refresh_received(
    ctx: &AppContext,
    status: &Status,
    form: &PollInsertForm,
) -> Result<bool> {
    let mut conn = ctx.pool.get().await?;
    let Some(poll) = Poll::of_status(&mut conn, status.id).await? else {
        // A post that became a poll when edited.
        Poll::insert(
            &mut conn,
            &PollInsertForm {
                status_id: status.id.0,
                ..form.clone()
            },
        )
        .await?;
        return Ok(true);
    };
    if poll.account_id != status.account_id {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "only a poll's author can change it",
        ));
    }
    let refresh = PollRefreshForm {
        options: form.options.clone(),
        tallies: form.tallies.clone(),
        multiple: form.multiple,
        voters_count: form.voters_count,
        expires_at: form.expires_at,
        updated_at: chrono::Utc::now(),
    };
    let changed = refresh.options != poll.options
        || refresh.tallies != poll.tallies
        || refresh.voters_count != poll.voters_count
        || refresh.expires_at != poll.expires_at;
    Poll::refresh(&mut conn, &poll, &refresh).await?;
    Ok(changed)
}

/// Tells other servers our poll's counts: an `Update` of the `Question` to everyone
/// who got the post and to the servers of those who voted.
async fn send_update(ctx: &AppContext, poll: &Poll) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let Some(status) = Status::find(&mut conn, poll.status_id)
        .await?
        .filter(|s| s.deleted_at.is_none())
    else {
        return Ok(());
    };
    let Some(author) = Account::find(&mut conn, poll.account_id)
        .await?
        .filter(|a| a.is_local())
    else {
        return Ok(());
    };
    let n = conn
        .transaction::<_, Error, _>(async |conn| {
            let (mut activity, mut inboxes) =
                create_note::build(conn, ctx, &status, &author, "Update").await?;
            // Each count change is its own Update (an edit's id names its edit time).
            activity.id = format!(
                "{}#updates/poll-{}",
                ctx.urls.status(&author.username, status.id),
                chrono::Utc::now().timestamp_millis()
            );
            inboxes.extend(Poll::voter_inboxes(conn, poll.id).await?);
            activities::queue(conn, ctx, &author, &activity, inboxes).await
        })
        .await?;
    ctx.dispatch(Outcome::none().delivering(n));
    tracing::info!(poll = poll.id, deliveries = n, "poll counts sent");
    Ok(())
}

/// A poll's end: our poll's final counts go out; another server's poll that someone
/// here voted in is fetched once more for its final counts; then the `poll`
/// notifications (voters here, and the author if ours).
async fn end(ctx: &AppContext, poll: &Poll) -> Result<()> {
    let (status, author, local_voters) = {
        let mut conn = ctx.pool.get().await?;
        let Some(status) = Status::find(&mut conn, poll.status_id)
            .await?
            .filter(|s| s.deleted_at.is_none())
        else {
            return Ok(());
        };
        let Some(author) = Account::find(&mut conn, poll.account_id).await? else {
            return Ok(());
        };
        let local_voters = Poll::has_local_voters(&mut conn, poll.id).await?;
        (status, author, local_voters)
    };
    if author.is_local() {
        send_update(ctx, poll).await?;
    } else if local_voters {
        if let Some(uri) = &status.uri {
            match crate::federation::fetch::fetch_object(ctx, uri).await {
                Ok(value) => {
                    if let Some(form) =
                        crate::federation::objects::note::incoming_poll(&value, &author)
                    {
                        refresh_received(ctx, &status, &form).await?;
                    }
                }
                Err(e) => {
                    tracing::info!(poll = poll.id, error = %e, "cannot fetch the final counts of a poll")
                }
            }
        }
    }
    let mut conn = ctx.pool.get().await?;
    let n = Poll::notify_ended(&mut conn, poll.id).await?;
    tracing::info!(poll = poll.id, notified = n, "poll ended");
    Ok(())
}

/// One round of the worker: polls whose time is up are closed, our polls whose
/// counts changed at least `UPDATE_DELAY` ago are sent. Several `serve` processes
/// may run it at once: each poll is claimed by one (`FOR UPDATE SKIP LOCKED`).
pub async fn tick(ctx: &AppContext) -> Result<()> {
    let ended = {
        let mut conn = ctx.pool.get().await?;
        Poll::claim_ended(&mut conn, BATCH).await?
    };
    for poll in &ended {
        if let Err(e) = end(ctx, poll).await {
            tracing::warn!(poll = poll.id, error = %e, "ending a poll failed");
        }
    }
    let before = chrono::Utc::now() - chrono::Duration::from_std(UPDATE_DELAY).unwrap_or_default();
    let changed = {
        let mut conn = ctx.pool.get().await?;
        Poll::claim_changed(&mut conn, before, BATCH).await?
    };
    for poll in changed
        .iter()
        .filter(|p| !ended.iter().any(|e| e.id == p.id))
    {
        if let Err(e) = send_update(ctx, poll).await {
            tracing::warn!(poll = poll.id, error = %e, "sending a poll's counts failed");
        }
    }
    Ok(())
}

/// Runs [`tick`] at once, then every second, until `stopped`.
pub fn start(ctx: AppContext, stopped: tokio::sync::watch::Receiver<bool>) {
    crate::periodic::every(std::time::Duration::ZERO, TICK, stopped, move || {
        let ctx = ctx.clone();
        async move {
            if let Err(e) = tick(&ctx).await {
                tracing::warn!(error = %e, "poll worker round failed");
            }
        }
    });
}
