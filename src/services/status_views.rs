//! Posts as a reader sees them (read models): a post with its author, mentions,
//! counts and what the viewer did with it; a thread; the home timeline.

use super::{
    filters::{self, Context},
    visibility::{only_visible, visible_status},
};
use crate::{
    context::AppContext,
    db::{account_lists::AccountCounts, accounts::Account, statuses::Status, AccountId, StatusId},
    error::{Error, Result},
};
use diesel_async::AsyncPgConnection;

/// A post as a reader sees it: with its author, what it mentions, its counts, the
/// boosted post if it is a boost, and what the viewer did with it.
#[derive(Clone)]
pub struct StatusView {
    pub status: Status,
    pub author: Account,
    /// The author's followers, following and posts, which apps show on every post.
    pub author_counts: AccountCounts,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
    /// Attached images, in the post's order.
    pub media: Vec<crate::db::media::Media>,
    /// Its poll, and the options the viewer chose in it (empty: not voted).
    pub poll: Option<crate::db::polls::Poll>,
    pub own_votes: Vec<i16>,
    /// Whether the viewer has voted (an author counts as having voted in its own poll).
    pub voted: bool,
    /// Custom emoji its text uses, and its author's name and bio use (of the author's server).
    pub emojis: Vec<crate::db::emojis::Emoji>,
    pub author_emojis: Vec<crate::db::emojis::Emoji>,
    /// Its first link's card (services::cards), once fetched.
    pub card: Option<crate::db::cards::Card>,
    pub replies: i64,
    pub favourites: i64,
    pub reblogs: i64,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub reblog: Option<Box<StatusView>>,
    /// The reader's filters that match it (Mastodon's `filtered`; services::filters).
    pub filtered: Vec<super::filters::FilterResult>,
    /// Titles of the reader's `warn` filters that match it where it is shown (the web
    /// pages show it behind them).
    pub warnings: Vec<String>,
}

pub async fn view(
    conn: &mut AsyncPgConnection,
    status: Status,
    viewer: Option<&Account>,
) -> Result<StatusView> {
    views(conn, vec![status], viewer)
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("no such post"))
}

/// Views of a page of posts, in the order given, loaded with a fixed number of
/// queries (boosted posts, accounts, mentions, hashtags, counts) whatever the page's
/// length. A post whose author is gone is left out.
pub async fn views(
    conn: &mut AsyncPgConnection,
    statuses: Vec<Status>,
    viewer: Option<&Account>,
) -> Result<Vec<StatusView>> {
    use crate::db::status_batch;
    use std::collections::HashMap;
    let boosted_ids: Vec<StatusId> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
    let boosted: HashMap<StatusId, Status> = status_batch::statuses(conn, &boosted_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut ids: Vec<StatusId> = statuses
        .iter()
        .map(|s| s.id)
        .chain(boosted.keys().copied())
        .collect();
    ids.sort();
    ids.dedup();
    let mut account_ids: Vec<AccountId> = statuses
        .iter()
        .chain(boosted.values())
        .map(|s| s.account_id)
        .collect();
    account_ids.sort();
    account_ids.dedup();
    let accounts: HashMap<AccountId, Account> = status_batch::accounts(conn, &account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let account_counts: HashMap<i64, AccountCounts> =
        crate::db::account_lists::counts(conn, &account_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let mut mentioned: HashMap<StatusId, Vec<Account>> = HashMap::new();
    for (id, a) in status_batch::mentioned(conn, &ids).await? {
        mentioned.entry(id).or_default().push(a);
    }
    let mut tags: HashMap<StatusId, Vec<String>> = HashMap::new();
    for (id, t) in status_batch::tags(conn, &ids).await? {
        tags.entry(id).or_default().push(t);
    }
    let mut media: HashMap<StatusId, Vec<crate::db::media::Media>> = HashMap::new();
    for m in crate::db::media::Media::of_statuses(conn, &ids).await? {
        if let Some(s) = m.status_id {
            media.entry(s).or_default().push(m);
        }
    }
    let polls: HashMap<StatusId, crate::db::polls::Poll> =
        crate::db::polls::Poll::of_statuses(conn, &ids)
            .await?
            .into_iter()
            .map(|p| (p.status_id, p))
            .collect();
    let mut own_votes: HashMap<i64, Vec<i16>> = HashMap::new();
    if let Some(viewer) = viewer {
        let poll_ids: Vec<i64> = polls.values().map(|p| p.id).collect();
        for (poll, choice) in crate::db::polls::Poll::own_votes(conn, &poll_ids, viewer.id).await? {
            own_votes.entry(poll).or_default().push(choice);
        }
    }
    // Custom emoji: one query per server among the page's authors.
    let emoji_texts = |s: &Status, a: &Account| -> (Vec<String>, Vec<String>) {
        let codes = |texts: &[&str]| {
            texts
                .iter()
                .flat_map(|t| crate::services::emojis::shortcodes_in(t))
                .collect::<Vec<_>>()
        };
        (
            codes(&[&s.content, &s.spoiler_text]),
            codes(&[&a.display_name, &a.note]),
        )
    };
    let mut wanted: HashMap<Option<String>, Vec<String>> = HashMap::new();
    for s in statuses.iter().chain(boosted.values()) {
        if let Some(a) = accounts.get(&s.account_id) {
            let (mine, theirs) = emoji_texts(s, a);
            wanted
                .entry(a.domain.clone())
                .or_default()
                .extend(mine.into_iter().chain(theirs));
        }
    }
    let mut emojis: HashMap<(Option<String>, String), crate::db::emojis::Emoji> = HashMap::new();
    for (domain, mut codes) in wanted {
        codes.sort();
        codes.dedup();
        if codes.is_empty() {
            continue;
        }
        for e in crate::db::emojis::find(conn, domain.as_deref(), &codes).await? {
            emojis.insert((domain.clone(), e.shortcode.clone()), e);
        }
    }
    let pick = |domain: &Option<String>, codes: Vec<String>| -> Vec<crate::db::emojis::Emoji> {
        codes
            .into_iter()
            .filter_map(|c| emojis.get(&(domain.clone(), c)).cloned())
            .collect()
    };
    let cards: HashMap<StatusId, crate::db::cards::Card> =
        crate::db::cards::of_statuses(conn, &ids)
            .await?
            .into_iter()
            .collect();
    let counts: HashMap<i64, status_batch::Counts> =
        status_batch::counts(conn, &ids, viewer.map(|v| v.id))
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let build = |status: Status| -> Option<StatusView> {
        let author = accounts.get(&status.account_id)?.clone();
        let c = counts.get(&status.id.0).cloned().unwrap_or_default();
        let (mine, theirs) = emoji_texts(&status, &author);
        Some(StatusView {
            card: cards.get(&status.id).cloned(),
            emojis: pick(&author.domain, mine),
            author_emojis: pick(&author.domain, theirs),
            author_counts: account_counts
                .get(&author.id.0)
                .cloned()
                .unwrap_or_default(),
            author,
            mentioned: mentioned.get(&status.id).cloned().unwrap_or_default(),
            tags: tags.get(&status.id).cloned().unwrap_or_default(),
            media: media.get(&status.id).cloned().unwrap_or_default(),
            own_votes: polls
                .get(&status.id)
                .and_then(|p| own_votes.get(&p.id))
                .cloned()
                .unwrap_or_default(),
            voted: polls.get(&status.id).is_some_and(|p| {
                own_votes.contains_key(&p.id) || viewer.is_some_and(|v| v.id == p.account_id)
            }),
            poll: polls.get(&status.id).cloned(),
            replies: c.replies,
            favourites: c.favourites,
            reblogs: c.reblogs,
            favourited: c.favourited,
            reblogged: c.reblogged,
            bookmarked: c.bookmarked,
            pinned: c.pinned,
            reblog: None,
            filtered: Vec::new(),
            warnings: Vec::new(),
            status,
        })
    };
    let mut out = Vec::with_capacity(statuses.len());
    for status in statuses {
        let inner = status
            .reblog_of_id
            .and_then(|id| boosted.get(&id).cloned())
            .and_then(build)
            .map(Box::new);
        if let Some(mut v) = build(status) {
            v.reblog = inner;
            out.push(v);
        }
    }
    Ok(out)
}

/// A post by its URL (ours, or another server's), if `viewer` may see it. With
/// `resolve`, a post not stored yet is fetched from its server. `None` when it
/// cannot be had or the viewer may not see it: a search never tells which.
pub async fn find_by_url(
    ctx: &AppContext,
    viewer: &Account,
    url: &str,
    resolve: bool,
) -> Result<Option<StatusView>> {
    let known = {
        let mut conn = ctx.pool.get().await?;
        match ctx.urls.local_status(url) {
            Some((_, id)) => Status::find(&mut conn, StatusId(id))
                .await?
                .filter(|s| s.local && s.reblog_of_id.is_none()),
            None => Status::find_by_uri(&mut conn, url).await?,
        }
    };
    let id = match known {
        Some(status) => Some(status.id),
        None if resolve && ctx.urls.local_status(url).is_none() => {
            crate::federation::activities::create_note::resolve_post(ctx, url).await
        }
        None => None,
    };
    let Some(id) = id else { return Ok(None) };
    match get(ctx, viewer, id).await {
        Ok(view) => Ok(Some(view)),
        Err(e) if e.kind == crate::error::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A post by id, if `viewer` may see it.
pub async fn get(ctx: &AppContext, viewer: &Account, id: StatusId) -> Result<StatusView> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    let view = view(&mut conn, status, Some(viewer)).await?;
    // Asked for by id, a post is shown whatever filters say; they are only reported.
    Ok(filters::active(&mut conn, viewer).await?.annotate(view))
}

/// The home timeline: posts and boosts by the viewer and the accounts it follows,
/// plus posts that mention it, newest first.
pub async fn home(
    ctx: &AppContext,
    viewer: &Account,
    page: crate::db::pagination::Page,
) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let active = filters::active(&mut conn, viewer).await?;
    filters::fill(&active, Context::Home, page, async |page| {
        let statuses = crate::db::timelines::home(&mut conn, viewer.id, page).await?;
        views(&mut conn, statuses, Some(viewer)).await
    })
    .await
}

/// A post's thread: the posts above it (oldest first) and the replies below it,
/// each shown only if the viewer may see it.
pub async fn context(
    ctx: &AppContext,
    viewer: &Account,
    id: StatusId,
) -> Result<(Vec<StatusView>, Vec<StatusView>)> {
    const MAX_ANCESTORS: usize = 40;
    const MAX_DESCENDANTS: usize = 200;
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    let mut ancestors = Vec::new();
    let mut parent = status.in_reply_to_id;
    while let Some(p) = parent.filter(|_| ancestors.len() < MAX_ANCESTORS) {
        let Some(s) = Status::find(&mut conn, p).await? else {
            break;
        };
        parent = s.in_reply_to_id;
        ancestors.push(s);
    }
    ancestors.reverse();
    let mut descendants = Vec::new();
    let mut level = vec![status.id];
    while !level.is_empty() && descendants.len() < MAX_DESCENDANTS {
        let mut next = Vec::new();
        for p in level {
            for child in Status::replies(&mut conn, p).await? {
                if descendants.len() + next.len() >= MAX_DESCENDANTS {
                    break;
                }
                next.push(child);
            }
        }
        level = next.iter().map(|s| s.id).collect();
        descendants.extend(next);
    }
    descendants.sort_by_key(|s| s.id);
    let ancestors = only_visible(&mut conn, Some(viewer.id), ancestors).await?;
    let descendants = only_visible(&mut conn, Some(viewer.id), descendants).await?;
    let active = filters::active(&mut conn, viewer).await?;
    let ancestors = active.apply(
        views(&mut conn, ancestors, Some(viewer)).await?,
        Context::Thread,
    );
    let descendants = active.apply(
        views(&mut conn, descendants, Some(viewer)).await?,
        Context::Thread,
    );
    Ok((ancestors, descendants))
}
