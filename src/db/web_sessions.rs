//! The `web_sessions` table: signed-in browsers, by the SHA-256 of their session id.

use super::{
    accounts::Account,
    schema::{accounts, users, web_sessions},
    users::User,
    UserId,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn insert(
    conn: &mut AsyncPgConnection,
    user: UserId,
    session_hash: &str,
    user_agent: &str,
) -> QueryResult<i64> {
    let id = super::new_id();
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::id.eq(id),
            web_sessions::user_id.eq(user),
            web_sessions::session_hash.eq(session_hash),
            web_sessions::user_agent.eq(user_agent),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// A live session: its id, when it was last seen, and who it belongs to.
pub struct Session {
    pub id: i64,
    pub last_seen_at: DateTime<Utc>,
    pub user: User,
    pub account: Account,
}

/// The session with this hash, unless it has been idle since before `idle_since`.
pub async fn find(
    conn: &mut AsyncPgConnection,
    session_hash: &str,
    idle_since: DateTime<Utc>,
) -> QueryResult<Option<Session>> {
    let row: Option<(i64, DateTime<Utc>, User, Account)> = web_sessions::table
        .inner_join(users::table.inner_join(accounts::table))
        .filter(web_sessions::session_hash.eq(session_hash))
        .filter(web_sessions::last_seen_at.gt(idle_since))
        .select((
            web_sessions::id,
            web_sessions::last_seen_at,
            User::as_select(),
            Account::as_select(),
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(id, last_seen_at, user, account)| Session {
        id,
        last_seen_at,
        user,
        account,
    }))
}

pub async fn touch(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::update(web_sessions::table.find(id))
        .set(web_sessions::last_seen_at.eq(diesel::dsl::now))
        .execute(conn)
        .await
        .map(drop)
}

/// Ends the session with this hash; whether there was one.
pub async fn delete(conn: &mut AsyncPgConnection, session_hash: &str) -> QueryResult<bool> {
    let n = diesel::delete(web_sessions::table.filter(web_sessions::session_hash.eq(session_hash)))
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// Forgets sessions idle since before `idle_since`.
pub async fn delete_idle(
    conn: &mut AsyncPgConnection,
    idle_since: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::last_seen_at.le(idle_since)))
        .execute(conn)
        .await
}

/// A user's live sessions, most recently used first (a person has a handful).
pub async fn list_for_user(
    conn: &mut AsyncPgConnection,
    user: UserId,
    idle_since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<(i64, String, DateTime<Utc>, DateTime<Utc>)>> {
    web_sessions::table
        .filter(web_sessions::user_id.eq(user))
        .filter(web_sessions::last_seen_at.gt(idle_since))
        .select((
            web_sessions::id,
            web_sessions::user_agent,
            web_sessions::created_at,
            web_sessions::last_seen_at,
        ))
        .order(web_sessions::last_seen_at.desc())
        .limit(limit)
        .load(conn)
        .await
}

/// Ends one of a user's sessions; whether it was theirs to end.
pub async fn delete_for_user(
    conn: &mut AsyncPgConnection,
    id: i64,
    user: UserId,
) -> QueryResult<bool> {
    let n = diesel::delete(
        web_sessions::table
            .filter(web_sessions::id.eq(id))
            .filter(web_sessions::user_id.eq(user)),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Ends every session of `user` but `keep` (after a password change).
pub async fn delete_others(
    conn: &mut AsyncPgConnection,
    user: UserId,
    keep: i64,
) -> QueryResult<usize> {
    diesel::delete(
        web_sessions::table
            .filter(web_sessions::user_id.eq(user))
            .filter(web_sessions::id.ne(keep)),
    )
    .execute(conn)
    .await
}

/// Ends every session of `user`.
pub async fn delete_all_for_user(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::user_id.eq(user)))
        .execute(conn)
        .await
}
