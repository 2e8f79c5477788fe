//! The PostgreSQL side of cluster messages (src/cluster.rs): our channel and the
//! notification triggers', LISTENed on one dedicated connection; NOTIFY from any.

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The one channel every `serve` process of an instance listens on. The database
/// is the instance's own, so the name needs no instance part.
pub const CHANNEL: &str = "staffroom_changes";

/// The channel the `notify()` trigger function announces each notification it
/// writes on (`<account_id>:<notification_id>`, at commit).
pub const NOTIFICATIONS_CHANNEL: &str = "staffroom_notifications";

/// Both channels on one connection: one listening connection per process.
pub async fn listen(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    use diesel_async::SimpleAsyncConnection;
    conn.batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {NOTIFICATIONS_CHANNEL}"))
        .await
}

/// Sends `payload` to every listener; inside a transaction, at its commit, and
/// not at all if it rolls back.
pub async fn notify(conn: &mut AsyncPgConnection, payload: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<Text, _>(CHANNEL)
        .bind::<Text, _>(payload)
        .execute(conn)
        .await
        .map(drop)
}

/// Sends each of `payloads`, in order, in one round trip (prepared once per
/// connection: the inbox sends one for each burst of stored posts).
pub async fn notify_all(
    conn: &mut AsyncPgConnection,
    payloads: &[String],
) -> diesel::QueryResult<()> {
    use diesel::sql_types::Array;
    super::prepared::Cached(
        diesel::sql_query("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS t(p)")
            .bind::<Text, _>(CHANNEL)
            .bind::<Array<Text>, _>(payloads),
    )
    .execute(conn)
    .await
    .map(drop)
}

/// A round trip, to find out whether an idle connection is still alive.
pub async fn ping(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).await.map(drop)
}
