//! Lists of statuses a reader pages through: home, public, hashtag, an account's
//! posts, and the viewer's bookmarks and favourites. Each is one indexed query; what
//! it takes to show the statuses is loaded in batches by `status_batch`.

use super::{
    pagination::Page,
    schema::{bookmarks, favourites, home_feed, status_tags, statuses},
    statuses::Status,
    AccountId,
};
use crate::paginate;
use super::prepared::fixed;
use diesel::{pg::Pg, prelude::*, sql_types::Bool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Not a reply, or a reply to oneself (a thread): Mastodon's `without_replies`. Kept
/// word for word as in the `statuses_public_id` index so the planner uses it.
const NOT_REPLY_TO_OTHERS: &str =
    "((statuses.in_reply_to_id IS NULL AND statuses.in_reply_to_uri IS NULL) OR statuses.in_reply_to_account_id = statuses.account_id)";

/// Where public timelines come from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin {
    pub local_only: bool,
    pub remote_only: bool,
}

type BoxedStatuses<'a> = statuses::BoxedQuery<'a, Pg, diesel::dsl::AsSelect<Status, Pg>>;

fn visible_public<'a>(viewer: Option<AccountId>, origin: Origin) -> BoxedStatuses<'a> {
    // A literal, not a bind: the planner must see `visibility = 0` to use the
    // partial index `statuses_public_id` in a prepared statement's generic plan.
    let mut q = statuses::table
        .filter(fixed::<Bool>("statuses.visibility = 0"))
        .filter(statuses::reblog_of_id.is_null())
        .filter(statuses::deleted_at.is_null())
        .select(Status::as_select())
        .into_boxed();
    if origin.local_only {
        q = q.filter(fixed::<Bool>("statuses.local"));
    }
    if origin.remote_only {
        q = q.filter(fixed::<Bool>("NOT statuses.local"));
    }
    q.filter(super::visibility::visible_to(viewer))
}

/// The statement behind a home page, as the server runs it; public so that
/// `benches/timeline.rs` can print the plan of this very SQL.
pub type HomeQuery<'a> = diesel::dsl::IntoBoxed<
    'a,
    diesel::dsl::Select<
        diesel::dsl::InnerJoinOn<home_feed::table, statuses::table, diesel::dsl::Eq<statuses::id, home_feed::status_id>>,
        diesel::dsl::AsSelect<Status, Pg>,
    >,
    Pg,
>;

/// Home: the viewer's own posts and boosts, those of accounts it follows (not their
/// direct messages to others) and posts mentioning it. Triggers keep that list in
/// `home_feed` (migration `2026-12-02-000020_home_feed`), so a page is one range of
/// its primary key whatever the viewer follows: the live query over `statuses` had
/// to skip thousands of rows per page for a reader of quiet accounts.
pub fn home_query<'a>(viewer: AccountId, page: Page) -> HomeQuery<'a> {
    let mut q = home_feed::table
        .inner_join(statuses::table.on(statuses::id.eq(home_feed::status_id)))
        .select(Status::as_select())
        .into_boxed()
        .filter(home_feed::account_id.eq(viewer))
        .filter(statuses::deleted_at.is_null())
        // What home selects is the feed's business; who may see it, the visibility rule's.
        .filter(super::visibility::visible_to(Some(viewer)));
    // The page's bounds on `statuses.id` too: PostgreSQL does not carry a range across
    // the join, and unbounded, a merge join walked `statuses` down from the newest row
    // to reach a page deep in the past (74 ms instead of 0.2 ms).
    if let Some(max) = page.max_id {
        q = q.filter(statuses::id.lt(max));
    }
    if let Some(min) = page.lower() {
        q = q.filter(statuses::id.gt(min));
    }
    paginate!(q, home_feed::status_id, page)
}

pub async fn home(conn: &mut AsyncPgConnection, viewer: AccountId, page: Page) -> QueryResult<Vec<Status>> {
    Ok(page.finish(home_query(viewer, page).load(conn).await?))
}

/// The public timeline: public posts, no boosts, no replies to others.
pub async fn public(conn: &mut AsyncPgConnection, viewer: Option<AccountId>, origin: Origin, page: Page) -> QueryResult<Vec<Status>> {
    let q = visible_public(viewer, origin).filter(fixed::<Bool>(NOT_REPLY_TO_OTHERS));
    Ok(page.finish(paginate!(q, statuses::id, page).load(conn).await?))
}

/// Which hashtags a hashtag timeline asks for: `tag` or any of `any`, all of `all`, none of `none`.
#[derive(Debug, Clone, Default)]
pub struct TagFilter {
    pub any: Vec<String>,
    pub all: Vec<String>,
    pub none: Vec<String>,
}

pub async fn tag(conn: &mut AsyncPgConnection, viewer: Option<AccountId>, origin: Origin, tags: &TagFilter, page: Page) -> QueryResult<Vec<Status>> {
    let tagged = status_tags::table.filter(status_tags::name.eq_any(tags.any.clone())).select(status_tags::status_id);
    let mut q = visible_public(viewer, origin).filter(statuses::id.eq_any(tagged));
    for name in &tags.all {
        q = q.filter(statuses::id.eq_any(status_tags::table.filter(status_tags::name.eq(name.clone())).select(status_tags::status_id)));
    }
    if !tags.none.is_empty() {
        let excluded = status_tags::table.filter(status_tags::name.eq_any(tags.none.clone())).select(status_tags::status_id);
        q = q.filter(diesel::dsl::not(statuses::id.eq_any(excluded)));
    }
    Ok(page.finish(paginate!(q, statuses::id, page).load(conn).await?))
}

/// Filters of `GET /api/v1/accounts/:id/statuses`.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub exclude_replies: bool,
    pub exclude_reblogs: bool,
    pub tagged: Option<String>,
}

/// An account's posts and boosts that `viewer` may see.
pub async fn account(conn: &mut AsyncPgConnection, viewer: Option<AccountId>, author: AccountId, filter: &AccountFilter, page: Page) -> QueryResult<Vec<Status>> {
    let mut q = statuses::table
        .filter(statuses::account_id.eq(author))
        .filter(super::visibility::visible_to(viewer))
        .select(Status::as_select())
        .into_boxed();
    if filter.exclude_replies {
        q = q.filter(fixed::<Bool>(NOT_REPLY_TO_OTHERS));
    }
    if filter.exclude_reblogs {
        q = q.filter(statuses::reblog_of_id.is_null());
    }
    if let Some(tag) = &filter.tagged {
        q = q.filter(statuses::id.eq_any(status_tags::table.filter(status_tags::name.eq(tag.clone())).select(status_tags::status_id)));
    }
    Ok(page.finish(paginate!(q, statuses::id, page).load(conn).await?))
}

/// The viewer's bookmarks, paginated by the bookmark's own id (returned with each).
pub async fn bookmarked(conn: &mut AsyncPgConnection, viewer: AccountId, page: Page) -> QueryResult<Vec<(i64, Status)>> {
    let q = bookmarks::table
        .inner_join(statuses::table.on(statuses::id.eq(bookmarks::status_id)))
        .filter(bookmarks::account_id.eq(viewer))
        .filter(super::visibility::visible_to(Some(viewer)))
        .select((bookmarks::id, Status::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, bookmarks::id, page).load(conn).await?))
}

/// The viewer's favourites, paginated by the favourite's own id.
pub async fn favourited(conn: &mut AsyncPgConnection, viewer: AccountId, page: Page) -> QueryResult<Vec<(i64, Status)>> {
    let q = favourites::table
        .inner_join(statuses::table.on(statuses::id.eq(favourites::status_id)))
        .filter(favourites::account_id.eq(viewer))
        .filter(super::visibility::visible_to(Some(viewer)))
        .select((favourites::id, Status::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, favourites::id, page).load(conn).await?))
}

/// How many posts and boosts of `author` `viewer` may see (an outbox's total).
pub async fn count_account(conn: &mut AsyncPgConnection, viewer: Option<AccountId>, author: AccountId) -> QueryResult<i64> {
    statuses::table
        .filter(statuses::account_id.eq(author))
        .filter(super::visibility::visible_to(viewer))
        .select(diesel::dsl::count_star())
        .get_result(conn)
        .await
}

/// Replies to `parent` that `viewer` may see, oldest first after `after`, with their
/// authors; and how many there are in all.
pub async fn replies(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    parent: super::StatusId,
    after: Option<super::StatusId>,
    limit: i64,
) -> QueryResult<(i64, Vec<(Status, super::accounts::Account)>)> {
    use super::{accounts::Account, schema::accounts};
    let total = statuses::table
        .filter(statuses::in_reply_to_id.eq(parent))
        .filter(super::visibility::visible_to(viewer))
        .select(diesel::dsl::count_star())
        .get_result(conn)
        .await?;
    let mut q = statuses::table
        .inner_join(accounts::table.on(accounts::id.eq(statuses::account_id)))
        .filter(statuses::in_reply_to_id.eq(parent))
        .filter(super::visibility::visible_to(viewer))
        .select((Status::as_select(), Account::as_select()))
        .order(statuses::id.asc())
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(statuses::id.gt(after));
    }
    Ok((total, q.load(conn).await?))
}

/// Of `readers`, those whose home timeline has `status` (`home_feed`, as the
/// triggers keep it): whom the `user` stream brings it to.
pub async fn home_readers(conn: &mut AsyncPgConnection, status: super::StatusId, readers: &[AccountId]) -> QueryResult<Vec<AccountId>> {
    if readers.is_empty() {
        return Ok(Vec::new());
    }
    home_feed::table
        .filter(home_feed::status_id.eq(status))
        .filter(home_feed::account_id.eq_any(readers))
        .select(home_feed::account_id)
        .load(conn)
        .await
}

/// Where the public timelines would show `status`: `None` if none selects it (not
/// public, a boost, deleted); else whether it is local and whether the public
/// timelines (no replies to others) take it, the hashtag ones taking it either way.
/// The same conditions as [`public`] and [`tag`], for one post as it arrives.
pub async fn public_selection(conn: &mut AsyncPgConnection, status: super::StatusId) -> QueryResult<Option<(bool, bool)>> {
    statuses::table
        .find(status)
        .filter(fixed::<Bool>("statuses.visibility = 0"))
        .filter(statuses::reblog_of_id.is_null())
        .filter(statuses::deleted_at.is_null())
        .select((statuses::local, fixed::<Bool>(NOT_REPLY_TO_OTHERS)))
        .first(conn)
        .await
        .optional()
}
