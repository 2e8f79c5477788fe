//! Lists of statuses a reader pages through: home, public, hashtag, an account's
//! posts, and the viewer's bookmarks and favourites. Each is one indexed query; what
//! it takes to show the statuses is loaded in batches by `status_batch`.

use super::prepared::fixed;
use super::{
    pagination::Page,
    schema::{bookmarks, favourites, home_feed, status_tags, statuses},
    statuses::Status,
    AccountId,
};
use crate::paginate;
use diesel::{
    expression::{is_aggregate, AppearsOnTable, Expression, SelectableExpression, ValidGrouping},
    pg::Pg,
    prelude::*,
    query_builder::{AstPass, QueryFragment, QueryId},
    sql_types::{Array, BigInt, Bool},
};
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
        diesel::dsl::InnerJoinOn<
            home_feed::table,
            statuses::table,
            diesel::dsl::Eq<statuses::id, home_feed::status_id>,
        >,
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
        .filter(super::visibility::visible_to(Some(viewer)))
        .filter(NotExclusive { viewer: viewer.0 });
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

pub async fn home(
    conn: &mut AsyncPgConnection,
    viewer: AccountId,
    page: Page,
) -> QueryResult<Vec<Status>> {
    Ok(page.finish(home_query(viewer, page).load(conn).await?))
}

/// The public timeline: public posts, no boosts, no replies to others.
pub async fn public(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    origin: Origin,
    page: Page,
) -> QueryResult<Vec<Status>> {
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

pub async fn tag(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    origin: Origin,
    tags: &TagFilter,
    page: Page,
) -> QueryResult<Vec<Status>> {
    let tagged = status_tags::table
        .filter(status_tags::name.eq_any(tags.any.clone()))
        .select(status_tags::status_id);
    let mut q = visible_public(viewer, origin).filter(statuses::id.eq_any(tagged));
    for name in &tags.all {
        q = q.filter(
            statuses::id.eq_any(
                status_tags::table
                    .filter(status_tags::name.eq(name.clone()))
                    .select(status_tags::status_id),
            ),
        );
    }
    if !tags.none.is_empty() {
        let excluded = status_tags::table
            .filter(status_tags::name.eq_any(tags.none.clone()))
            .select(status_tags::status_id);
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
pub async fn account(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    author: AccountId,
    filter: &AccountFilter,
    page: Page,
) -> QueryResult<Vec<Status>> {
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
        q = q.filter(
            statuses::id.eq_any(
                status_tags::table
                    .filter(status_tags::name.eq(tag.clone()))
                    .select(status_tags::status_id),
            ),
        );
    }
    Ok(page.finish(paginate!(q, statuses::id, page).load(conn).await?))
}

/// The viewer's bookmarks, paginated by the bookmark's own id (returned with each).
pub async fn bookmarked(
    conn: &mut AsyncPgConnection,
    viewer: AccountId,
    page: Page,
) -> QueryResult<Vec<(i64, Status)>> {
    let q = bookmarks::table
        .inner_join(statuses::table.on(statuses::id.eq(bookmarks::status_id)))
        .filter(bookmarks::account_id.eq(viewer))
        .filter(super::visibility::visible_to(Some(viewer)))
        .select((bookmarks::id, Status::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, bookmarks::id, page).load(conn).await?))
}

/// The viewer's favourites, paginated by the favourite's own id.
pub async fn favourited(
    conn: &mut AsyncPgConnection,
    viewer: AccountId,
    page: Page,
) -> QueryResult<Vec<(i64, Status)>> {
    let q = favourites::table
        .inner_join(statuses::table.on(statuses::id.eq(favourites::status_id)))
        .filter(favourites::account_id.eq(viewer))
        .filter(super::visibility::visible_to(Some(viewer)))
        .select((favourites::id, Status::as_select()))
        .into_boxed();
    Ok(page.finish(paginate!(q, favourites::id, page).load(conn).await?))
}

/// How many posts and boosts of `author` `viewer` may see (an outbox's total).
pub async fn count_account(
    conn: &mut AsyncPgConnection,
    viewer: Option<AccountId>,
    author: AccountId,
) -> QueryResult<i64> {
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
pub async fn home_readers(
    conn: &mut AsyncPgConnection,
    status: super::StatusId,
    readers: &[AccountId],
) -> QueryResult<Vec<AccountId>> {
    if readers.is_empty() {
        return Ok(Vec::new());
    }
    home_feed::table
        .filter(home_feed::status_id.eq(status))
        .filter(home_feed::account_id.eq_any(readers))
        .filter(NotExclusiveReader { status: status.0 })
        .select(home_feed::account_id)
        .load(conn)
        .await
}

/// Where the public timelines would show `status`: `None` if none selects it (not
/// public, a boost, deleted); else whether it is local and whether the public
/// timelines (no replies to others) take it, the hashtag ones taking it either way.
/// The same conditions as [`public`] and [`tag`], for one post as it arrives.
pub async fn public_selection(
    conn: &mut AsyncPgConnection,
    status: super::StatusId,
) -> QueryResult<Option<(bool, bool)>> {
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

/// Lets a hand-written condition stand in a diesel query's `filter` (its text is
/// fixed by the code, its values are binds: cacheable, see `db::prepared`).
macro_rules! condition {
    ($($t:ty),*) => {$(
        impl Expression for $t {
            type SqlType = Bool;
        }
        impl QueryId for $t {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }
        impl<QS> AppearsOnTable<QS> for $t {}
        impl<QS> SelectableExpression<QS> for $t {}
        impl<GB> ValidGrouping<GB> for $t {
            type IsAggregate = is_aggregate::Never;
        }
    )*};
}

condition!(NotExclusive, NotExclusiveReader, ListPage);

/// Exclusive lists (Mastodon's): the posts of an account on one of the viewer's
/// exclusive lists stay out of the viewer's home, and are read in the list instead;
/// the viewer's own posts always stay. One hashed set per query, so home is still
/// one range of `home_feed` read in order.
struct NotExclusive {
    viewer: i64,
}

impl QueryFragment<Pg> for NotExclusive {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("statuses.account_id NOT IN (SELECT la.account_id FROM lists l JOIN list_accounts la ON la.list_id = l.id WHERE l.exclusive AND l.account_id = ");
        out.push_bind_param::<BigInt, _>(&self.viewer)?;
        out.push_sql(" AND la.account_id <> ");
        out.push_bind_param::<BigInt, _>(&self.viewer)?;
        out.push_sql(")");
        Ok(())
    }
}

/// The same rule for one post and many readers (`home_feed.account_id`): readers
/// with an exclusive list holding its author do not get it at home.
struct NotExclusiveReader {
    status: i64,
}

impl QueryFragment<Pg> for NotExclusiveReader {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "home_feed.account_id NOT IN (SELECT l.account_id FROM lists l JOIN list_accounts la ON la.list_id = l.id \
             JOIN statuses author_of ON author_of.account_id = la.account_id WHERE l.exclusive AND author_of.id = ",
        );
        out.push_bind_param::<BigInt, _>(&self.status)?;
        out.push_sql(" AND l.account_id <> la.account_id)");
        Ok(())
    }
}

/// A value in a list's rule: a bind (one list, read as a timeline) or a column of
/// `lists` (each of many lists, for a post as it streams).
#[derive(Debug, Clone, Copy)]
enum Param {
    Bind(i64),
    Column(&'static str),
}

impl Param {
    fn walk<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        match self {
            Param::Bind(v) => out.push_bind_param::<BigInt, _>(v),
            Param::Column(c) => {
                out.push_sql(c);
                Ok(())
            }
        }
    }
}

/// What a list selects of its members' posts (Mastodon's list feed): not direct
/// ones; no replies to others except to the owner, to themselves, and as the
/// replies policy allows: to accounts the owner follows (`followed`), to members
/// (`list`), or none. Who may see them is the visibility rule's business, added
/// beside this. `policy` is one of the three names, or `None` to read it from
/// `lists.replies_policy`.
struct ListSelection {
    list: Param,
    owner: Param,
    policy: Option<&'static str>,
}

impl ListSelection {
    fn walk<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(
            "statuses.visibility < 3 AND ((statuses.in_reply_to_id IS NULL AND statuses.in_reply_to_uri IS NULL) \
             OR statuses.in_reply_to_account_id = statuses.account_id OR statuses.in_reply_to_account_id = ",
        );
        self.owner.walk(out)?;
        let followed = |out: &mut AstPass<'_, 'b, Pg>| -> QueryResult<()> {
            out.push_sql("statuses.in_reply_to_account_id IN (SELECT target_account_id FROM follows WHERE accepted AND account_id = ");
            self.owner.walk(out)?;
            out.push_sql(")");
            Ok(())
        };
        let members = |out: &mut AstPass<'_, 'b, Pg>| -> QueryResult<()> {
            out.push_sql("statuses.in_reply_to_account_id IN (SELECT account_id FROM list_accounts WHERE list_id = ");
            self.list.walk(out)?;
            out.push_sql(")");
            Ok(())
        };
        match self.policy {
            Some("followed") => {
                out.push_sql(" OR ");
                followed(out)?;
            }
            Some("list") => {
                out.push_sql(" OR ");
                members(out)?;
            }
            Some(_) => {}
            None => {
                out.push_sql(" OR (lists.replies_policy = 'followed' AND ");
                followed(out)?;
                out.push_sql(") OR (lists.replies_policy = 'list' AND ");
                members(out)?;
                out.push_sql(")");
            }
        }
        out.push_sql(")");
        Ok(())
    }
}

/// The page of a list's timeline, as a condition on `statuses.id`: for each member,
/// its newest posts within the page's bounds that the list selects and the owner
/// may see (an index range of `statuses_account_id_id` each), then the newest of
/// those. Its cost grows with members × page size, never with how much the members
/// (or everyone else) posted: a list of quiet accounts is as quick as one of busy ones.
struct ListPage {
    list: i64,
    selection: ListSelection,
    visible: super::visibility::VisibleTo,
    max_id: Option<i64>,
    min_id: Option<i64>,
    ascending: bool,
    limit: i64,
}

impl QueryFragment<Pg> for ListPage {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let order = if self.ascending { " ASC" } else { " DESC" };
        out.push_sql("statuses.id IN (SELECT m.id FROM list_accounts la CROSS JOIN LATERAL (SELECT statuses.id FROM statuses WHERE statuses.account_id = la.account_id");
        if let Some(max) = &self.max_id {
            out.push_sql(" AND statuses.id < ");
            out.push_bind_param::<BigInt, _>(max)?;
        }
        if let Some(min) = &self.min_id {
            out.push_sql(" AND statuses.id > ");
            out.push_bind_param::<BigInt, _>(min)?;
        }
        out.push_sql(" AND ");
        self.selection.walk(&mut out)?;
        out.push_sql(" AND ");
        self.visible.walk_ast(out.reborrow())?;
        out.push_sql(" ORDER BY statuses.id");
        out.push_sql(order);
        out.push_sql(" LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(") m WHERE la.list_id = ");
        out.push_bind_param::<BigInt, _>(&self.list)?;
        out.push_sql(" ORDER BY m.id");
        out.push_sql(order);
        out.push_sql(" LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(")");
        Ok(())
    }
}

/// A list's timeline: its members' posts and boosts as the list selects them
/// ([`ListSelection`]) and its owner may see them, newest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    list: &super::lists::List,
    page: Page,
) -> QueryResult<Vec<Status>> {
    let policy = match list.replies_policy.as_str() {
        "followed" => "followed",
        "none" => "none",
        _ => "list",
    };
    let condition = ListPage {
        list: list.id,
        selection: ListSelection {
            list: Param::Bind(list.id),
            owner: Param::Bind(list.account_id.0),
            policy: Some(policy),
        },
        visible: super::visibility::visible_to(Some(list.account_id)),
        max_id: page.max_id,
        min_id: page.lower(),
        ascending: page.ascending(),
        limit: page.limit,
    };
    let q = statuses::table
        .filter(condition)
        .select(Status::as_select())
        .into_boxed();
    let q = if page.ascending() {
        q.order(statuses::id.asc())
    } else {
        q.order(statuses::id.desc())
    };
    Ok(page.finish(q.load(conn).await?))
}

/// Of `lists`, those whose timeline has `status` (the same [`ListSelection`], and
/// its author a member): which list streams hear of it. Whether each owner may see
/// it is asked of the visibility rule beside this.
pub async fn list_readers(
    conn: &mut AsyncPgConnection,
    status: super::StatusId,
    lists: &[i64],
) -> QueryResult<Vec<i64>> {
    if lists.is_empty() {
        return Ok(Vec::new());
    }
    let query = ListReaders {
        status: status.0,
        lists: lists.to_vec(),
        selection: ListSelection {
            list: Param::Column("lists.id"),
            owner: Param::Column("lists.account_id"),
            policy: None,
        },
    };
    query.load::<i64>(conn).await
}

struct ListReaders {
    status: i64,
    lists: Vec<i64>,
    selection: ListSelection,
}

impl QueryFragment<Pg> for ListReaders {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT lists.id FROM lists JOIN statuses ON statuses.id = ");
        out.push_bind_param::<BigInt, _>(&self.status)?;
        out.push_sql(" WHERE lists.id = ANY(");
        out.push_bind_param::<Array<BigInt>, _>(&self.lists)?;
        out.push_sql(") AND statuses.account_id IN (SELECT account_id FROM list_accounts WHERE list_id = lists.id) AND ");
        self.selection.walk(&mut out)
    }
}

impl diesel::query_builder::Query for ListReaders {
    type SqlType = BigInt;
}

impl QueryId for ListReaders {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
