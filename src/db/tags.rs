//! Hashtags: who follows which (`tag_follows`), how much a tag was used lately, and
//! the names in use that start with a prefix. A hashtag is a name in `status_tags`
//! (lower case, no `#`); there is no table of tags of its own.

use super::{pagination::Page, prepared::Cached, schema::tag_follows, AccountId};
use crate::paginate;
use diesel::{
    prelude::*,
    sql_types::{BigInt, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Follows `name` for `account` (nothing changes when it already does).
pub async fn follow(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    name: &str,
) -> QueryResult<()> {
    diesel::insert_into(tag_follows::table)
        .values((
            tag_follows::id.eq(super::new_id()),
            tag_follows::account_id.eq(account),
            tag_follows::name.eq(name),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn unfollow(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    name: &str,
) -> QueryResult<()> {
    diesel::delete(
        tag_follows::table
            .filter(tag_follows::account_id.eq(account))
            .filter(tag_follows::name.eq(name)),
    )
    .execute(conn)
    .await
    .map(|_| ())
}

/// Which of `names` `account` follows.
pub async fn followed_among(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    names: &[String],
) -> QueryResult<Vec<String>> {
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
pub async fn followed(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    page: Page,
) -> QueryResult<Vec<(i64, String)>> {
    let q = tag_follows::table
        .filter(tag_follows::account_id.eq(account))
        .select((tag_follows::id, tag_follows::name))
        .into_boxed();
    Ok(page.finish(paginate!(q, tag_follows::id, page).load(conn).await?))
}

/// Whether anyone here follows one of `names`: an incoming post from an author
/// nobody follows is kept for its hashtags' followers.
pub async fn any_followed(conn: &mut AsyncPgConnection, names: &[String]) -> QueryResult<bool> {
    if names.is_empty() {
        return Ok(false);
    }
    diesel::select(diesel::dsl::exists(
        tag_follows::table.filter(tag_follows::name.eq_any(names)),
    ))
    .get_result(conn)
    .await
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
pub async fn history(
    conn: &mut AsyncPgConnection,
    name: &str,
    since_day: i64,
) -> QueryResult<Vec<DayUse>> {
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
pub async fn with_prefix(
    conn: &mut AsyncPgConnection,
    prefix: &str,
    limit: i64,
) -> QueryResult<Vec<String>> {
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

/// A hashtag featured on a profile, with how many of the account's public and
/// unlisted posts carry it and the day of the last.
#[derive(QueryableByName, Debug, Clone)]
pub struct Featured {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub statuses: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub last_status_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The hashtags `account` features, oldest first, each counted over the account's
/// own posts (`statuses_account_id_id`, then the tag's row in `status_tags`' key).
pub async fn featured(
    conn: &mut AsyncPgConnection,
    account: AccountId,
) -> QueryResult<Vec<Featured>> {
    Cached(
        diesel::sql_query(
            "SELECT f.id, f.name, count(s.id) AS statuses, max(s.created_at) AS last_status_at
               FROM featured_tags f
               LEFT JOIN status_tags st ON st.name = f.name
                     AND st.status_id IN (SELECT id FROM statuses WHERE account_id = $1 AND visibility <= 1 AND deleted_at IS NULL AND reblog_of_id IS NULL)
               LEFT JOIN statuses s ON s.id = st.status_id
              WHERE f.account_id = $1
              GROUP BY f.id, f.name ORDER BY f.id",
        )
        .bind::<BigInt, _>(account.0),
    )
    .load(conn)
    .await
}

/// Features `name` on `account`'s profile; the id of the (new or existing) row.
pub async fn feature(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    name: &str,
) -> QueryResult<i64> {
    use super::schema::featured_tags;
    diesel::insert_into(featured_tags::table)
        .values((
            featured_tags::id.eq(super::new_id()),
            featured_tags::account_id.eq(account),
            featured_tags::name.eq(name),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    featured_tags::table
        .filter(featured_tags::account_id.eq(account))
        .filter(featured_tags::name.eq(name))
        .select(featured_tags::id)
        .first(conn)
        .await
}

/// Stops featuring the tag `id` of `account`; whether there was one.
pub async fn unfeature(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    id: i64,
) -> QueryResult<bool> {
    use super::schema::featured_tags;
    let n = diesel::delete(
        featured_tags::table
            .filter(featured_tags::id.eq(id))
            .filter(featured_tags::account_id.eq(account)),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Makes `names` the hashtags `account` features, keeping the rows (and their ids)
/// of those it featured already.
pub async fn replace_featured(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    names: &[String],
) -> QueryResult<()> {
    use super::schema::featured_tags;
    use diesel_async::AsyncConnection;
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        diesel::delete(
            featured_tags::table
                .filter(featured_tags::account_id.eq(account))
                .filter(featured_tags::name.ne_all(names)),
        )
        .execute(conn)
        .await?;
        for name in names {
            feature(conn, account, name).await?;
        }
        Ok(())
    })
    .await
}

/// The hashtags `account` used most in its posts since `since_id` (an id, so a
/// time: `db::ids`), not featured yet, most used first.
pub async fn most_used(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    since_id: i64,
    limit: i64,
) -> QueryResult<Vec<String>> {
    let rows: Vec<Name> = Cached(
        diesel::sql_query(
            "SELECT st.name FROM statuses s JOIN status_tags st ON st.status_id = s.id
              WHERE s.account_id = $1 AND s.id > $2 AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
                AND st.name NOT IN (SELECT name FROM featured_tags WHERE account_id = $1)
              GROUP BY st.name ORDER BY count(*) DESC, st.name LIMIT $3",
        )
        .bind::<BigInt, _>(account.0)
        .bind::<BigInt, _>(since_id)
        .bind::<BigInt, _>(limit),
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Which of `names` `account` features.
pub async fn featured_among(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    names: &[String],
) -> QueryResult<Vec<String>> {
    use super::schema::featured_tags;
    if names.is_empty() {
        return Ok(Vec::new());
    }
    featured_tags::table
        .filter(featured_tags::account_id.eq(account))
        .filter(featured_tags::name.eq_any(names))
        .select(featured_tags::name)
        .load(conn)
        .await
}

/// A hashtag as the about page's "PLN tags" counts it.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct PlnTag {
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Public and unlisted posts by teachers here carrying it, in the window.
    #[diesel(sql_type = BigInt)]
    pub uses: i64,
    /// Teachers here who follow it.
    #[diesel(sql_type = BigInt)]
    pub followers: i64,
}

/// The hashtags teachers here used in public and unlisted posts since `since_id` (an
/// id, so a time: `db::ids`) or follow, most used first, then most followed. Posts
/// are read per local account (`statuses_account_id_id`), so other servers' posts
/// cost nothing; hidden authors (suspended, silenced) and tags admins switched off
/// (`tag_actors.enabled`) are left out.
pub async fn pln(
    conn: &mut AsyncPgConnection,
    since_id: i64,
    limit: i64,
) -> QueryResult<Vec<PlnTag>> {
    Cached(
        diesel::sql_query(
            "WITH used AS (
                 SELECT st.name, count(*) AS uses
                   FROM accounts a
                   JOIN statuses s ON s.account_id = a.id AND s.id >= $1
                   JOIN status_tags st ON st.status_id = s.id
                  WHERE a.domain IS NULL AND a.suspended_at IS NULL AND a.silenced_at IS NULL
                    AND s.deleted_at IS NULL AND s.visibility <= 1 AND s.reblog_of_id IS NULL
                  GROUP BY st.name
             ), followed AS (
                 SELECT tf.name, count(*) AS followers
                   FROM tag_follows tf JOIN accounts a ON a.id = tf.account_id
                  WHERE a.domain IS NULL AND a.suspended_at IS NULL
                  GROUP BY tf.name
             )
             SELECT coalesce(u.name, f.name) AS name, coalesce(u.uses, 0) AS uses, coalesce(f.followers, 0) AS followers
               FROM used u FULL JOIN followed f ON f.name = u.name
              WHERE coalesce(u.name, f.name) NOT IN (SELECT name FROM tag_actors WHERE NOT enabled)
              ORDER BY 2 DESC, 3 DESC, 1 LIMIT $2",
        )
        .bind::<BigInt, _>(since_id)
        .bind::<BigInt, _>(limit),
    )
    .load(conn)
    .await
}

/// A hashtag trending: how many accounts used it, and how often.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct Trending {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = BigInt)]
    pub accounts: i64,
    #[diesel(sql_type = BigInt)]
    pub uses: i64,
}

/// How many tagged posts trending reads at most: the newest ones, so a busy week
/// costs one bounded range of `status_tags`' key.
pub const TRENDING_CAP: i64 = 20_000;

/// The hashtags of public posts since `since_id` used by the most distinct accounts
/// (at least `min_accounts`), here and from other servers, then by uses. Posts anyone
/// may not see (deleted, hidden authors) and tags admins switched off do not count.
pub async fn trending(
    conn: &mut AsyncPgConnection,
    since_id: i64,
    min_accounts: i64,
    limit: i64,
) -> QueryResult<Vec<Trending>> {
    Cached(
        diesel::sql_query(
            "SELECT st.name, count(DISTINCT s.account_id) AS accounts, count(*) AS uses
               FROM (SELECT status_id, name FROM status_tags WHERE status_id >= $1
                      ORDER BY status_id DESC LIMIT $4) AS st
               JOIN statuses s ON s.id = st.status_id
              WHERE s.deleted_at IS NULL AND s.visibility = 0 AND s.reblog_of_id IS NULL
                AND s.account_id NOT IN (SELECT id FROM accounts WHERE domain_blocked OR suspended_at IS NOT NULL OR silenced_at IS NOT NULL)
                AND st.name NOT IN (SELECT name FROM tag_actors WHERE NOT enabled)
              GROUP BY st.name HAVING count(DISTINCT s.account_id) >= $2
              ORDER BY 2 DESC, 3 DESC, 1 LIMIT $3",
        )
        .bind::<BigInt, _>(since_id)
        .bind::<BigInt, _>(min_accounts)
        .bind::<BigInt, _>(limit)
        .bind::<BigInt, _>(TRENDING_CAP),
    )
    .load(conn)
    .await
}

/// The hashtags teachers here follow or feature (at most `limit`, by name): what
/// per-hashtag relays are subscribed for (services/relays.rs).
pub async fn followed_or_featured_here(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<String>> {
    use super::schema::{accounts, featured_tags};
    let mut names: Vec<String> = tag_follows::table
        .inner_join(accounts::table.on(accounts::id.eq(tag_follows::account_id)))
        .filter(accounts::domain.is_null())
        .select(tag_follows::name)
        .distinct()
        .order(tag_follows::name)
        .limit(limit)
        .load(conn)
        .await?;
    let featured: Vec<String> = featured_tags::table
        .inner_join(accounts::table.on(accounts::id.eq(featured_tags::account_id)))
        .filter(accounts::domain.is_null())
        .select(featured_tags::name)
        .distinct()
        .order(featured_tags::name)
        .limit(limit)
        .load(conn)
        .await?;
    names.extend(featured);
    names.sort();
    names.dedup();
    names.truncate(limit as usize);
    Ok(names)
}
