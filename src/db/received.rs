//! `received_activities`: activity ids already processed.

use super::schema::received_activities;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Records `uri` as processed; false if it already was (then do nothing).
pub async fn claim(conn: &mut AsyncPgConnection, uri: &str) -> QueryResult<bool> {
    let inserted = diesel::insert_into(received_activities::table)
        .values(received_activities::uri.eq(uri))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// Forgets ids older than `days`; senders do not retry for that long.
pub async fn prune(conn: &mut AsyncPgConnection, days: i32) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM received_activities WHERE received_at < now() - make_interval(days => $1)",
    )
    .bind::<diesel::sql_types::Integer, _>(days)
    .execute(conn)
    .await
}
