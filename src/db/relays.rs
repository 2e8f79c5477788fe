//! The `relays` table: the relays this instance subscribes to (services/relays.rs).

use super::schema::relays;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// At most this many relays are listed (an admin's list; real instances have a few).
pub const MAX_LISTED: i64 = 1_000;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = relays)]
pub struct Relay {
    pub id: i64,
    /// What the admin gave (or, for a per-hashtag subscription, the base and the tag).
    pub url: String,
    /// `mastodon`, `litepub` or `tags` (a base of per-hashtag relays).
    pub style: String,
    /// Where our Follow, Undo and public posts go.
    pub inbox_url: Option<String>,
    /// The relay's actor, once known: what its Announces and forwarded Creates are signed by.
    pub actor_uri: Option<String>,
    /// Our Follow's id, which its Accept or Reject names.
    pub follow_uri: Option<String>,
    /// `pending`, `accepted` or `rejected`.
    pub state: String,
    /// For a per-hashtag subscription: its base.
    pub base_id: Option<i64>,
    pub tag: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = relays)]
pub struct RelayInsertForm<'a> {
    pub id: i64,
    pub url: &'a str,
    pub style: &'a str,
    pub inbox_url: Option<&'a str>,
    pub actor_uri: Option<&'a str>,
    pub follow_uri: Option<&'a str>,
    pub state: &'a str,
    pub base_id: Option<i64>,
    pub tag: Option<&'a str>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    form: &RelayInsertForm<'_>,
) -> QueryResult<Relay> {
    diesel::insert_into(relays::table)
        .values(form)
        .returning(Relay::as_returning())
        .get_result(conn)
        .await
}

pub async fn find_by_url(conn: &mut AsyncPgConnection, url: &str) -> QueryResult<Option<Relay>> {
    relays::table
        .filter(relays::url.eq(url))
        .select(Relay::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Relay>> {
    relays::table
        .find(id)
        .select(Relay::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_follow(
    conn: &mut AsyncPgConnection,
    follow_uri: &str,
) -> QueryResult<Option<Relay>> {
    relays::table
        .filter(relays::follow_uri.eq(follow_uri))
        .select(Relay::as_select())
        .first(conn)
        .await
        .optional()
}

/// The relays an admin added (per-hashtag subscriptions are listed with their base).
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Relay>> {
    relays::table
        .order((relays::base_id.asc().nulls_first(), relays::url.asc()))
        .limit(MAX_LISTED)
        .select(Relay::as_select())
        .load(conn)
        .await
}

/// The per-hashtag subscriptions of a base.
pub async fn of_base(conn: &mut AsyncPgConnection, base_id: i64) -> QueryResult<Vec<Relay>> {
    relays::table
        .filter(relays::base_id.eq(base_id))
        .order(relays::tag.asc())
        .select(Relay::as_select())
        .load(conn)
        .await
}

/// The bases of per-hashtag relays.
pub async fn tag_bases(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Relay>> {
    relays::table
        .filter(relays::style.eq("tags"))
        .order(relays::url.asc())
        .select(Relay::as_select())
        .load(conn)
        .await
}

/// Records the relay's answer; whether the row changed.
pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: i64,
    state: &str,
    actor_uri: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        relays::table.filter(
            relays::id.eq(id).and(
                relays::state
                    .ne(state)
                    .or(relays::actor_uri.is_distinct_from(actor_uri)),
            ),
        ),
    )
    .set((
        relays::state.eq(state),
        relays::actor_uri.eq(actor_uri),
        relays::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(n > 0)
}

pub async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(relays::table.find(id)).execute(conn).await? > 0)
}

/// Whether `actor_uri` is a relay that accepted our subscription.
pub async fn is_accepted_actor(conn: &mut AsyncPgConnection, actor_uri: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        relays::table.filter(
            relays::actor_uri
                .eq(actor_uri)
                .and(relays::state.eq("accepted")),
        ),
    ))
    .get_result(conn)
    .await
}

/// Whether `actor_uri` is a relay we subscribe to, in any state.
pub async fn is_relay_actor(conn: &mut AsyncPgConnection, actor_uri: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        relays::table.filter(relays::actor_uri.eq(actor_uri)),
    ))
    .get_result(conn)
    .await
}

/// Inboxes of the accepted relays our public posts go to: the whole-network ones.
/// Per-hashtag relays (FediBuzz) only send; nothing is published through them.
pub async fn publishing_inboxes(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    relays::table
        .filter(
            relays::state
                .eq("accepted")
                .and(relays::base_id.is_null())
                .and(relays::inbox_url.is_not_null()),
        )
        .select(relays::inbox_url.assume_not_null())
        .distinct()
        .load(conn)
        .await
}
