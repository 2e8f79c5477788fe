//! Streaming: which subscribers a post reaches, and the post as each of them sees it.
//! The connections themselves (WebSocket, server-sent events) and the fan-out are in
//! `api/streaming.rs`; what a stream *selects* is asked of the timelines' own rules
//! (`db::timelines::home_readers`, `list_readers`, `public_selection`), and who may see it of the
//! visibility rule, for all subscribers in one statement (`db::visibility::viewers_of`).

use super::status_views::{views, StatusView};
use crate::{
    context::AppContext,
    db::{status_batch, statuses::Status, timelines, visibility, AccountId, StatusId},
    error::Result,
};
use std::collections::{HashMap, HashSet};

/// Where a post goes, for the subscribers asked about.
pub struct Audience {
    /// The post as each subscriber who may see it sees it (absent: may not see it).
    pub views: HashMap<AccountId, StatusView>,
    /// Subscribers whose home timeline has it (the `user` stream).
    pub home: HashSet<AccountId>,
    /// Whether the public timelines select it: `Some(local)`; and the hashtag ones.
    pub public: Option<bool>,
    pub tagged: Option<bool>,
    /// Its hashtags (lowercase), for the hashtag streams.
    pub tags: Vec<String>,
    /// Of the lists asked about, those whose timeline has it (`db::timelines::list_readers`).
    pub lists: HashSet<i64>,
    /// What filters match it against, worked out once for all readers when first asked.
    searchable: std::sync::OnceLock<String>,
    base: StatusView,
}

impl Audience {
    pub fn searchable(&self) -> &str {
        self.searchable.get_or_init(|| {
            super::filters::searchable_text(self.base.reblog.as_deref().unwrap_or(&self.base))
        })
    }
}

/// Works out who of `subscribers` gets the post `id` and renders it for each of
/// them. `None` when the post is gone (deleted since, or never stored).
pub async fn audience(
    ctx: &AppContext,
    id: StatusId,
    subscribers: &[AccountId],
    lists: &[i64],
) -> Result<Option<Audience>> {
    let mut conn = ctx.pool.get().await?;
    let Some(status) = Status::find(&mut conn, id).await? else {
        return Ok(None);
    };
    if status.deleted_at.is_some() {
        return Ok(None);
    }
    let ids = subscribers;
    let may_see: HashSet<AccountId> = visibility::viewers_of(&mut conn, id, ids)
        .await?
        .into_iter()
        .collect();
    let home: HashSet<AccountId> = timelines::home_readers(&mut conn, id, ids)
        .await?
        .into_iter()
        .collect();
    let in_lists: HashSet<i64> = timelines::list_readers(&mut conn, id, lists)
        .await?
        .into_iter()
        .collect();
    let selection = timelines::public_selection(&mut conn, id).await?;
    let (public, tagged) = match selection {
        Some((local, not_reply)) => (not_reply.then_some(local), Some(local)),
        None => (None, None),
    };
    // One view for everyone, then what differs between readers (favourited, boosted,
    // bookmarked) in one query for all of them: a thousand subscribers cost a handful
    // of queries, not a thousand views.
    let Some(base) = views(&mut conn, vec![status], None).await?.pop() else {
        return Ok(None);
    };
    let seeing: Vec<AccountId> = ids
        .iter()
        .copied()
        .filter(|a| may_see.contains(a))
        .collect();
    let flags = status_batch::viewer_flags(&mut conn, id, &seeing).await?;
    let views = flags
        .into_iter()
        .map(|f| {
            let mut view = base.clone();
            view.favourited = f.favourited;
            view.reblogged = f.reblogged;
            view.bookmarked = f.bookmarked;
            (AccountId(f.viewer), view)
        })
        .collect();
    let tags = base.reblog.as_ref().map_or(&base.tags, |r| &r.tags).clone();
    Ok(Some(Audience {
        views,
        home,
        public,
        tagged,
        tags,
        lists: in_lists,
        searchable: Default::default(),
        base,
    }))
}
