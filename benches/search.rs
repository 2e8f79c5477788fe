//! Search benchmark: full-text search of posts over the 1,000,000-status data set of
//! `scripts/bench timeline` (support::dataset: each status about a subject and an
//! activity, 9 in 10 in English; one remote account in 10 `indexable`). alice
//! searches: her own 1,000 posts, the 1,000 posts that mention her and 2,000 she
//! favourited are hers to find, and the indexable accounts' public posts.
//! `GET /api/v2/search?type=statuses` over real HTTP against a warm release
//! `staffroom serve`, sequential requests on one connection; prints p50/p99 for
//! words of different frequency (a pair in 1 status in 3,589; one word in 37; one
//! in 97; a phrase; a word nothing has), one account's posts, a second page, and the
//! hashtag search of `#edchat` (on 100,000 statuses) with its history.
//! Target (issue 15): p99 under 50 ms.
//!
//! Run: `scripts/bench search` (`STAFFROOM_BENCH_SCALE=0.1` for a short check).

mod support;

use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use staffroom::{
    db,
    services::accounts::{create_local_user, NewUser},
};
use std::time::{Duration, Instant};
use support::dataset::{exec, requests, seed, statuses, ACCOUNTS, FIRST_ACCOUNT};

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(support::with_database(bench));
}

/// alice's own posts (one every 10 s of the data set's stretch of time, ids ending
/// in 5), with the data set's words, and 2,000 favourites spread over it.
async fn seed_alice(conn: &mut AsyncPgConnection, alice: i64) {
    let now_ms = chrono::Utc::now().timestamp_millis() - 30_000;
    let own = ((1_000.0 * support::scale()) as i64).max(100);
    exec(
        conn,
        &format!(
            "INSERT INTO statuses (id, account_id, content, text, visibility, local, created_at, language)
             SELECT (({now_ms}::bigint - n * 10000) << 16) + 5, {alice},
                    '<p>My lesson plan ' || n || ': fractions worksheet and decimals quiz for year ' || (n % 6 + 1) || '</p>',
                    'My lesson plan ' || n || ': fractions worksheet and decimals quiz for year ' || (n % 6 + 1),
                    CASE WHEN n % 3 = 0 THEN 2 ELSE 0 END, true, to_timestamp(({now_ms} - n * 10000) / 1000.0), 'en'
             FROM generate_series(0, {own} - 1) AS n"
        ),
    )
    .await;
    exec(
        conn,
        &format!(
            "INSERT INTO favourites (id, account_id, status_id)
             SELECT s.id + 3, {alice}, s.id FROM statuses s WHERE s.reblog_of_id IS NULL AND s.id % 500 = 0 AND s.account_id <> {alice} LIMIT 2000"
        ),
    )
    .await;
    exec(conn, "ANALYZE").await;
    println!(
        "  alice: {own} posts of her own, 2,000 favourites, 1,000 mentions (from the data set)"
    );
}

async fn measure(client: &reqwest::Client, url: &str, token: &str) -> (f64, f64, usize) {
    for _ in 0..50 {
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
    let n = requests() / 2;
    let mut latencies = Vec::with_capacity(n);
    let mut items = 0;
    for _ in 0..n {
        let started = Instant::now();
        let res = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let body: serde_json::Value = res.json().await.unwrap();
        latencies.push(started.elapsed());
        items = body["statuses"].as_array().map(|a| a.len()).unwrap_or(0)
            + body["hashtags"].as_array().map(|a| a.len()).unwrap_or(0);
    }
    latencies.sort();
    let pct = |p: f64| support::percentile(&latencies, p).as_secs_f64() * 1e3;
    (pct(0.5), pct(0.99), items)
}

async fn bench(db_url: String) {
    db::run_migrations(&db_url).await.unwrap();
    let pool = db::build_pool(&db_url, 2).unwrap();
    let alice = create_local_user(
        &pool,
        NewUser {
            username: "alice".into(),
            display_name: None,
            password: None,
            admin: false,
        },
    )
    .await
    .unwrap()
    .account
    .id
    .0;
    let bob = create_local_user(
        &pool,
        NewUser {
            username: "bob".into(),
            display_name: None,
            password: None,
            admin: false,
        },
    )
    .await
    .unwrap()
    .account
    .id
    .0;
    let token = support::token(&db_url, "alice", "read");
    let mut conn = AsyncPgConnection::establish(&db_url).await.unwrap();
    println!(
        "Seeding {} statuses from {ACCOUNTS} accounts ...",
        statuses()
    );
    seed(&mut conn, alice, bob, None).await;
    seed_alice(&mut conn, alice).await;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let size: Count = diesel::sql_query("SELECT pg_relation_size('statuses_search') AS n")
        .get_result(&mut conn)
        .await
        .unwrap();
    println!("  GIN index statuses_search: {:.0} MB", size.n as f64 / 1e6);

    let server = support::Server::start(&db_url, &[]).await;
    let base = format!("http://{}/api/v2/search", server.domain);
    let client = reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let indexable_account = FIRST_ACCOUNT + 1_000 + 10 * 7;
    let q = |words: &str, rest: &str| {
        format!(
            "{base}?type=statuses&q={}{rest}",
            url::form_urlencoded::byte_serialize(words.as_bytes()).collect::<String>()
        )
    };
    let cases: Vec<(&str, String)> = vec![
        ("two words, 1 status in 3,589", q("fractions worksheet", "")),
        ("one word, 1 status in 37", q("volcanoes", "")),
        ("one word, 1 status in 97", q("diorama", "")),
        ("a stemmed word (experiments)", q("experiments", "")),
        ("a phrase", q("\"poetry story\"", "")),
        ("a word no status has", q("zeppelin", "")),
        (
            "one word, second page (offset=20)",
            q("volcanoes", "&offset=20"),
        ),
        (
            "one word, one indexable account",
            q("volcanoes", &format!("&account_id={indexable_account}")),
        ),
        ("one word, limit=40", q("volcanoes", "&limit=40")),
        (
            "#edchat as a hashtag (with history)",
            format!("{base}?type=hashtags&q=%23edchat"),
        ),
    ];
    println!(
        "\nGET /api/v2/search over HTTP, {} sequential requests each after 50 to warm up (20 results unless said); load average {} (other builds running: figures under load):",
        requests() / 2,
        support::load()
    );
    for (name, url) in &cases {
        let (p50, p99, items) = measure(&client, url, &token).await;
        println!("  {name:<40} p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   ({items} results)");
    }
    println!("  (load average now {})", support::load());
    server.stop();
}
