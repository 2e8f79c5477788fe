//! Full-text search of posts, as SQL: which posts a viewer's words find. Three ways
//! in, each a branch that reads only what it may find, newest first, as far as the
//! page needs: the viewer's own posts (`statuses_account_id_id`), those they
//! favourited, bookmarked, boosted, replied to or were mentioned in (a handful of
//! ids per teacher), and public posts of accounts that opted in (`indexable`, kept
//! on each post as `findable` with its own GIN index `statuses_findable`; migration
//! 2026-12-04-170000_findable_posts). Every branch carries the visibility rule
//! (`db::visibility`), so a post the viewer may not see is never found. The words
//! are matched as written and in the viewer's language's stemmed form
//! (`websearch_to_tsquery`: quotes for phrases, `or`, `-word`); each post's
//! `search_vector` holds both (migration 2026-12-02-163010_post_search). Words are
//! kept only for posts some branch can find: local ones, those marked `searchable`
//! when their author opted in or someone here interacted with them (migration
//! 2026-12-03-000001_search_what_is_searched); the rest of what the inbox receives
//! is stored without them, which is most of it.

use super::{visibility::visible_to, AccountId, StatusId};
use diesel::{
    pg::Pg,
    query_builder::{AstPass, Query, QueryFragment, QueryId},
    sql_types::{BigInt, Nullable, Text},
    QueryResult,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// A search of posts, as `/api/v2/search` asks it.
#[derive(Debug, Clone)]
pub struct PostSearch {
    pub viewer: AccountId,
    pub words: String,
    /// The viewer's language (ISO 639-1), for the stemmed form of the words.
    pub language: Option<String>,
    /// Only posts of this account.
    pub author: Option<AccountId>,
    pub max_id: Option<i64>,
    pub min_id: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// Ids of the posts found, newest first.
pub async fn posts(
    conn: &mut AsyncPgConnection,
    search: &PostSearch,
) -> QueryResult<Vec<StatusId>> {
    let found = Found {
        depth: search.offset + search.limit,
        rule: visible_to(Some(search.viewer)),
        search: search.clone(),
    };
    // Planned for these words every time: how many posts have a word decides between
    // reading the index and walking the newest posts, and a plan kept for the
    // statement (PostgreSQL's generic plan, after five runs) chose one for all words
    // (a word on every post: 12 ms planned for it, 72 ms with the kept plan).
    let ids: Vec<i64> = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::sql_query("SET LOCAL plan_cache_mode = force_custom_plan")
                .execute(conn)
                .await?;
            found.load(conn).await
        })
        .await?;
    Ok(ids.into_iter().map(StatusId).collect())
}

/// The statement; its text depends only on which of `author`, `max_id` and `min_id`
/// are given (eight shapes), every value is a bind, so each shape is prepared once
/// per connection (`db::prepared`).
struct Found {
    search: PostSearch,
    /// How far each branch reads: the page and what it skips.
    depth: i64,
    rule: super::visibility::VisibleTo,
}

const BRANCHES: [&str; 3] = [
    // The viewer's own.
    "statuses.account_id = ",
    // What the viewer interacted with.
    "statuses.id IN (SELECT status_id FROM favourites WHERE account_id = $V
        UNION ALL SELECT status_id FROM bookmarks WHERE account_id = $V
        UNION ALL SELECT status_id FROM mentions WHERE account_id = $V
        UNION ALL SELECT r.reblog_of_id FROM statuses r WHERE r.account_id = $V
        UNION ALL SELECT r.in_reply_to_id FROM statuses r WHERE r.account_id = $V)",
    // Public posts of those who opted in (`findable`, with its own GIN index).
    "statuses.findable",
];

impl QueryFragment<Pg> for Found {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let s = &self.search;
        out.push_sql("SELECT DISTINCT found.id FROM (");
        for (n, branch) in BRANCHES.iter().enumerate() {
            if n > 0 {
                out.push_sql(" UNION ALL ");
            }
            out.push_sql("(SELECT statuses.id FROM statuses WHERE ");
            // `$V` stands for the viewer, bound at each place.
            let mut parts = branch.split("$V").peekable();
            while let Some(part) = parts.next() {
                out.push_sql(part);
                if parts.peek().is_some() {
                    out.push_bind_param::<BigInt, _>(&s.viewer.0)?;
                }
            }
            if n == 0 {
                out.push_bind_param::<BigInt, _>(&s.viewer.0)?;
            }
            out.push_sql(
                " AND statuses.reblog_of_id IS NULL AND statuses.search_vector @@ (websearch_to_tsquery('pg_catalog.simple'::regconfig, ",
            );
            out.push_bind_param::<Text, _>(&s.words)?;
            out.push_sql(") || websearch_to_tsquery(search_config(");
            out.push_bind_param::<Nullable<Text>, _>(&s.language)?;
            out.push_sql("), ");
            out.push_bind_param::<Text, _>(&s.words)?;
            out.push_sql("))");
            if let Some(author) = &s.author {
                out.push_sql(" AND statuses.account_id = ");
                out.push_bind_param::<BigInt, _>(&author.0)?;
            }
            if let Some(max) = &s.max_id {
                out.push_sql(" AND statuses.id < ");
                out.push_bind_param::<BigInt, _>(max)?;
            }
            if let Some(min) = &s.min_id {
                out.push_sql(" AND statuses.id > ");
                out.push_bind_param::<BigInt, _>(min)?;
            }
            out.push_sql(" AND ");
            self.rule.walk_ast(out.reborrow())?;
            out.push_sql(" ORDER BY statuses.id DESC LIMIT ");
            out.push_bind_param::<BigInt, _>(&self.depth)?;
            out.push_sql(")");
        }
        out.push_sql(") AS found ORDER BY found.id DESC LIMIT ");
        out.push_bind_param::<BigInt, _>(&s.limit)?;
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&s.offset)?;
        Ok(())
    }
}

impl Query for Found {
    type SqlType = BigInt;
}

impl QueryId for Found {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}
