//! Timeline benchmark: 1,000,000 statuses from 10,000 accounts, 1,000 of which post
//! rarely (one status in 500) and 9,000 a lot. Three readers: alice follows 1,000 of
//! the busy accounts (a page of home is found among the newest statuses), bob follows
//! the 1,000 quiet ones (the hard reader: 2,000 statuses of his in a million), carol
//! follows alice's 1,000 and 50 hashtags (home with followed hashtags: 50,000 more
//! posts in it). `GET /api/v1/timelines/home` (for each), `/public` and `/tag/edchat` over real
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
use support::dataset::{exec, requests, seed, statuses, ACCOUNTS, FOLLOWED_TAGS};

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(support::with_database(bench));
}

#[derive(diesel::QueryableByName)]
struct Line {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

async fn measure(client: &reqwest::Client, url: &str, token: &str) -> (f64, f64, usize) {
    // Warm: the server's pool, PostgreSQL's caches, the HTTP connection.
    for _ in 0..200 {
        client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
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
    let lines: Vec<Line> = diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {sql}"))
        .load(conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
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
    let (sql, binds) = rendered
        .rsplit_once(" -- binds: ")
        .expect("debug_query shows its binds");
    // Every bind of the home query is a number (an id, a limit), some in a newtype.
    let binds: Vec<String> = binds
        .trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(", ")
        .map(|b| {
            b.chars()
                .filter(|c| c.is_ascii_digit() || *c == '-')
                .collect()
        })
        .collect();
    exec(conn, "DEALLOCATE ALL").await;
    exec(conn, &format!("PREPARE home_page AS {sql}")).await;
    let execute = format!("EXECUTE home_page({})", binds.join(", "));
    for _ in 0..6 {
        exec(conn, &execute).await;
    }
    println!(
        "\n-- {title}: the server's statement (db::timelines::home_query)\n{sql}\n-- binds: {}",
        binds.join(", ")
    );
    explain(conn, title, &execute).await;
}

async fn bench(db_url: String) {
    db::run_migrations(&db_url).await.unwrap();
    let pool = db::build_pool(&db_url, 2).unwrap();
    let mut readers = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let account = create_local_user(
            &pool,
            NewUser {
                username: name.into(),
                display_name: None,
                password: None,
                admin: false,
            },
        )
        .await
        .unwrap()
        .account;
        readers.push((name, account.id.0, support::token(&db_url, name, "read")));
    }
    let (alice, bob, carol) = (readers[0].1, readers[1].1, readers[2].1);
    let mut conn = AsyncPgConnection::establish(&db_url).await.unwrap();
    println!("carol follows alice's 1,000 accounts and {FOLLOWED_TAGS} hashtags");
    println!(
        "Seeding {} statuses from {ACCOUNTS} accounts ...",
        statuses()
    );
    seed(&mut conn, alice, bob, Some(carol)).await;

    let server = support::Server::start(&db_url, &[]).await;
    let domain = server.domain.clone();
    let client = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap();

    // A page deep in the past: max_id half-way through the statuses.
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let middle: Id = diesel::sql_query(format!(
        "SELECT id FROM statuses ORDER BY id OFFSET {} LIMIT 1",
        statuses() / 2
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    let base = format!("http://{domain}/api/v1/timelines");
    println!("\nGET over HTTP, {} sequential requests each after 200 to warm up (20 statuses a page); load average {}:", requests(), support::load());
    let mut urls: Vec<(String, String, &str)> = Vec::new();
    for (name, _, token) in &readers {
        urls.push((format!("home ({name})"), format!("{base}/home"), token));
        urls.push((
            format!("home ({name}), max_id half-way"),
            format!("{base}/home?max_id={}", middle.id),
            token,
        ));
        urls.push((
            format!("home ({name}), limit=40"),
            format!("{base}/home?limit=40"),
            token,
        ));
    }
    let alice_token = readers[0].2.as_str();
    urls.push(("public".into(), format!("{base}/public"), alice_token));
    urls.push((
        "public, max_id half-way".into(),
        format!("{base}/public?max_id={}", middle.id),
        alice_token,
    ));
    urls.push((
        "tag/edchat".into(),
        format!("{base}/tag/edchat"),
        alice_token,
    ));
    for (name, url, token) in &urls {
        let (p50, p99, items) = measure(&client, url, token).await;
        println!("  {name:<34} p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   ({items} statuses)");
    }
    println!("  (load average now {})", support::load());
    server.stop();

    for (name, viewer, _) in &readers {
        explain_home(
            &mut conn,
            &format!("home ({name}), first page"),
            *viewer,
            Page::newest(20),
        )
        .await;
        explain_home(
            &mut conn,
            &format!("home ({name}), max_id half-way"),
            *viewer,
            Page {
                max_id: Some(middle.id),
                ..Page::newest(20)
            },
        )
        .await;
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
    let page: Vec<Id> = diesel::sql_query(&public.replace("statuses.*", "statuses.id"))
        .load(&mut conn)
        .await
        .unwrap();
    let ids = page
        .iter()
        .map(|i| i.id.to_string())
        .collect::<Vec<_>>()
        .join(",");
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
