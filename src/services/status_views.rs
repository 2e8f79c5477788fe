//! Posts as a reader sees them (read models): a post with its author, mentions,
//! counts and what the viewer did with it; a thread; the home timeline.

use super::visibility::visible_status;
use crate::{
    context::AppContext,
    db::{accounts::Account, statuses::Status, AccountId, StatusId},
    error::{Error, Result},
};
use diesel_async::AsyncPgConnection;

/// A post as a reader sees it: with its author, what it mentions, its counts, the
/// boosted post if it is a boost, and what the viewer did with it.
#[derive(Clone)]
pub struct StatusView {
    pub status: Status,
    pub author: Account,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
    pub replies: i64,
    pub favourites: i64,
    pub reblogs: i64,
    pub favourited: bool,
    pub reblogged: bool,
    pub bookmarked: bool,
    pub reblog: Option<Box<StatusView>>,
}

pub async fn view(conn: &mut AsyncPgConnection, status: Status, viewer: Option<&Account>) -> Result<StatusView> {
    views(conn, vec![status], viewer).await?.pop().ok_or_else(|| Error::not_found("no such post"))
}

/// Views of a page of posts, in the order given, loaded with a fixed number of
/// queries (boosted posts, accounts, mentions, hashtags, counts) whatever the page's
/// length. A post whose author is gone is left out.
pub async fn views(conn: &mut AsyncPgConnection, statuses: Vec<Status>, viewer: Option<&Account>) -> Result<Vec<StatusView>> {
    use crate::db::status_batch;
    use std::collections::HashMap;
    let boosted_ids: Vec<StatusId> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
    let boosted: HashMap<StatusId, Status> = status_batch::statuses(conn, &boosted_ids).await?.into_iter().map(|s| (s.id, s)).collect();
    let mut ids: Vec<StatusId> = statuses.iter().map(|s| s.id).chain(boosted.keys().copied()).collect();
    ids.sort();
    ids.dedup();
    let mut account_ids: Vec<AccountId> = statuses.iter().chain(boosted.values()).map(|s| s.account_id).collect();
    account_ids.sort();
    account_ids.dedup();
    let accounts: HashMap<AccountId, Account> = status_batch::accounts(conn, &account_ids).await?.into_iter().map(|a| (a.id, a)).collect();
    let mut mentioned: HashMap<StatusId, Vec<Account>> = HashMap::new();
    for (id, a) in status_batch::mentioned(conn, &ids).await? {
        mentioned.entry(id).or_default().push(a);
    }
    let mut tags: HashMap<StatusId, Vec<String>> = HashMap::new();
    for (id, t) in status_batch::tags(conn, &ids).await? {
        tags.entry(id).or_default().push(t);
    }
    let counts: HashMap<i64, status_batch::Counts> =
        status_batch::counts(conn, &ids, viewer.map(|v| v.id)).await?.into_iter().map(|c| (c.id, c)).collect();
    let build = |status: Status| -> Option<StatusView> {
        let author = accounts.get(&status.account_id)?.clone();
        let c = counts.get(&status.id.0).cloned().unwrap_or_default();
        Some(StatusView {
            author,
            mentioned: mentioned.get(&status.id).cloned().unwrap_or_default(),
            tags: tags.get(&status.id).cloned().unwrap_or_default(),
            replies: c.replies,
            favourites: c.favourites,
            reblogs: c.reblogs,
            favourited: c.favourited,
            reblogged: c.reblogged,
            bookmarked: c.bookmarked,
            reblog: None,
            status,
        })
    };
    let mut out = Vec::with_capacity(statuses.len());
    for status in statuses {
        let inner = status.reblog_of_id.and_then(|id| boosted.get(&id).cloned()).and_then(build).map(Box::new);
        if let Some(mut v) = build(status) {
            v.reblog = inner;
            out.push(v);
        }
    }
    Ok(out)
}

/// A post by id, if `viewer` may see it.
/// A post by its URL, fetched from its server when not stored yet; `None` when it
/// cannot be had or the viewer may not see it.
pub async fn resolve_url(ctx: &AppContext, viewer: &Account, url: &str) -> Result<Option<StatusView>> {
    match crate::federation::activities::create_note::resolve_post(ctx, url).await {
        Some(id) => match get(ctx, viewer, id).await {
            Ok(view) => Ok(Some(view)),
            Err(e) if e.kind == crate::error::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

pub async fn get(ctx: &AppContext, viewer: &Account, id: StatusId) -> Result<StatusView> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    view(&mut conn, status, Some(viewer)).await
}

/// The home timeline: posts and boosts by the viewer and the accounts it follows,
/// plus posts that mention it, newest first.
pub async fn home(ctx: &AppContext, viewer: &Account, page: crate::db::pagination::Page) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let statuses = crate::db::timelines::home(&mut conn, viewer.id, page).await?;
    views(&mut conn, statuses, Some(viewer)).await
}

/// A post's thread: the posts above it (oldest first) and the replies below it.
pub async fn context(ctx: &AppContext, viewer: &Account, id: StatusId) -> Result<(Vec<StatusView>, Vec<StatusView>)> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    let mut ancestors = Vec::new();
    let mut parent = status.in_reply_to_id;
    while let Some(p) = parent.filter(|_| ancestors.len() < 40) {
        match visible_status(&mut conn, viewer, p).await {
            Ok(s) => {
                parent = s.in_reply_to_id;
                ancestors.push(s);
            }
            Err(_) => break,
        }
    }
    ancestors.reverse();
    let mut descendants = Vec::new();
    let mut queue = vec![status.id];
    while let Some(p) = queue.pop() {
        for child in Status::replies(&mut conn, p).await? {
            if descendants.len() >= 200 {
                break;
            }
            if visible_status(&mut conn, viewer, child.id).await.is_ok() {
                queue.push(child.id);
                descendants.push(child);
            }
        }
    }
    descendants.sort_by_key(|s| s.id);
    Ok((views(&mut conn, ancestors, Some(viewer)).await?, views(&mut conn, descendants, Some(viewer)).await?))
}
