//! Storage: the connection pool, embedded migrations, and one module per table.
//! Diesel is used here and nowhere else.

pub mod account_lists;
pub mod account_warnings;
pub mod accounts;
pub mod aliases;
pub mod apps;
pub mod audit_log;
pub mod bookmarks;
pub mod cards;
pub mod changes;
pub mod chats;
pub mod conversations;
pub mod deliveries;
pub mod domain_allows;
pub mod domain_blocks;
pub mod emojis;
pub mod filters;
pub mod follows;
pub mod groups;
pub mod idempotency;
pub mod ids;
pub mod import_jobs;
pub mod invites;
pub mod lists;
pub mod login_failures;
pub mod mail;
pub mod managed;
pub mod media;
pub mod notifications;
pub mod pagination;
pub mod pins;
pub mod polls;
pub mod prepared;
pub mod received;
pub mod relays;
pub mod reports;
pub mod schema;
pub mod search;
pub mod site;
pub mod statistics;
pub mod status_batch;
pub mod statuses;
pub mod tag_actors;
pub mod tags;
pub mod timelines;
pub mod tokens;
pub mod users;
pub mod visibility;
pub mod web_sessions;

use anyhow::Context;
use diesel_async::{
    pooled_connection::{deadpool::Pool, AsyncDieselConnectionManager},
    AsyncConnection, AsyncMigrationHarness, AsyncPgConnection,
};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use ids::*;

pub type DbPool = Pool<AsyncPgConnection>;
pub type DbConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub fn build_pool(database_url: &str, size: usize) -> anyhow::Result<DbPool> {
    // The default ("verified") recycling runs `SELECT 1` on every checkout, doubling
    // the round trips of a request; a broken connection shows up on its first use anyway.
    let mut config = diesel_async::pooled_connection::ManagerConfig::default();
    config.recycling_method = diesel_async::pooled_connection::RecyclingMethod::Fast;
    config.custom_setup = Box::new(connect);
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(std::time::Duration::from_secs(10)))
        .create_timeout(Some(std::time::Duration::from_secs(10)))
        .runtime(deadpool::Runtime::Tokio1)
        .build()
        .context("cannot build the database pool")
}

/// A pooled connection, with PostgreSQL's JIT compilation and parallel workers off.
/// JIT starts for any statement whose estimated cost passes `jit_above_cost`, which on
/// a large instance includes a search or a timeline, and then spends 100-150 ms
/// compiling for a statement that runs in 15; parallel workers cost more to start
/// than they save on statements this short (a search: 23 ms with two workers, 12.5
/// without; both measured on the 1,000,000-status search benchmark), and a small
/// instance has no idle core to give them anyway.
fn connect(
    url: &str,
) -> std::pin::Pin<
    Box<dyn std::future::Future<Output = diesel::ConnectionResult<AsyncPgConnection>> + Send + '_>,
> {
    Box::pin(async move {
        let mut conn = AsyncPgConnection::establish(url).await?;
        diesel_async::SimpleAsyncConnection::batch_execute(
            &mut conn,
            "SET jit = off; SET max_parallel_workers_per_gather = 0",
        )
        .await
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
        Ok(conn)
    })
}

/// Connects once, so a wrong URL or a stopped server is reported before anything else runs.
pub async fn check_connection(database_url: &str) -> anyhow::Result<()> {
    let connect = AsyncPgConnection::establish(database_url);
    match tokio::time::timeout(std::time::Duration::from_secs(10), connect).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(anyhow::anyhow!(
            "cannot connect to PostgreSQL ({e}): check DATABASE_URL and that the server is running, or unset DATABASE_URL to let Staffroom run its own database"
        )),
        Err(_) => Err(anyhow::anyhow!(
            "PostgreSQL did not answer within 10 s: check DATABASE_URL and that the server is reachable"
        )),
    }
}

/// Applies every pending migration and returns how many ran.
pub async fn run_migrations(database_url: &str) -> anyhow::Result<usize> {
    let conn = AsyncPgConnection::establish(database_url)
        .await
        .context("cannot connect to PostgreSQL to migrate")?;
    // The harness blocks in place, which needs the multi-threaded runtime we always use.
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied = harness
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    for version in &applied {
        tracing::info!(%version, "migration applied");
    }
    Ok(applied.len())
}

pub async fn ping(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    use diesel_async::RunQueryDsl;
    diesel::sql_query("SELECT 1")
        .execute(conn)
        .await
        .map(|_| ())
}
