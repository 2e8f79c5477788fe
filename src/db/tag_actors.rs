//! The `tag_actors` and `tag_announces` tables: the actor of each hashtag that has
//! one, and the posts each announced.

use super::{
    prepared::Cached,
    schema::{tag_actors, tag_announces},
    AccountId, StatusId,
};
use diesel::{
    prelude::*,
    sql_types::{BigInt, Bool, Text, Timestamptz},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, QueryableByName, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = tag_actors, check_for_backend(diesel::pg::Pg))]
pub struct TagActor {
    pub name: String,
    pub account_id: AccountId,
    pub enabled: bool,
}

/// A post a tag actor announced.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = tag_announces, check_for_backend(diesel::pg::Pg))]
pub struct TagAnnounce {
    pub account_id: AccountId,
    pub status_id: StatusId,
    pub object_uri: String,
}

/// A tag actor with its followers, as the admins' list shows it.
#[derive(QueryableByName, Debug, Clone)]
pub struct Listed {
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Bool)]
    pub enabled: bool,
    #[diesel(sql_type = BigInt)]
    pub followers: i64,
    #[diesel(sql_type = BigInt)]
    pub announced: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub last_announced_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl TagActor {
    pub async fn find(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<TagActor>> {
        tag_actors::table
            .find(name)
            .select(TagActor::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn by_account(
        conn: &mut AsyncPgConnection,
        account: AccountId,
    ) -> QueryResult<Option<TagActor>> {
        tag_actors::table
            .filter(tag_actors::account_id.eq(account))
            .select(TagActor::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Records the actor of `name`; when another request made one first, nothing is
    /// inserted (the caller reads the winner).
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        name: &str,
        account: AccountId,
        enabled: bool,
    ) -> QueryResult<usize> {
        diesel::insert_into(tag_actors::table)
            .values((
                tag_actors::name.eq(name),
                tag_actors::account_id.eq(account),
                tag_actors::enabled.eq(enabled),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await
    }

    pub async fn set_enabled(
        conn: &mut AsyncPgConnection,
        name: &str,
        enabled: bool,
    ) -> QueryResult<usize> {
        diesel::update(tag_actors::table.find(name))
            .set(tag_actors::enabled.eq(enabled))
            .execute(conn)
            .await
    }

    /// Makes the new local account `account` a tag actor's: a `Service` that search
    /// engines and the directory leave out.
    pub async fn make_service(
        conn: &mut AsyncPgConnection,
        account: AccountId,
    ) -> QueryResult<super::accounts::Account> {
        use super::schema::accounts;
        diesel::update(
            accounts::table
                .find(account)
                .filter(accounts::domain.is_null()),
        )
        .set((
            accounts::actor_type.eq("Service"),
            accounts::discoverable.eq(false),
            accounts::indexable.eq(false),
        ))
        .returning(super::accounts::Account::as_returning())
        .get_result(conn)
        .await
    }

    /// Locks the row of the tag actor `account` until the transaction ends, so that
    /// its announces are counted against the hourly bounds one post at a time.
    pub async fn lock(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<()> {
        tag_actors::table
            .filter(tag_actors::account_id.eq(account))
            .select(tag_actors::name)
            .for_update()
            .first::<String>(conn)
            .await
            .map(|_| ())
    }

    /// Every tag actor by name, with its followers and what it announced.
    pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Listed>> {
        Cached(diesel::sql_query(
            "SELECT t.name, t.enabled,
                    (SELECT count(*) FROM follows f WHERE f.target_account_id = t.account_id AND f.accepted) AS followers,
                    (SELECT count(*) FROM tag_announces a WHERE a.account_id = t.account_id) AS announced,
                    (SELECT max(a.announced_at) FROM tag_announces a WHERE a.account_id = t.account_id) AS last_announced_at
               FROM tag_actors t ORDER BY t.name LIMIT 1000",
        ))
        .load(conn)
        .await
    }

    /// The enabled tag actors of the hashtags `status` carries.
    pub async fn of_status(
        conn: &mut AsyncPgConnection,
        status: StatusId,
    ) -> QueryResult<Vec<TagActor>> {
        Cached(
            diesel::sql_query(
                "SELECT t.name, t.account_id, t.enabled FROM status_tags st
                   JOIN tag_actors t ON t.name = st.name
                  WHERE st.status_id = $1 AND t.enabled",
            )
            .bind::<BigInt, _>(status.0),
        )
        .load(conn)
        .await
    }

    /// Whether there is any tag actor at all.
    pub async fn any(conn: &mut AsyncPgConnection) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            tag_actors::table.select(tag_actors::name),
        ))
        .get_result(conn)
        .await
    }

    /// Whether a post carries `name` (the hashtag is in use here).
    pub async fn in_use(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<bool> {
        use super::schema::status_tags;
        diesel::select(diesel::dsl::exists(
            status_tags::table.filter(status_tags::name.eq(name)),
        ))
        .get_result(conn)
        .await
    }
}

#[derive(QueryableByName)]
struct Counts {
    #[diesel(sql_type = BigInt)]
    tag: i64,
    #[diesel(sql_type = BigInt)]
    author: i64,
}

impl TagAnnounce {
    /// Claims the announce of `status` by the tag actor `account`: true the first
    /// time only, whichever process or retry asks.
    pub async fn claim(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        status: StatusId,
        author: AccountId,
        object_uri: &str,
    ) -> QueryResult<bool> {
        let n = diesel::insert_into(tag_announces::table)
            .values((
                tag_announces::account_id.eq(account),
                tag_announces::status_id.eq(status),
                tag_announces::author_id.eq(author),
                tag_announces::object_uri.eq(object_uri),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(n > 0)
    }

    /// Announces by the tag actor `account` since `since`: all of them, and those of
    /// posts by `author`.
    pub async fn recent(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        author: AccountId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> QueryResult<(i64, i64)> {
        let c: Counts = Cached(
            diesel::sql_query(
                "SELECT (SELECT count(*) FROM tag_announces WHERE account_id = $1 AND announced_at > $3) AS tag,
                        (SELECT count(*) FROM tag_announces WHERE account_id = $1 AND author_id = $2 AND announced_at > $3) AS author",
            )
            .bind::<BigInt, _>(account.0)
            .bind::<BigInt, _>(author.0)
            .bind::<Timestamptz, _>(since),
        )
        .get_result(conn)
        .await?;
        Ok((c.tag, c.author))
    }

    /// The announces of `status` not undone yet, marked undone now (each Undo is
    /// sent once).
    pub async fn take_for_undo(
        conn: &mut AsyncPgConnection,
        status: StatusId,
    ) -> QueryResult<Vec<TagAnnounce>> {
        diesel::update(
            tag_announces::table
                .filter(tag_announces::status_id.eq(status))
                .filter(tag_announces::undone.eq(false)),
        )
        .set(tag_announces::undone.eq(true))
        .returning(TagAnnounce::as_returning())
        .load(conn)
        .await
    }
}
