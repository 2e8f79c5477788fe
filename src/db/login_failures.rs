//! The `login_failures` table: failed sign-ins counted per key (a name or an
//! address) within a window that starts with the key's first failure.

use diesel::sql_types::{Array, BigInt, Double, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(diesel::QueryableByName)]
struct Wait {
    #[diesel(sql_type = Double)]
    seconds: f64,
}

/// Counts one failure for each key, starting a new window for keys whose window ended.
pub async fn record(
    conn: &mut AsyncPgConnection,
    keys: &[String],
    window_secs: i64,
) -> diesel::QueryResult<()> {
    diesel::sql_query(
        "INSERT INTO login_failures AS f (key, window_started_at, failures)
         SELECT k, now(), 1 FROM unnest($1::text[]) AS k
         ON CONFLICT (key) DO UPDATE SET
           window_started_at = CASE WHEN f.window_started_at <= now() - make_interval(secs => $2::float8) THEN now() ELSE f.window_started_at END,
           failures = CASE WHEN f.window_started_at <= now() - make_interval(secs => $2::float8) THEN 1 ELSE f.failures + 1 END",
    )
    .bind::<Array<Text>, _>(keys)
    .bind::<BigInt, _>(window_secs)
    .execute(conn)
    .await?;
    // Ended windows are kept only until the next failure anywhere: the table stays small.
    diesel::sql_query("DELETE FROM login_failures WHERE window_started_at <= now() - make_interval(secs => $1::float8)")
        .bind::<BigInt, _>(window_secs)
        .execute(conn)
        .await
        .map(drop)
}

/// Seconds until the latest of the refused keys may try again: a key is refused
/// when it has at least its limit of failures in a window that has not ended.
pub async fn refused_for(
    conn: &mut AsyncPgConnection,
    limits: &[(String, i32)],
    window_secs: i64,
) -> diesel::QueryResult<Option<f64>> {
    let (keys, maxima): (Vec<String>, Vec<i32>) = limits.iter().cloned().unzip();
    let rows: Vec<Wait> = diesel::sql_query(
        "SELECT extract(epoch FROM f.window_started_at + make_interval(secs => $3::float8) - now())::float8 AS seconds
         FROM login_failures f JOIN unnest($1::text[], $2::int[]) AS l(key, max) ON l.key = f.key
         WHERE f.failures >= l.max AND f.window_started_at > now() - make_interval(secs => $3::float8)",
    )
    .bind::<Array<Text>, _>(keys)
    .bind::<Array<diesel::sql_types::Integer>, _>(maxima)
    .bind::<BigInt, _>(window_secs)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|w| w.seconds).reduce(f64::max))
}

pub async fn clear(conn: &mut AsyncPgConnection, key: &str) -> diesel::QueryResult<()> {
    diesel::sql_query("DELETE FROM login_failures WHERE key = $1")
        .bind::<Text, _>(key)
        .execute(conn)
        .await
        .map(drop)
}
