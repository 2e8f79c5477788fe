//! Search, as the client API's `/api/v2/search` and the web's `/search` both ask it:
//! `@name@host` (WebFinger, then the actor), the URL of a post or an actor on any
//! server, hashtags (the one typed and those in use that start with it), a local
//! teacher's name, and the words of posts (full-text search: one's own posts, those
//! one interacted with, public posts of accounts that opted in; `db::search`). What
//! it finds passes through services::visibility like every other read: a post the
//! viewer may not see is not found, and a search never tells which.

use super::{
    status_views::{self, StatusView},
    tags::TagView,
};
use crate::{
    context::AppContext,
    db::{accounts::Account, search::PostSearch, AccountId},
    error::{Error, ErrorKind, Result},
    federation::fetch,
};

/// How many local accounts a name matches at most.
const MAX_ACCOUNTS: i64 = 20;

#[derive(Default)]
pub struct Results {
    pub accounts: Vec<Account>,
    pub statuses: Vec<StatusView>,
    pub hashtags: Vec<TagView>,
}

/// Which kinds of results are wanted (Mastodon's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Accounts,
    Statuses,
    Hashtags,
}

impl Kind {
    pub fn parse(word: &str) -> Result<Kind> {
        match word {
            "accounts" => Ok(Kind::Accounts),
            "statuses" => Ok(Kind::Statuses),
            "hashtags" => Ok(Kind::Hashtags),
            other => Err(Error::bad_request(format!(
                "type must be accounts, statuses or hashtags, not {other:?}"
            ))),
        }
    }
}

/// How a search is asked: with `resolve`, accounts and posts not stored yet are
/// fetched from their servers; `kind` keeps one kind of result; `account` keeps posts
/// of one account; `max_id`/`min_id` bound the posts found by words; `offset` and
/// `limit` page every kind.
#[derive(Debug, Clone)]
pub struct Options {
    pub resolve: bool,
    pub kind: Option<Kind>,
    pub account: Option<AccountId>,
    pub max_id: Option<i64>,
    pub min_id: Option<i64>,
    pub offset: i64,
    pub limit: i64,
    /// The language the words are in (their stemmed form is searched too); `None`:
    /// the teacher's chosen page language, else English.
    pub language: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            resolve: false,
            kind: None,
            account: None,
            max_id: None,
            min_id: None,
            offset: 0,
            limit: DEFAULT_LIMIT,
            language: None,
        }
    }
}

/// Results of each kind by default, and at most (Mastodon's).
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 40;
/// How far into results `offset` may reach.
pub const MAX_OFFSET: i64 = 10_000;

/// What `query` finds for `viewer`.
#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn search(
    ctx: &AppContext,
    viewer: &Account,
    query: &str,
    options: &Options,
) -> Result<Results> {
    let query = query.trim();
    let mut out = Results::default();
    if query.is_empty() || query.len() > 2000 {
        return Ok(out);
    }
    let wants = |k: Kind| options.kind.is_none_or(|w| w == k);
    let (limit, offset) = (
        options.limit.clamp(1, MAX_LIMIT),
        options.offset.clamp(0, MAX_OFFSET),
    );
    let mut words = true;
    let mut tag_prefix = None;
    if query.starts_with("https://") || query.starts_with("http://") {
        words = false;
        let known = {
            let mut conn = ctx.pool.get().await?;
            Account::find_by_uri(&mut conn, query).await?
        };
        if let Some(account) = known {
            out.accounts.push(account);
        } else if let Some(view) =
            status_views::find_by_url(ctx, viewer, query, options.resolve).await?
        {
            out.statuses.push(view);
        } else if options.resolve {
            // Not a post: perhaps an actor. A server that does not answer is "nothing found".
            if let Some(name) = ctx.urls.local_username(query) {
                out.accounts.extend(
                    super::accounts::find_local_account(&ctx.pool, name)
                        .await
                        .ok(),
                );
            } else {
                out.accounts
                    .extend(nothing_if_missing(fetch::resolve_actor(ctx, query).await)?);
            }
        }
    } else if let Some(tag) = query.strip_prefix('#') {
        tag_prefix = super::tags::normalize(tag);
    } else {
        let acct = query.trim_start_matches('@');
        if acct.contains('@') && !acct.contains(char::is_whitespace) {
            words = false;
            if wants(Kind::Accounts) {
                out.accounts.extend(nothing_if_missing(
                    by_handle(ctx, acct, options.resolve).await,
                )?);
            }
        } else {
            if wants(Kind::Accounts) && offset == 0 {
                out.accounts = local_by_name(ctx, acct).await?;
            }
            tag_prefix = super::tags::normalize(acct);
        }
    }
    if let (Some(name), true) = (tag_prefix, wants(Kind::Hashtags)) {
        out.hashtags = hashtags(ctx, viewer, &name, limit, offset).await?;
    }
    if words && wants(Kind::Statuses) {
        out.statuses = by_words(ctx, viewer, query, options, limit, offset).await?;
    }
    if !wants(Kind::Accounts) {
        out.accounts.clear();
    }
    if !wants(Kind::Statuses) {
        out.statuses.clear();
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

/// The hashtag typed (whether used here or not) and those in use that start with
/// it, in order, with their history.
async fn hashtags(
    ctx: &AppContext,
    viewer: &Account,
    name: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<TagView>> {
    let names = {
        let mut conn = ctx.pool.get().await?;
        let mut names = vec![name.to_string()];
        for found in crate::db::tags::with_prefix(&mut conn, name, offset + limit + 1).await? {
            if found != name {
                names.push(found);
            }
        }
        names
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect::<Vec<_>>()
    };
    super::tags::views(ctx, Some(viewer), names).await
}

/// Posts found by their words, newest first, as `viewer` sees them.
async fn by_words(
    ctx: &AppContext,
    viewer: &Account,
    words: &str,
    options: &Options,
    limit: i64,
    offset: i64,
) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let language = match &options.language {
        Some(l) => Some(l.clone()),
        None => crate::db::users::User::find_by_account(&mut conn, viewer.id)
            .await?
            .and_then(|u| u.language),
    }
    // Without a choice, English stems: the words as written are searched anyway.
    .or_else(|| Some("en".to_string()));
    let search = PostSearch {
        viewer: viewer.id,
        words: words.to_string(),
        language,
        author: options.account,
        max_id: options.max_id,
        min_id: options.min_id,
        offset,
        limit,
    };
    let ids = crate::db::search::posts(&mut conn, &search).await?;
    let mut statuses = crate::db::status_batch::statuses(&mut conn, &ids).await?;
    statuses.sort_by_key(|s| std::cmp::Reverse(s.id));
    status_views::views(&mut conn, statuses, Some(viewer)).await
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
    let mut found: Vec<Account> = Account::find_local(&mut conn, name)
        .await?
        .into_iter()
        .collect();
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
/// Hashtags used here that begin with what is typed after `#` in the compose form
/// (two characters at least), in name order.
pub async fn hashtag_suggestions(ctx: &AppContext, typed: &str) -> Result<Vec<String>> {
    let Some(prefix) = super::tags::normalize(typed) else {
        return Ok(Vec::new());
    };
    if prefix.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let mut conn = ctx.pool.get().await?;
    Ok(crate::db::tags::with_prefix(&mut conn, &prefix.to_lowercase(), MAX_SUGGESTIONS).await?)
}

pub async fn mention_suggestions(
    ctx: &AppContext,
    viewer: &Account,
    typed: &str,
) -> Result<Vec<Account>> {
    let typed = typed.trim_start_matches('@');
    let (user, host) = match typed.split_once('@') {
        Some((u, h)) => (u, Some(h.to_lowercase())),
        None => (typed, None),
    };
    if user.is_empty() || super::accounts::validate_username(user).is_err() {
        return Ok(Vec::new());
    }
    let mut conn = ctx.pool.get().await?;
    let mut found =
        Account::followed_by_prefix(&mut conn, viewer.id, user, MAX_SUGGESTIONS).await?;
    for a in Account::local_by_prefix(&mut conn, user, MAX_SUGGESTIONS).await? {
        if a.discoverable && a.id != viewer.id && !found.iter().any(|f| f.id == a.id) {
            found.push(a);
        }
    }
    let ours = ctx.urls.domain().to_lowercase();
    found.retain(|a| match &host {
        Some(h) => a
            .domain
            .as_deref()
            .unwrap_or(&ours)
            .to_lowercase()
            .starts_with(h.as_str()),
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
    let (user, domain) = handle
        .trim_start_matches('@')
        .split_once('@')
        .ok_or_else(not_found)?;
    if user.is_empty() || domain.is_empty() || domain.contains(['/', '?', '#', '@']) {
        return Err(not_found());
    }
    let account = if domain.eq_ignore_ascii_case(ctx.urls.domain()) {
        super::accounts::find_local_account(&ctx.pool, user).await?
    } else if resolve {
        match fetch::webfinger(ctx, user, domain).await {
            Ok(account) => account,
            Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::BadRequest) => {
                return Err(Error::not_found(e.message))
            }
            // Their server is down or answers nonsense: what we stored is better than nothing.
            Err(e) if e.kind == ErrorKind::RemoteFailed => {
                let mut conn = ctx.pool.get().await?;
                Account::find_remote(&mut conn, user, domain)
                    .await?
                    .ok_or(e)?
            }
            Err(e) => return Err(e),
        }
    } else {
        let mut conn = ctx.pool.get().await?;
        Account::find_remote(&mut conn, user, domain)
            .await?
            .ok_or_else(not_found)?
    };
    let mut conn = ctx.pool.get().await?;
    if !super::visibility::may_see_account(&mut conn, &account).await? {
        return Err(not_found());
    }
    Ok(account)
}
