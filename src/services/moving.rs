//! Account migration, both ways, as Mastodon does it. A teacher moving *here*
//! first names their old account as an alias (`alsoKnownAs`) of their new one; a
//! teacher moving *away* names the new account, whose aliases must name this one,
//! and a `Move` goes to their followers, whose servers re-point their follows. A
//! `Move` received is believed only when the target's document, fetched afresh
//! from its own server, names the origin among its aliases; then the follows of our
//! teachers move from the old account to the new one.

use super::events::{Event, Outcome};
use crate::{
    context::AppContext,
    db::{self, accounts::Account, follows::Follow},
    error::{Error, ErrorKind, Result},
    federation::{activities, fetch},
};
use diesel_async::{AsyncConnection, AsyncPgConnection};

pub const MAX_ALIASES: usize = 10;

/// What an actor document says about migration.
#[derive(Debug, Clone, Default)]
pub struct Moving {
    /// Actor ids.
    pub aliases: Vec<String>,
    /// The actor id it moved to.
    pub moved_to: Option<String>,
}

fn actor_id(ctx: &AppContext, account: &Account) -> String {
    if account.is_local() {
        ctx.urls.actor(&account.username)
    } else {
        account.uri.clone().unwrap_or_default()
    }
}

pub async fn moving_in(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    account: &Account,
) -> Result<Moving> {
    let aliases = db::aliases::of(conn, account.id).await?;
    let moved_to = db::aliases::moved_to(conn, account.id)
        .await?
        .map(|t| actor_id(ctx, &t));
    Ok(Moving { aliases, moved_to })
}

/// The account this one moved to, if it did (Mastodon's `moved`): ours after an
/// outgoing `Move`, another server's after a `Move` we believed.
pub async fn moved_to(ctx: &AppContext, account: &Account) -> Result<Option<Account>> {
    let mut conn = ctx.pool.get().await?;
    Ok(db::aliases::moved_to(&mut conn, account.id).await?)
}

pub async fn moving_of(ctx: &AppContext, account: &Account) -> Result<Moving> {
    let mut conn = ctx.pool.get().await?;
    moving_in(&mut conn, ctx, account).await
}

/// An account named by `user@host` or by its actor URL, fetched if unknown.
async fn find(ctx: &AppContext, given: &str) -> Result<Account> {
    let given = given.trim();
    if given.starts_with("https://") || given.starts_with("http://") {
        fetch::resolve_actor(ctx, given).await
    } else {
        super::search::by_handle(ctx, given, true).await
    }
}

/// Sets the teacher's aliases (handles or actor URLs, one a line or comma-separated;
/// empty clears them) and tells their followers' servers with an `Update`.
#[tracing::instrument(skip_all, fields(account = %account.username))]
pub async fn set_aliases(ctx: &AppContext, account: &Account, given: &str) -> Result<Vec<String>> {
    let names: Vec<&str> = given
        .split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if names.len() > MAX_ALIASES {
        return Err(Error::bad_request(format!("at most {MAX_ALIASES} aliases")));
    }
    let mut uris = Vec::new();
    for name in names {
        let found = find(ctx, name).await.map_err(|e| match e.kind {
            ErrorKind::Internal => e,
            _ => Error::bad_request(format!("{name}: {}", e.message)),
        })?;
        if found.id == account.id {
            return Err(Error::bad_request("an account cannot be its own alias"));
        }
        uris.push(actor_id(ctx, &found));
    }
    uris.sort();
    uris.dedup();
    let mut conn = ctx.pool.get().await?;
    let n = conn
        .transaction::<_, Error, _>(async |conn| {
            db::aliases::set(conn, account.id, &uris).await?;
            announce_profile(conn, ctx, account).await
        })
        .await?;
    tracing::info!(aliases = uris.len(), "aliases set");
    ctx.dispatch(
        Outcome::of(Event::ProfileUpdated {
            account: account.id,
        })
        .delivering(n),
    );
    Ok(uris)
}

/// Queues an `Update` of the account's actor document to its followers' servers.
async fn announce_profile(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    account: &Account,
) -> Result<usize> {
    let extras = super::published::actor_extras_in(conn, ctx, account).await?;
    let inboxes = Follow::follower_inboxes(conn, account.id).await?;
    let activity = activities::update::build_actor(ctx, account, extras);
    activities::queue(conn, ctx, account, &activity, inboxes).await
}

/// The aliases `target` declares, read afresh: from its own server for a remote
/// account (and stored), from here for ours.
async fn aliases_of_target(ctx: &AppContext, target: &Account) -> Result<Vec<String>> {
    if target.is_local() {
        let mut conn = ctx.pool.get().await?;
        return Ok(db::aliases::of(&mut conn, target.id).await?);
    }
    let uri = target
        .uri
        .clone()
        .ok_or_else(|| Error::internal(anyhow::anyhow!("remote account without uri")))?;
    let fetched = fetch::fetch_actor(ctx, &uri).await?;
    fetch::store_actor(ctx, &fetched).await?;
    Ok(fetched.also_known_as)
}

/// The teacher moves to `target` (`user@host` or an actor URL): their followers'
/// servers are sent a `Move`, and followers here follow the new account at once.
#[tracing::instrument(skip_all, fields(account = %account.username))]
pub async fn move_to(ctx: &AppContext, account: &Account, target: &str) -> Result<Account> {
    let target = find(ctx, target).await.map_err(|e| match e.kind {
        ErrorKind::Internal => e,
        _ => Error::bad_request(format!("the new account cannot be found: {}", e.message)),
    })?;
    if target.id == account.id {
        return Err(Error::bad_request("that is this account"));
    }
    let origin = ctx.urls.actor(&account.username);
    if !aliases_of_target(ctx, &target).await?.contains(&origin) {
        return Err(Error::bad_request(format!(
            "the new account does not name this one as an alias yet: add {origin} (or @{}@{}) to its aliases first",
            account.username,
            ctx.urls.domain()
        )));
    }
    let target_id = actor_id(ctx, &target);
    let mut conn = ctx.pool.get().await?;
    let n = conn
        .transaction::<_, Error, _>(async |conn| {
            db::aliases::set_moved_to(conn, account.id, Some(target.id)).await?;
            let inboxes = Follow::follower_inboxes(conn, account.id).await?;
            let activity = activities::moving::build(ctx, account, &target_id);
            activities::queue(conn, ctx, account, &activity, inboxes).await
        })
        .await?;
    tracing::info!(target = %target_id, deliveries = n, "account moved");
    ctx.dispatch(
        Outcome::of(Event::ProfileUpdated {
            account: account.id,
        })
        .delivering(n),
    );
    repoint_local_followers(ctx, account, &target).await?;
    Ok(target)
}

/// A verified `Move` of `origin` (the actor that sent it) to `target_uri`.
#[tracing::instrument(skip_all, fields(origin = %origin.uri.as_deref().unwrap_or_default(), target = %target_uri))]
pub async fn received(ctx: &AppContext, origin: &Account, target_uri: &str) -> Result<()> {
    let origin_uri = origin.uri.clone().unwrap_or_default();
    let target = match ctx.urls.local_username(target_uri) {
        Some(name) => {
            let target = super::accounts::find_local_account(&ctx.pool, name).await?;
            if !aliases_of_target(ctx, &target).await?.contains(&origin_uri) {
                return Err(refused_move(&origin_uri, target_uri));
            }
            target
        }
        None => {
            // Afresh, whatever is cached: the alias may have been added a moment ago.
            let fetched = fetch::fetch_actor(ctx, target_uri).await?;
            if !fetched.also_known_as.contains(&origin_uri) {
                return Err(refused_move(&origin_uri, target_uri));
            }
            fetch::store_actor(ctx, &fetched).await?
        }
    };
    if target.id == origin.id {
        return Err(refused_move(&origin_uri, target_uri));
    }
    {
        let mut conn = ctx.pool.get().await?;
        db::aliases::set_moved_to(&mut conn, origin.id, Some(target.id)).await?;
    }
    let moved = repoint_local_followers(ctx, origin, &target).await?;
    tracing::info!(followers = moved, "move received; follows re-pointed");
    Ok(())
}

fn refused_move(origin: &str, target: &str) -> Error {
    tracing::info!(%origin, %target, "Move refused: the target does not name the origin as an alias");
    Error::new(
        ErrorKind::Forbidden,
        format!("{target} does not name {origin} among its aliases (alsoKnownAs)"),
    )
}

/// Our teachers who follow `origin` follow `target` instead; how many.
async fn repoint_local_followers(
    ctx: &AppContext,
    origin: &Account,
    target: &Account,
) -> Result<usize> {
    let followers = {
        let mut conn = ctx.pool.get().await?;
        db::aliases::local_followers(&mut conn, origin.id).await?
    };
    let mut moved = 0;
    for follower in &followers {
        if follower.id == target.id {
            continue;
        }
        match super::follows::follow(ctx, follower, target).await {
            Ok(_) => {
                super::follows::unfollow(ctx, follower, origin).await?;
                moved += 1;
            }
            // Blocked either way: that follower stays where they were.
            Err(e) if e.kind == ErrorKind::Forbidden => {
                tracing::info!(follower = %follower.username, "not re-pointed: a block stands between them")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
}
