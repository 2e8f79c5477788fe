//! What both benchmarks need: a database of their own on the server that
//! `STAFFROOM_TEST_DATABASE_URL` names (scripts/bench sets it), dropped afterwards.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// Runs `bench` with the URL of a fresh database, and drops the database after it,
/// even when the benchmark panics.
pub async fn with_database<F, Fut>(bench: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let admin = std::env::var("STAFFROOM_TEST_DATABASE_URL").expect("set STAFFROOM_TEST_DATABASE_URL (scripts/bench does)");
    let name = format!("staffroom_bench_{}", staffroom::db::new_id());
    let mut admin_conn = AsyncPgConnection::establish(&admin).await.expect("database reachable");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin_conn).await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    let outcome = tokio::spawn(bench(url.to_string())).await;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin_conn).await.unwrap();
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
