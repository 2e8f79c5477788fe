//! The `idempotency_keys` table: `Idempotency-Key` headers of posts, kept for an hour.

use super::{schema::idempotency_keys, AccountId, StatusId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// How long a key answers with the post it first made (Mastodon's hour).
pub const KEY_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// The post made with `key` within the last hour, if any.
pub async fn find(conn: &mut AsyncPgConnection, account: AccountId, key: &str) -> QueryResult<Option<StatusId>> {
    idempotency_keys::table
        .filter(idempotency_keys::account_id.eq(account))
        .filter(idempotency_keys::key.eq(key))
        .filter(idempotency_keys::created_at.gt(chrono::Utc::now() - KEY_LIFETIME))
        .select(idempotency_keys::status_id)
        .first::<i64>(conn)
        .await
        .optional()
        .map(|id| id.map(StatusId))
}

/// Claims `key` for `status`; false if a live claim already holds it (an expired one
/// is taken over). Run in the post's transaction, so two requests racing with the
/// same key make one post: the second waits on the first's row lock, then sees it.
pub async fn claim(conn: &mut AsyncPgConnection, account: AccountId, key: &str, status: StatusId) -> QueryResult<bool> {
    let n = diesel::insert_into(idempotency_keys::table)
        .values((idempotency_keys::account_id.eq(account), idempotency_keys::key.eq(key), idempotency_keys::status_id.eq(status)))
        .on_conflict((idempotency_keys::account_id, idempotency_keys::key))
        .do_update()
        .set((idempotency_keys::status_id.eq(status), idempotency_keys::created_at.eq(chrono::Utc::now())))
        .filter(idempotency_keys::created_at.le(chrono::Utc::now() - KEY_LIFETIME))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Forgets keys older than an hour.
pub async fn expire(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.le(chrono::Utc::now() - KEY_LIFETIME))).execute(conn).await
}
