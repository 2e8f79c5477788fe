//! Timeline benchmark: 1,000,000 statuses from 10,000 accounts, a reader following
//! 1,000 of them; `GET /api/v1/timelines/home` and `/api/v1/timelines/public` over
//! real HTTP against a warm `staffroom serve` (release build). Prints p50/p99 latency
//! of first pages and of pages deep in the past, and the EXPLAIN (ANALYZE) of the
//! queries behind them.
//!
//! Run: `scripts/bench timeline`.

mod support;

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use staffroom::{db, services::accounts::{create_local_user, NewUser}};
use std::{
    time::{Duration, Instant},
};

const ACCOUNTS: i64 = 10_000;
const FOLLOWED: i64 = 1_000;
const STATUSES: i64 = 1_000_000;
const CHUNK: i64 = 100_000;
const REQUESTS: usize = 2_000;
/// Remote account ids: small numbers, apart from the time-sortable ids of the rest.
const FIRST_ACCOUNT: i64 = 1_000_000;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(support::with_database(bench));
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql).execute(conn).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// Seeds with `generate_series`: accounts, follows, then statuses in chunks (one id
/// every 10 ms of the past, so ids sort by time as ours do), with their hashtags,
/// mentions of the reader, boosts, replies and favourites.
async fn seed(conn: &mut AsyncPgConnection, alice: i64) {
    let started = Instant::now();
    exec(conn, &format!(
        "INSERT INTO accounts (id, username, domain, uri, inbox_url, public_key_pem, display_name)
         SELECT {FIRST_ACCOUNT} + n, 'teacher' || n, 'remote' || (n % 50) || '.example', 'https://remote' || (n % 50) || '.example/users/teacher' || n,
                'https://remote' || (n % 50) || '.example/users/teacher' || n || '/inbox', 'key', 'Teacher ' || n
         FROM generate_series(0, {ACCOUNTS} - 1) AS n"
    ))
    .await;
    exec(conn, &format!(
        "INSERT INTO follows (id, account_id, target_account_id, accepted)
         SELECT {FIRST_ACCOUNT} + n, {alice}, {FIRST_ACCOUNT} + n * ({ACCOUNTS} / {FOLLOWED}), true FROM generate_series(0, {FOLLOWED} - 1) AS n"
    ))
    .await;
    println!("  {ACCOUNTS} accounts, {FOLLOWED} followed by the reader ({:.1} s)", started.elapsed().as_secs_f64());
    // Triggers (notifications) would run a million times; the seed makes the rows they would.
    exec(conn, "ALTER TABLE statuses DISABLE TRIGGER USER").await;
    exec(conn, "ALTER TABLE mentions DISABLE TRIGGER USER").await;
    exec(conn, "ALTER TABLE favourites DISABLE TRIGGER USER").await;
    let start_ms = chrono::Utc::now().timestamp_millis() - STATUSES * 10 - 60_000;
    let id = |n: &str| format!("(({start_ms}::bigint + ({n}) * 10) << 16)");
    for chunk in 0..STATUSES / CHUNK {
        let (from, to) = (chunk * CHUNK, (chunk + 1) * CHUNK - 1);
        exec(conn, &format!(
            "INSERT INTO statuses (id, account_id, uri, content, visibility, local, created_at, reblog_of_id, in_reply_to_id, in_reply_to_account_id)
             SELECT {sid}, {FIRST_ACCOUNT} + n % {ACCOUNTS}, 'https://remote.example/statuses/' || n,
                    '<p>Lesson idea number ' || n || ' <a href=\"https://remote.example/tags/edchat\" class=\"mention hashtag\">#edchat</a></p>',
                    CASE WHEN n % 10 = 7 THEN 1 WHEN n % 10 = 8 THEN 2 WHEN n % 100 = 9 THEN 3 ELSE 0 END, false,
                    to_timestamp(({start_ms} + n * 10) / 1000.0),
                    CASE WHEN n % 25 = 0 AND n >= 1000 THEN {boosted} END,
                    CASE WHEN n % 20 = 3 AND n >= 1000 THEN {parent} END,
                    CASE WHEN n % 20 = 3 AND n >= 1000 THEN {FIRST_ACCOUNT} + (n - 997) % {ACCOUNTS} END
             FROM generate_series({from}, {to}) AS n",
            sid = id("n"),
            boosted = id("n - 999"),
            parent = id("n - 997"),
        ))
        .await;
        exec(conn, &format!("INSERT INTO status_tags (status_id, name) SELECT {}, 'edchat' FROM generate_series({from}, {to}) AS n WHERE n % 10 = 1", id("n"))).await;
        exec(conn, &format!("INSERT INTO mentions (status_id, account_id) SELECT {}, {alice} FROM generate_series({from}, {to}) AS n WHERE n % 1000 = 5", id("n"))).await;
        exec(conn, &format!(
            "INSERT INTO favourites (id, account_id, status_id)
             SELECT {} + 1, {FIRST_ACCOUNT} + (n * 7) % {ACCOUNTS}, {} FROM generate_series({from}, {to}) AS n WHERE n % 4 = 2",
            id("n"),
            id("n")
        ))
        .await;
        println!("  statuses: {:>9} of {STATUSES} ({:.1} s)", to + 1, started.elapsed().as_secs_f64());
    }
    exec(conn, "ALTER TABLE statuses ENABLE TRIGGER USER").await;
    exec(conn, "ALTER TABLE mentions ENABLE TRIGGER USER").await;
    exec(conn, "ALTER TABLE favourites ENABLE TRIGGER USER").await;
    exec(conn, "VACUUM ANALYZE").await;
    println!("  seeded and analysed in {:.1} s", started.elapsed().as_secs_f64());
}

async fn measure(client: &reqwest::Client, url: &str, token: &str) -> (f64, f64, usize) {
    // Warm: the server's pool, PostgreSQL's caches, the HTTP connection.
    for _ in 0..200 {
        client.get(url).bearer_auth(token).send().await.unwrap().bytes().await.unwrap();
    }
    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut items = 0;
    for _ in 0..REQUESTS {
        let started = Instant::now();
        let res = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let body: serde_json::Value = res.json().await.unwrap();
        latencies.push(started.elapsed());
        items = body.as_array().map(|a| a.len()).unwrap_or(0);
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)].as_secs_f64() * 1e3;
    (pct(0.5), pct(0.99), items)
}

async fn explain(conn: &mut AsyncPgConnection, title: &str, sql: &str) {
    println!("\n-- {title}\nEXPLAIN (ANALYZE, BUFFERS) {sql}");
    let lines: Vec<Line> = diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}")).load(conn).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
    for l in lines {
        println!("   {}", l.line);
    }
}

async fn bench(db_url: String) {
    db::run_migrations(&db_url).await.unwrap();
    let pool = db::build_pool(&db_url, 2).unwrap();
    let alice = create_local_user(&pool, NewUser { username: "alice".into(), display_name: None, password: None, admin: false }).await.unwrap().account.id.0;
    // Token creation holds a thread-local RNG across an await, so it runs on a runtime of its own.
    let url = db_url.clone();
    let token = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async { staffroom::services::tokens::create(&db::build_pool(&url, 1).unwrap(), "alice", "bench", "read").await.unwrap() })
    })
    .join()
    .unwrap();
    let mut conn = AsyncPgConnection::establish(&db_url).await.unwrap();
    println!("Seeding {STATUSES} statuses from {ACCOUNTS} accounts ...");
    seed(&mut conn, alice).await;

    let server = support::Server::start(&db_url, &[]).await;
    let domain = server.domain.clone();
    let client = reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(2)).build().unwrap();

    // A page deep in the past: max_id half-way through the statuses.
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let middle: Id = diesel::sql_query(format!("SELECT id FROM statuses ORDER BY id OFFSET {} LIMIT 1", STATUSES / 2)).get_result(&mut conn).await.unwrap();
    let base = format!("http://{domain}/api/v1/timelines");
    println!("\nGET over HTTP, {REQUESTS} sequential requests each after 200 to warm up (20 statuses a page):");
    for (name, url) in [
        ("home", format!("{base}/home")),
        ("home, max_id half-way", format!("{base}/home?max_id={}", middle.id)),
        ("home, limit=40", format!("{base}/home?limit=40")),
        ("public", format!("{base}/public")),
        ("public, max_id half-way", format!("{base}/public?max_id={}", middle.id)),
        ("tag/edchat", format!("{base}/tag/edchat")),
    ] {
        let (p50, p99, items) = measure(&client, &url, &token).await;
        println!("  {name:<26} p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   ({items} statuses)");
    }
    server.stop();

    // The statements below are those db/timelines.rs and db/status_batch.rs build.
    let home = format!(
        "SELECT statuses.* FROM statuses WHERE statuses.deleted_at IS NULL
           AND (statuses.account_id = {alice}
                OR (statuses.account_id = ANY(SELECT follows.target_account_id FROM follows WHERE follows.account_id = {alice} AND follows.accepted = true)
                    AND statuses.visibility < 3)
                OR statuses.id = ANY(SELECT mentions.status_id FROM mentions WHERE mentions.account_id = {alice}))
         ORDER BY statuses.id DESC LIMIT 20"
    );
    explain(&mut conn, "home, first page", &home).await;
    explain(&mut conn, "home, max_id half-way", &home.replace("WHERE statuses.deleted_at IS NULL", &format!("WHERE statuses.deleted_at IS NULL AND statuses.id < {}", middle.id))).await;
    let public = format!(
        "SELECT statuses.* FROM statuses WHERE statuses.visibility = 0 AND statuses.reblog_of_id IS NULL AND statuses.deleted_at IS NULL
           AND statuses.account_id <> ALL(SELECT blocks.target_account_id FROM blocks WHERE blocks.account_id = {alice})
           AND ((statuses.in_reply_to_id IS NULL AND statuses.in_reply_to_uri IS NULL) OR statuses.in_reply_to_account_id = statuses.account_id)
         ORDER BY statuses.id DESC LIMIT 20"
    );
    explain(&mut conn, "public, first page", &public).await;
    let page: Vec<Id> = diesel::sql_query(&public.replace("statuses.*", "statuses.id")).load(&mut conn).await.unwrap();
    let ids = page.iter().map(|i| i.id.to_string()).collect::<Vec<_>>().join(",");
    explain(
        &mut conn,
        "counts and the reader's flags for a page (status_batch::counts)",
        &format!(
            "SELECT s.id,
                (SELECT count(*) FROM statuses r WHERE r.in_reply_to_id = s.id AND r.deleted_at IS NULL) AS replies,
                (SELECT count(*) FROM favourites f WHERE f.status_id = s.id) AS favourites,
                (SELECT count(*) FROM statuses b WHERE b.reblog_of_id = s.id AND b.deleted_at IS NULL) AS reblogs,
                EXISTS (SELECT 1 FROM favourites f WHERE f.status_id = s.id AND f.account_id = {alice}) AS favourited,
                EXISTS (SELECT 1 FROM statuses b WHERE b.reblog_of_id = s.id AND b.account_id = {alice} AND b.deleted_at IS NULL) AS reblogged,
                EXISTS (SELECT 1 FROM bookmarks k WHERE k.status_id = s.id AND k.account_id = {alice}) AS bookmarked
             FROM unnest('{{{ids}}}'::bigint[]) AS s(id)"
        ),
    )
    .await;
    explain(
        &mut conn,
        "tag/edchat, first page",
        "SELECT statuses.* FROM statuses WHERE statuses.visibility = 0 AND statuses.reblog_of_id IS NULL AND statuses.deleted_at IS NULL
           AND statuses.id = ANY(SELECT status_tags.status_id FROM status_tags WHERE status_tags.name = ANY('{edchat}'))
         ORDER BY statuses.id DESC LIMIT 20",
    )
    .await;
}
