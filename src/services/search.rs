//! Search, as the client API's `/api/v2/search` and the web's `/search` both ask it:
//! `@name@host` (WebFinger, then the actor), the URL of a post or an actor on any
//! server, a hashtag, or a local teacher's name. What it finds passes through
//! services::visibility like every other read: a post the viewer may not see is
//! not found, and a search never tells which.

use super::status_views::{self, StatusView};
use crate::{
    context::AppContext,
    db::accounts::Account,
    error::{Error, ErrorKind, Result},
    federation::fetch,
};

/// How many local accounts a name matches at most.
const MAX_ACCOUNTS: i64 = 20;

#[derive(Default)]
pub struct Results {
    pub accounts: Vec<Account>,
    pub statuses: Vec<StatusView>,
    /// Lower-cased names, without `#`.
    pub hashtags: Vec<String>,
}

/// What `query` finds for `viewer`. With `resolve`, accounts and posts not stored
/// yet are fetched from their servers; without it only what is known here is found.
#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn search(ctx: &AppContext, viewer: &Account, query: &str, resolve: bool) -> Result<Results> {
    let query = query.trim();
    let mut out = Results::default();
    if query.is_empty() || query.len() > 2000 {
        return Ok(out);
    }
    if query.starts_with("https://") || query.starts_with("http://") {
        let known = {
            let mut conn = ctx.pool.get().await?;
            Account::find_by_uri(&mut conn, query).await?
        };
        if let Some(account) = known {
            out.accounts.push(account);
        } else if let Some(view) = status_views::find_by_url(ctx, viewer, query, resolve).await? {
            out.statuses.push(view);
        } else if resolve {
            // Not a post: perhaps an actor. A server that does not answer is "nothing found".
            if let Some(name) = ctx.urls.local_username(query) {
                out.accounts.extend(super::accounts::find_local_account(&ctx.pool, name).await.ok());
            } else {
                out.accounts.extend(nothing_if_missing(fetch::resolve_actor(ctx, query).await)?);
            }
        }
    } else if let Some(tag) = query.strip_prefix('#') {
        out.hashtags.extend(super::tags::normalize(tag));
    } else {
        let acct = query.trim_start_matches('@');
        if acct.contains('@') {
            out.accounts.extend(nothing_if_missing(by_handle(ctx, acct, resolve).await)?);
        } else {
            out.accounts = local_by_name(ctx, acct).await?;
            out.hashtags.extend(super::tags::normalize(acct));
        }
    }
    let mut conn = ctx.pool.get().await?;
    let mut shown = Vec::with_capacity(out.accounts.len());
    for a in out.accounts {
        if super::visibility::may_see_account(&mut conn, &a).await? {
            shown.push(a);
        }
    }
    out.accounts = shown;
    Ok(out)
}

/// What could not be found, or not fetched from its server, is "nothing found"; a
/// failure of our own (the database) is still an error.
fn nothing_if_missing(found: Result<Account>) -> Result<Option<Account>> {
    match found {
        Ok(a) => Ok(Some(a)),
        Err(e) if matches!(e.kind, ErrorKind::Internal | ErrorKind::Unavailable) => Err(e),
        Err(_) => Ok(None),
    }
}

/// Local teachers by name: the one with exactly this username first, then those
/// whose username starts with it, if they let themselves be found (`discoverable`).
async fn local_by_name(ctx: &AppContext, name: &str) -> Result<Vec<Account>> {
    if super::accounts::validate_username(name).is_err() {
        return Ok(Vec::new());
    }
    let mut conn = ctx.pool.get().await?;
    let mut found: Vec<Account> = Account::find_local(&mut conn, name).await?.into_iter().collect();
    for a in Account::local_by_prefix(&mut conn, name, MAX_ACCOUNTS).await? {
        if a.discoverable && !found.iter().any(|f| f.id == a.id) {
            found.push(a);
        }
    }
    Ok(found)
}

/// How many accounts a mention suggests at most.
const MAX_SUGGESTIONS: i64 = 8;

/// Accounts to mention for what a teacher is typing after `@` (`ad`, `ada@sch`):
/// the people they follow, then the teachers here who let themselves be found,
/// whose username starts with it (and whose server, when a host is begun too).
/// Cheap by design: two index range reads, nothing fetched from anywhere.
pub async fn mention_suggestions(ctx: &AppContext, viewer: &Account, typed: &str) -> Result<Vec<Account>> {
    let typed = typed.trim_start_matches('@');
    let (user, host) = match typed.split_once('@') {
        Some((u, h)) => (u, Some(h.to_lowercase())),
        None => (typed, None),
    };
    if user.is_empty() || super::accounts::validate_username(user).is_err() {
        return Ok(Vec::new());
    }
    let mut conn = ctx.pool.get().await?;
    let mut found = Account::followed_by_prefix(&mut conn, viewer.id, user, MAX_SUGGESTIONS).await?;
    for a in Account::local_by_prefix(&mut conn, user, MAX_SUGGESTIONS).await? {
        if a.discoverable && a.id != viewer.id && !found.iter().any(|f| f.id == a.id) {
            found.push(a);
        }
    }
    let ours = ctx.urls.domain().to_lowercase();
    found.retain(|a| match &host {
        Some(h) => a.domain.as_deref().unwrap_or(&ours).to_lowercase().starts_with(h.as_str()),
        None => true,
    });
    found.truncate(MAX_SUGGESTIONS as usize);
    Ok(found)
}

/// An account by its handle, `name@host` (a leading `@` allowed): ours, one known
/// here, or, with `resolve`, one found through WebFinger on its server. Not found
/// (an error) otherwise, or when its server is one we refuse.
#[tracing::instrument(skip(ctx))]
pub async fn by_handle(ctx: &AppContext, handle: &str, resolve: bool) -> Result<Account> {
    let not_found = || Error::not_found(format!("no account {handle} is known here"));
    let (user, domain) = handle.trim_start_matches('@').split_once('@').ok_or_else(not_found)?;
    if user.is_empty() || domain.is_empty() || domain.contains(['/', '?', '#', '@']) {
        return Err(not_found());
    }
    let account = if domain.eq_ignore_ascii_case(ctx.urls.domain()) {
        super::accounts::find_local_account(&ctx.pool, user).await?
    } else if resolve {
        match fetch::webfinger(ctx, user, domain).await {
            Ok(account) => account,
            Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::BadRequest) => return Err(Error::not_found(e.message)),
            // Their server is down or answers nonsense: what we stored is better than nothing.
            Err(e) if e.kind == ErrorKind::RemoteFailed => {
                let mut conn = ctx.pool.get().await?;
                Account::find_remote(&mut conn, user, domain).await?.ok_or(e)?
            }
            Err(e) => return Err(e),
        }
    } else {
        let mut conn = ctx.pool.get().await?;
        Account::find_remote(&mut conn, user, domain).await?.ok_or_else(not_found)?
    };
    let mut conn = ctx.pool.get().await?;
    if !super::visibility::may_see_account(&mut conn, &account).await? {
        return Err(not_found());
    }
    Ok(account)
}
