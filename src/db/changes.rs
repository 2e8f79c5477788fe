//! The PostgreSQL side of cluster messages (src/cluster.rs): one channel, LISTEN
//! on a dedicated connection, NOTIFY from any connection.

use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// The one channel every `serve` process of an instance listens on. The database
/// is the instance's own, so the name needs no instance part.
pub const CHANNEL: &str = "staffroom_changes";

/// The channel the `notify()` trigger function announces each notification it
/// writes on (`<account_id>:<notification_id>`, at commit).
pub const NOTIFICATIONS_CHANNEL: &str = "staffroom_notifications";

pub async fn listen(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query(format!("LISTEN {CHANNEL}")).execute(conn).await.map(drop)
}

pub async fn listen_for_notifications(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query(format!("LISTEN {NOTIFICATIONS_CHANNEL}")).execute(conn).await.map(drop)
}

/// Sends `payload` to every listener; inside a transaction, at its commit, and
/// not at all if it rolls back.
pub async fn notify(conn: &mut AsyncPgConnection, payload: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT pg_notify($1, $2)").bind::<Text, _>(CHANNEL).bind::<Text, _>(payload).execute(conn).await.map(drop)
}

/// A round trip, to find out whether an idle connection is still alive.
pub async fn ping(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    diesel::sql_query("SELECT 1").execute(conn).await.map(drop)
}
