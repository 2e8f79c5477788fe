//! The `idempotency_keys` table: `Idempotency-Key` headers of posts, kept for an hour.

use super::{schema::idempotency_keys, AccountId, StatusId};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// How long a key answers with the post it first made (Mastodon's hour).
pub const KEY_LIFETIME: chrono::TimeDelta = chrono::TimeDelta::hours(1);

/// The post made with `key` within the last hour, if any.
pub async fn find(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    key: &str,
) -> QueryResult<Option<StatusId>> {
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
pub async fn claim(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    key: &str,
    status: StatusId,
) -> QueryResult<bool> {
    use diesel::sql_types::{BigInt, Text};
    let n = diesel::sql_query(
        "INSERT INTO idempotency_keys (account_id, key, status_id) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, key) DO UPDATE SET status_id = excluded.status_id, created_at = now()
         WHERE idempotency_keys.created_at <= now() - interval '1 hour'",
    )
    .bind::<BigInt, _>(account.0)
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(status.0)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Forgets keys older than an hour.
pub async fn expire(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::created_at.le(chrono::Utc::now() - KEY_LIFETIME)),
    )
    .execute(conn)
    .await
}
