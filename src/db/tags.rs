//! Hashtags: who follows which (`tag_follows`), how much a tag was used lately, and
//! the names in use that start with a prefix. A hashtag is a name in `status_tags`
//! (lower case, no `#`); there is no table of tags of its own.

use super::{pagination::Page, prepared::Cached, schema::tag_follows, AccountId};
use crate::paginate;
use diesel::{prelude::*, sql_types::{BigInt, Text}};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Follows `name` for `account` (nothing changes when it already does).
pub async fn follow(conn: &mut AsyncPgConnection, account: AccountId, name: &str) -> QueryResult<()> {
    diesel::insert_into(tag_follows::table)
        .values((tag_follows::id.eq(super::new_id()), tag_follows::account_id.eq(account), tag_follows::name.eq(name)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn unfollow(conn: &mut AsyncPgConnection, account: AccountId, name: &str) -> QueryResult<()> {
    diesel::delete(tag_follows::table.filter(tag_follows::account_id.eq(account)).filter(tag_follows::name.eq(name)))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Which of `names` `account` follows.
pub async fn followed_among(conn: &mut AsyncPgConnection, account: AccountId, names: &[String]) -> QueryResult<Vec<String>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    tag_follows::table
        .filter(tag_follows::account_id.eq(account))
        .filter(tag_follows::name.eq_any(names))
        .select(tag_follows::name)
        .load(conn)
        .await
}

/// The names `account` follows, newest follow first, paginated by the follow's id.
pub async fn followed(conn: &mut AsyncPgConnection, account: AccountId, page: Page) -> QueryResult<Vec<(i64, String)>> {
    let q = tag_follows::table.filter(tag_follows::account_id.eq(account)).select((tag_follows::id, tag_follows::name)).into_boxed();
    Ok(page.finish(paginate!(q, tag_follows::id, page).load(conn).await?))
}

/// Whether anyone here follows one of `names`: an incoming post from an author
/// nobody follows is kept for its hashtags' followers.
pub async fn any_followed(conn: &mut AsyncPgConnection, names: &[String]) -> QueryResult<bool> {
    if names.is_empty() {
        return Ok(false);
    }
    diesel::select(diesel::dsl::exists(tag_follows::table.filter(tag_follows::name.eq_any(names)))).get_result(conn).await
}

/// Uses of a tag on one day (days since the Unix epoch, UTC).
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct DayUse {
    #[diesel(sql_type = BigInt)]
    pub day: i64,
    #[diesel(sql_type = BigInt)]
    pub uses: i64,
    #[diesel(sql_type = BigInt)]
    pub accounts: i64,
}

/// How many uses of a week history counts at most: a tag used more than that is
/// counted over its newest uses (the older days then show fewer), so one search for
/// a very busy tag reads a bounded part of its index rather than all of it.
pub const HISTORY_CAP: i64 = 10_000;

/// Public and unlisted posts (not deleted) tagged `name` from `since_day` on, per day, with how many
/// accounts wrote them. Ids sort by time (`db::ids`), so the days come from the ids
/// and the range is one scan of `status_tags_name` backwards from the newest.
pub async fn history(conn: &mut AsyncPgConnection, name: &str, since_day: i64) -> QueryResult<Vec<DayUse>> {
    Cached(
        diesel::sql_query(
            "SELECT ((t.status_id >> 16) / 86400000)::bigint AS day, count(*) AS uses, count(DISTINCT s.account_id) AS accounts
               FROM (SELECT status_id FROM status_tags WHERE name = $1 AND status_id >= ($2 * 86400000) << 16
                      ORDER BY status_id DESC LIMIT $3) AS t
               JOIN statuses s ON s.id = t.status_id AND s.deleted_at IS NULL AND s.visibility <= 1
              GROUP BY 1",
        )
        .bind::<Text, _>(name)
        .bind::<BigInt, _>(since_day)
        .bind::<BigInt, _>(HISTORY_CAP),
    )
    .load(conn)
    .await
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Up to `limit` hashtags in use that start with `prefix`, in order: a loose scan of
/// `status_tags_name` (one index probe per name, however many posts each has),
/// stopping at the first name past the prefix (the database sorts names as bytes,
/// `C` collation, so names with one prefix are next to each other).
pub async fn with_prefix(conn: &mut AsyncPgConnection, prefix: &str, limit: i64) -> QueryResult<Vec<String>> {
    let rows: Vec<Name> = Cached(
        diesel::sql_query(
            "WITH RECURSIVE t(name) AS (
                 (SELECT name FROM status_tags WHERE name >= $1 ORDER BY name LIMIT 1)
                 UNION ALL
                 SELECT (SELECT o.name FROM status_tags o WHERE o.name > t.name ORDER BY o.name LIMIT 1)
                   FROM t WHERE t.name IS NOT NULL AND starts_with(t.name, $1)
             )
             SELECT name FROM t WHERE name IS NOT NULL AND starts_with(name, $1) LIMIT $2",
        )
        .bind::<Text, _>(prefix)
        .bind::<BigInt, _>(limit),
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}
