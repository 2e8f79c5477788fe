//! The `chats` table (hashtag chats, services/chats.rs), and the posts a chat's
//! occurrence is made of, read from `statuses` when a chat page asks.

use super::{
    accounts::Account,
    schema::{accounts, chats, status_tags, statuses},
    statuses::Status,
    AccountId, StatusId,
};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = chats, check_for_backend(diesel::pg::Pg))]
pub struct Chat {
    pub id: i64,
    pub host_id: AccountId,
    pub title: String,
    pub tag: String,
    pub description: String,
    pub starts_local: NaiveDateTime,
    pub time_zone: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub rrule: Option<String>,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// What a host writes (new, or changed: every field is set again).
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = chats, treat_none_as_null = true)]
pub struct ChatForm {
    pub title: String,
    pub tag: String,
    pub description: String,
    pub starts_local: NaiveDateTime,
    pub time_zone: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub rrule: Option<String>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// How many chats a list reads at most (the about page, a tag's feed, a host's page).
pub const MAX_LISTED: i64 = 200;

/// How many posts one occurrence's transcript reads at most, of each kind.
pub const MAX_POSTS: i64 = 1000;

impl Chat {
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        id: i64,
        host: AccountId,
        form: &ChatForm,
    ) -> QueryResult<Chat> {
        diesel::insert_into(chats::table)
            .values((chats::id.eq(id), chats::host_id.eq(host), form))
            .returning(Chat::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn update(
        conn: &mut AsyncPgConnection,
        id: i64,
        form: &ChatForm,
    ) -> QueryResult<Chat> {
        diesel::update(chats::table.find(id))
            .set((form, chats::updated_at.eq(diesel::dsl::now)))
            .returning(Chat::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn cancel(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Chat> {
        diesel::update(chats::table.find(id))
            .set((
                chats::cancelled_at.eq(diesel::dsl::now),
                chats::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Chat::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Chat>> {
        chats::table
            .find(id)
            .select(Chat::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// The chat with its host.
    pub async fn find_with_host(
        conn: &mut AsyncPgConnection,
        id: i64,
    ) -> QueryResult<Option<(Chat, Account)>> {
        chats::table
            .inner_join(accounts::table)
            .filter(chats::id.eq(id))
            .select((Chat::as_select(), Account::as_select()))
            .first(conn)
            .await
            .optional()
    }

    /// A host's chats, newest first (cancelled ones too).
    pub async fn of_host(conn: &mut AsyncPgConnection, host: AccountId) -> QueryResult<Vec<Chat>> {
        chats::table
            .filter(chats::host_id.eq(host))
            .order(chats::id.desc())
            .limit(MAX_LISTED)
            .select(Chat::as_select())
            .load(conn)
            .await
    }

    /// The chats on `tag` with their hosts, newest first (cancelled ones too: a feed
    /// says they are cancelled).
    pub async fn on_tag(
        conn: &mut AsyncPgConnection,
        tag: &str,
    ) -> QueryResult<Vec<(Chat, Account)>> {
        chats::table
            .inner_join(accounts::table)
            .filter(chats::tag.eq(tag))
            .order(chats::id.desc())
            .limit(MAX_LISTED)
            .select((Chat::as_select(), Account::as_select()))
            .load(conn)
            .await
    }

    /// Chats not cancelled whose last occurrence has not ended by `now`, with hosts.
    pub async fn not_over(
        conn: &mut AsyncPgConnection,
        now: DateTime<Utc>,
    ) -> QueryResult<Vec<(Chat, Account)>> {
        chats::table
            .inner_join(accounts::table)
            .filter(chats::cancelled_at.is_null())
            .filter(chats::ends_at.is_null().or(chats::ends_at.gt(now)))
            .order(chats::starts_at.asc())
            .limit(MAX_LISTED)
            .select((Chat::as_select(), Account::as_select()))
            .load(conn)
            .await
    }

    /// Whether a chat on any of `tags` is not over (or ended within the last day,
    /// for answers arriving late): its posts are kept when they reach us.
    pub async fn any_on(conn: &mut AsyncPgConnection, tags: &[String]) -> QueryResult<bool> {
        if tags.is_empty() {
            return Ok(false);
        }
        let since = Utc::now() - chrono::Duration::days(1);
        diesel::select(diesel::dsl::exists(
            chats::table
                .filter(chats::tag.eq_any(tags))
                .filter(chats::cancelled_at.is_null())
                .filter(chats::starts_at.le(Utc::now() + chrono::Duration::days(1)))
                .filter(chats::ends_at.is_null().or(chats::ends_at.gt(since))),
        ))
        .get_result(conn)
        .await
    }
}

/// Public or unlisted posts (not boosts, not deleted) carrying `tag` and written
/// within [`from`, `to`), oldest first. The visibility rule is applied by the caller.
pub async fn tagged_between(
    conn: &mut AsyncPgConnection,
    tag: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<Status>> {
    statuses::table
        .inner_join(status_tags::table)
        .filter(status_tags::name.eq(tag))
        .filter(statuses::created_at.ge(from))
        .filter(statuses::created_at.lt(to))
        .filter(statuses::visibility.le(1))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::reblog_of_id.is_null())
        .order((statuses::created_at.asc(), statuses::id.asc()))
        .limit(MAX_POSTS)
        .select(Status::as_select())
        .load(conn)
        .await
}

/// Public or unlisted replies to `parents` written before `to`, oldest first.
pub async fn replies_to(
    conn: &mut AsyncPgConnection,
    parents: &[StatusId],
    to: DateTime<Utc>,
) -> QueryResult<Vec<Status>> {
    if parents.is_empty() {
        return Ok(Vec::new());
    }
    statuses::table
        .filter(statuses::in_reply_to_id.eq_any(parents))
        .filter(statuses::created_at.lt(to))
        .filter(statuses::visibility.le(1))
        .filter(statuses::deleted_at.is_null())
        .order((statuses::created_at.asc(), statuses::id.asc()))
        .limit(MAX_POSTS)
        .select(Status::as_select())
        .load(conn)
        .await
}
