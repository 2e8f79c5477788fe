//! Timeline benchmark: 1,000,000 statuses from 10,000 accounts, 1,000 of which post
//! rarely (one status in 500) and 9,000 a lot. Two readers: alice follows 1,000 of
//! the busy accounts (a page of home is found among the newest statuses), bob follows
//! the 1,000 quiet ones (the hard reader: 2,000 statuses of his in a million).
//! `GET /api/v1/timelines/home` (for both), `/public` and `/tag/edchat` over real
//! HTTP against a warm `staffroom serve` (release build). Prints p50/p99 latency of
//! first pages and of pages deep in the past, and EXPLAIN (ANALYZE, BUFFERS) of the
//! home statement the server runs, rendered from `db::timelines::home_query`.
//!
//! Run: `scripts/bench timeline` (`STAFFROOM_BENCH_SCALE=0.1` for a short check).

mod support;

use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use staffroom::{
    db::{self, pagination::Page, AccountId},
    services::accounts::{create_local_user, NewUser},
};
use std::time::{Duration, Instant};

const ACCOUNTS: i64 = 10_000;
/// Accounts 0..QUIET post rarely (one status in every `QUIET_EVERY`); the other
/// 9,000 post the rest.
const QUIET: i64 = 1_000;
const QUIET_EVERY: i64 = 500;
const FOLLOWED: i64 = 1_000;
const CHUNK: i64 = 100_000;
/// Remote account ids: small numbers, apart from the time-sortable ids of the rest.
const FIRST_ACCOUNT: i64 = 1_000_000;

fn statuses() -> i64 {
    ((1_000_000.0 * support::scale()) as i64 / CHUNK).max(1) * CHUNK
}

fn requests() -> usize {
    ((2_000.0 * support::scale()) as usize).max(100)
}

/// The account (an SQL expression) that wrote status number `n`.
fn author(n: &str) -> String {
    format!(
        "({FIRST_ACCOUNT} + CASE WHEN ({n}) % {QUIET_EVERY} = {QUIET_EVERY} - 1 THEN (({n}) / {QUIET_EVERY}) % {QUIET} ELSE {QUIET} + ({n}) % ({ACCOUNTS} - {QUIET}) END)"
    )
}

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

/// Notification triggers would run a million times; the seed does without them.
/// The home feed's triggers stay on: they fill `home_feed` as they would.
const NOTIFY_TRIGGERS: [(&str, &str); 4] = [
    ("statuses", "statuses_notify_status"),
    ("statuses", "statuses_notify_reblog"),
    ("mentions", "mentions_notify"),
    ("favourites", "favourites_notify"),
];

/// Seeds with `generate_series`: accounts, follows, then statuses in chunks (one id
/// every 10 ms of the past, so ids sort by time as ours do), with their hashtags,
/// mentions of alice, boosts, replies and favourites.
async fn seed(conn: &mut AsyncPgConnection, alice: i64, bob: i64) {
    let statuses = statuses();
    let started = Instant::now();
    exec(conn, &format!(
        "INSERT INTO accounts (id, username, domain, uri, inbox_url, public_key_pem, display_name)
         SELECT {FIRST_ACCOUNT} + n, 'teacher' || n, 'remote' || (n % 50) || '.example', 'https://remote' || (n % 50) || '.example/users/teacher' || n,
                'https://remote' || (n % 50) || '.example/users/teacher' || n || '/inbox', 'key', 'Teacher ' || n
         FROM generate_series(0, {ACCOUNTS} - 1) AS n"
    ))
    .await;
    // alice: 1,000 of the busy accounts, spread over them; bob: the quiet ones.
    exec(conn, &format!(
        "INSERT INTO follows (id, account_id, target_account_id, accepted)
         SELECT {FIRST_ACCOUNT} + n, {alice}, {FIRST_ACCOUNT} + {QUIET} + n * (({ACCOUNTS} - {QUIET}) / {FOLLOWED}), true FROM generate_series(0, {FOLLOWED} - 1) AS n
         UNION ALL
         SELECT 2 * {FIRST_ACCOUNT} + n, {bob}, {FIRST_ACCOUNT} + n, true FROM generate_series(0, {QUIET} - 1) AS n"
    ))
    .await;
    println!("  {ACCOUNTS} accounts; alice follows {FOLLOWED} busy ones, bob the {QUIET} quiet ones ({:.1} s)", started.elapsed().as_secs_f64());
    for (table, trigger) in NOTIFY_TRIGGERS {
        exec(conn, &format!("ALTER TABLE {table} DISABLE TRIGGER {trigger}")).await;
    }
    let start_ms = chrono::Utc::now().timestamp_millis() - statuses * 10 - 60_000;
    let id = |n: &str| format!("(({start_ms}::bigint + ({n}) * 10) << 16)");
    for chunk in 0..statuses / CHUNK {
        let (from, to) = (chunk * CHUNK, (chunk + 1) * CHUNK - 1);
        exec(conn, &format!(
            "INSERT INTO statuses (id, account_id, uri, content, visibility, local, created_at, reblog_of_id, in_reply_to_id, in_reply_to_account_id)
             SELECT {sid}, {author}, 'https://remote.example/statuses/' || n,
                    '<p>Lesson idea number ' || n || ' <a href=\"https://remote.example/tags/edchat\" class=\"mention hashtag\">#edchat</a></p>',
                    CASE WHEN n % 10 = 7 THEN 1 WHEN n % 10 = 8 THEN 2 WHEN n % 100 = 9 THEN 3 ELSE 0 END, false,
                    to_timestamp(({start_ms} + n * 10) / 1000.0),
                    CASE WHEN n % 25 = 0 AND n >= 1000 THEN {boosted} END,
                    CASE WHEN n % 20 = 3 AND n >= 1000 THEN {parent} END,
                    CASE WHEN n % 20 = 3 AND n >= 1000 THEN {parent_author} END
             FROM generate_series({from}, {to}) AS n",
            sid = id("n"),
            author = author("n"),
            boosted = id("n - 999"),
            parent = id("n - 997"),
            parent_author = author("n - 997"),
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
        println!("  statuses: {:>9} of {statuses} ({:.1} s)", to + 1, started.elapsed().as_secs_f64());
    }
    for (table, trigger) in NOTIFY_TRIGGERS {
        exec(conn, &format!("ALTER TABLE {table} ENABLE TRIGGER {trigger}")).await;
    }
    println!("  VACUUM ANALYZE ...");
    exec(conn, "VACUUM ANALYZE").await;
    println!("  seeded and analysed in {:.1} s", started.elapsed().as_secs_f64());
}

async fn measure(client: &reqwest::Client, url: &str, token: &str) -> (f64, f64, usize) {
    // Warm: the server's pool, PostgreSQL's caches, the HTTP connection.
    for _ in 0..200 {
        client.get(url).bearer_auth(token).send().await.unwrap().bytes().await.unwrap();
    }
    let mut latencies = Vec::with_capacity(requests());
    let mut items = 0;
    for _ in 0..requests() {
        let started = Instant::now();
        let res = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let body: serde_json::Value = res.json().await.unwrap();
        latencies.push(started.elapsed());
        items = body.as_array().map(|a| a.len()).unwrap_or(0);
    }
    latencies.sort();
    let pct = |p: f64| support::percentile(&latencies, p).as_secs_f64() * 1e3;
    (pct(0.5), pct(0.99), items)
}

async fn explain(conn: &mut AsyncPgConnection, title: &str, sql: &str) {
    println!("\n-- {title}\nEXPLAIN (ANALYZE, BUFFERS) {sql}");
    let lines: Vec<Line> = diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}")).load(conn).await.unwrap_or_else(|e| panic!("{e}: {sql}"));
    for l in lines {
        println!("   {}", l.line);
    }
}

/// The plan of the home statement exactly as the server sends it: rendered from
/// `db::timelines::home_query` with `diesel::debug_query`, prepared with its `$n`
/// parameters and executed with its binds, six times first, as a pooled connection
/// would have (PostgreSQL may switch to a generic plan after five).
async fn explain_home(conn: &mut AsyncPgConnection, title: &str, viewer: i64, page: Page) {
    let query = db::timelines::home_query(AccountId(viewer), page);
    let rendered = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
    let (sql, binds) = rendered.rsplit_once(" -- binds: ").expect("debug_query shows its binds");
    // Every bind of the home query is a number (an id, a limit), some in a newtype.
    let binds: Vec<String> = binds
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(", ")
        .map(|b| b.chars().filter(|c| c.is_ascii_digit() || *c == '-').collect())
        .collect();
    exec(conn, "DEALLOCATE ALL").await;
    exec(conn, &format!("PREPARE home_page AS {sql}")).await;
    let execute = format!("EXECUTE home_page({})", binds.join(", "));
    for _ in 0..6 {
        exec(conn, &execute).await;
    }
    println!("\n-- {title}: the server's statement (db::timelines::home_query)\n{sql}\n-- binds: {}", binds.join(", "));
    explain(conn, title, &execute).await;
}

async fn bench(db_url: String) {
    db::run_migrations(&db_url).await.unwrap();
    let pool = db::build_pool(&db_url, 2).unwrap();
    let mut readers = Vec::new();
    for name in ["alice", "bob"] {
        let account = create_local_user(&pool, NewUser { username: name.into(), display_name: None, password: None, admin: false }).await.unwrap().account;
        readers.push((name, account.id.0, support::token(&db_url, name, "read")));
    }
    let (alice, bob) = (readers[0].1, readers[1].1);
    let mut conn = AsyncPgConnection::establish(&db_url).await.unwrap();
    println!("Seeding {} statuses from {ACCOUNTS} accounts ...", statuses());
    seed(&mut conn, alice, bob).await;

    let server = support::Server::start(&db_url, &[]).await;
    let domain = server.domain.clone();
    let client = reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(2)).build().unwrap();

    // A page deep in the past: max_id half-way through the statuses.
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let middle: Id = diesel::sql_query(format!("SELECT id FROM statuses ORDER BY id OFFSET {} LIMIT 1", statuses() / 2)).get_result(&mut conn).await.unwrap();
    let base = format!("http://{domain}/api/v1/timelines");
    println!("\nGET over HTTP, {} sequential requests each after 200 to warm up (20 statuses a page); load average {}:", requests(), support::load());
    let mut urls: Vec<(String, String, &str)> = Vec::new();
    for (name, _, token) in &readers {
        urls.push((format!("home ({name})"), format!("{base}/home"), token));
        urls.push((format!("home ({name}), max_id half-way"), format!("{base}/home?max_id={}", middle.id), token));
        urls.push((format!("home ({name}), limit=40"), format!("{base}/home?limit=40"), token));
    }
    let alice_token = readers[0].2.as_str();
    urls.push(("public".into(), format!("{base}/public"), alice_token));
    urls.push(("public, max_id half-way".into(), format!("{base}/public?max_id={}", middle.id), alice_token));
    urls.push(("tag/edchat".into(), format!("{base}/tag/edchat"), alice_token));
    for (name, url, token) in &urls {
        let (p50, p99, items) = measure(&client, url, token).await;
        println!("  {name:<34} p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   ({items} statuses)");
    }
    println!("  (load average now {})", support::load());
    server.stop();

    for (name, viewer, _) in &readers {
        explain_home(&mut conn, &format!("home ({name}), first page"), *viewer, Page::newest(20)).await;
        explain_home(&mut conn, &format!("home ({name}), max_id half-way"), *viewer, Page { max_id: Some(middle.id), ..Page::newest(20) }).await;
    }
    // For comparison: the live query home ran before `home_feed`, for the hard reader.
    explain(
        &mut conn,
        "for comparison, the former live home query (before home_feed), bob, first page",
        &format!(
            "SELECT statuses.* FROM statuses WHERE statuses.deleted_at IS NULL
               AND (statuses.account_id = {bob}
                    OR (statuses.account_id = ANY(SELECT follows.target_account_id FROM follows WHERE follows.account_id = {bob} AND follows.accepted = true)
                        AND statuses.visibility < 3)
                    OR statuses.id = ANY(SELECT mentions.status_id FROM mentions WHERE mentions.account_id = {bob}))
             ORDER BY statuses.id DESC LIMIT 20"
        ),
    )
    .await;
    // The statements below are copies written here of those db/timelines.rs and
    // db/status_batch.rs build (only home is rendered from the server's own builder).
    let public = format!(
        "SELECT statuses.* FROM statuses WHERE statuses.visibility = 0 AND statuses.reblog_of_id IS NULL AND statuses.deleted_at IS NULL
           AND statuses.account_id <> ALL(SELECT blocks.target_account_id FROM blocks WHERE blocks.account_id = {alice})
           AND ((statuses.in_reply_to_id IS NULL AND statuses.in_reply_to_uri IS NULL) OR statuses.in_reply_to_account_id = statuses.account_id)
         ORDER BY statuses.id DESC LIMIT 20"
    );
    explain(&mut conn, "public, first page (copy)", &public).await;
    let page: Vec<Id> = diesel::sql_query(&public.replace("statuses.*", "statuses.id")).load(&mut conn).await.unwrap();
    let ids = page.iter().map(|i| i.id.to_string()).collect::<Vec<_>>().join(",");
    explain(
        &mut conn,
        "counts and the reader's flags for a page (copy of status_batch::counts)",
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
        "tag/edchat, first page (copy)",
        "SELECT statuses.* FROM statuses WHERE statuses.visibility = 0 AND statuses.reblog_of_id IS NULL AND statuses.deleted_at IS NULL
           AND statuses.id = ANY(SELECT status_tags.status_id FROM status_tags WHERE status_tags.name = ANY('{edchat}'))
         ORDER BY statuses.id DESC LIMIT 20",
    )
    .await;
}
