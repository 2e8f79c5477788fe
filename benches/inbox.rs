//! Inbox intake benchmark: pre-signed `Create` activities from 1,000 remote actors
//! (their keys already known), posted over real HTTP to a `staffroom serve` process,
//! accepted and stored end to end. Runs twice: first with the server logging as a
//! real `serve` does (`RUST_LOG` unset, so `info`: a text line per request), then
//! quiet (`RUST_LOG=warn`), to show what logging costs. Prints activities per second,
//! p50/p99 latency, log lines written, and this machine's RSA-2048 verify rate
//! (OpenSSL, one core) measured in the same run, with the ratio between them.
//!
//! Run: `scripts/bench inbox` (`STAFFROOM_BENCH_SCALE=0.1` for a short check).

mod support;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use openssl::pkey::{PKey, Private};
use serde_json::json;
use staffroom::{
    db,
    federation::signatures,
    services::accounts::{create_local_user, NewUser},
};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};

const ACTORS: usize = 1000;
const CONCURRENCY: usize = 64;
/// Distinct key pairs shared among the actors: verifying costs the same, and
/// generating 1,000 RSA keys would take longer than the benchmark.
const KEYS: usize = 16;

fn verify_rate() -> f64 {
    let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let data = b"(request-target): post /inbox\nhost: example\ndate: x\ndigest: y\ncontent-type: application/activity+json";
    let mut signer =
        openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
    signer.update(data).unwrap();
    let sig = signer.sign_to_vec().unwrap();
    let public = PKey::public_key_from_pem(&key.public_key_to_pem().unwrap()).unwrap();
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        assert!(signatures::verify_rsa_sha256(&public, data, &sig));
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

async fn run() {
    support::with_database(bench).await;
}

async fn bench(db_url: String) {
    let verifies = verify_rate();
    println!("RSA-2048 verify rate (OpenSSL, one core): {verifies:.0}/s");

    db::run_migrations(&db_url).await.unwrap();
    if std::env::var("BENCH_ASYNC_COMMIT").is_ok() {
        // Diagnosis only: shows how much of the time is waiting for WAL flushes.
        let mut conn = AsyncPgConnection::establish(&db_url).await.unwrap();
        let name = db_url.rsplit('/').next().unwrap().to_string();
        diesel::sql_query(format!(
            "ALTER DATABASE {name} SET synchronous_commit = off"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let pool = db::build_pool(&db_url, 4).unwrap();
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
    .account;

    println!("Preparing {ACTORS} remote actors followed by alice ...");
    let keys: Vec<PKey<Private>> = (0..KEYS)
        .map(|_| PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap())
        .collect();
    let host = "remote.example";
    {
        let mut conn = pool.get().await.unwrap();
        for i in 0..ACTORS {
            let pem = String::from_utf8(keys[i % KEYS].public_key_to_pem().unwrap()).unwrap();
            let id = db::new_id();
            let uri = format!("https://{host}/users/t{i}");
            diesel::sql_query(
                "INSERT INTO accounts (id, username, domain, uri, inbox_url, public_key_pem, public_key_id, last_fetched_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, now())",
            )
            .bind::<diesel::sql_types::BigInt, _>(id)
            .bind::<diesel::sql_types::Text, _>(format!("t{i}"))
            .bind::<diesel::sql_types::Text, _>(host)
            .bind::<diesel::sql_types::Text, _>(&uri)
            .bind::<diesel::sql_types::Text, _>(format!("{uri}/inbox"))
            .bind::<diesel::sql_types::Text, _>(pem)
            .bind::<diesel::sql_types::Text, _>(format!("{uri}#main-key"))
            .execute(&mut conn)
            .await
            .unwrap();
            diesel::sql_query("INSERT INTO follows (id, account_id, target_account_id, accepted) VALUES ($1, $2, $3, true)")
                .bind::<diesel::sql_types::BigInt, _>(db::new_id())
                .bind::<diesel::sql_types::BigInt, _>(alice.id.0)
                .bind::<diesel::sql_types::BigInt, _>(id)
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }

    let activities = (20_000.0 * support::scale()) as usize;
    println!(
        "Load average (1, 5, 15 min) before the runs: {}",
        support::load()
    );
    let mut results = Vec::new();
    for (run, (label, extra)) in [
        (
            "default: RUST_LOG unset (info, as `serve`), text lines",
            vec![],
        ),
        ("quiet: RUST_LOG=warn", vec![("RUST_LOG", "warn")]),
    ]
    .into_iter()
    .enumerate()
    {
        println!();
        println!("Run {}: logging {label}", run + 1);
        let figures = intake(&db_url, &pool, &keys, host, run, activities, &extra).await;
        figures.print(verifies);
        results.push((label, figures));
    }
    println!();
    println!("Summary (load average now {}):", support::load());
    for (label, f) in &results {
        println!(
            "  {:>6.0} activities/s, p99 {:>5.1} ms   logging {label}",
            f.rate, f.p99_ms
        );
    }
}

struct Figures {
    accepted: usize,
    failures: usize,
    stored: i64,
    activities: usize,
    seconds: f64,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    log_lines: u64,
    cpu: (f64, f64, f64),
}

impl Figures {
    fn print(&self, verifies: f64) {
        println!(
            "  activities accepted:        {} ({} failures)",
            self.accepted, self.failures
        );
        println!(
            "  posts stored by this run:   {} of {}",
            self.stored, self.activities
        );
        println!("  time:                       {:.2} s", self.seconds);
        println!("  activities per second:      {:.0}", self.rate);
        println!(
            "  latency p50 / p99:          {:.1} / {:.1} ms",
            self.p50_ms, self.p99_ms
        );
        println!("  log lines written:          {}", self.log_lines);
        println!(
            "  CPU seconds: server {:.1}, PostgreSQL {:.1}, load generator {:.1}",
            self.cpu.0, self.cpu.2, self.cpu.1
        );
        println!("  RSA-2048 verify (1 core):   {verifies:.0}/s");
        println!(
            "  ratio:                      {:.2} (activities/s ÷ one core's verifies/s)",
            self.rate / verifies
        );
    }
}

/// One run: a server started with `extra` settings takes `activities` signed
/// activities (ids unique to `run`), the first `ACTORS` of them to warm up.
async fn intake(
    db_url: &str,
    pool: &db::DbPool,
    keys: &[PKey<Private>],
    host: &str,
    run: usize,
    activities: usize,
    extra: &[(&str, &str)],
) -> Figures {
    // The server under test: the release binary, its own process.
    // All activities come from one host: measure intake, not the rate limit.
    let mut settings = vec![("STAFFROOM_INBOX_RATE_PER_HOST", "1000000")];
    settings.extend_from_slice(extra);
    let server = support::Server::start(db_url, &settings).await;
    let domain = server.domain.clone();
    // Idle connections are dropped before the server's keep-alive timeout closes them.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap();

    println!("Signing {activities} activities ...");
    let inbox = format!("http://{domain}/inbox");
    let date = signatures::http_date(chrono::Utc::now());
    let requests: Vec<(String, String, String)> = (0..activities)
        .map(|n| {
            if n > 0 && n % 5000 == 0 {
                println!("  signed {n} of {activities}");
            }
            let actor = format!("https://{host}/users/t{}", n % ACTORS);
            let body = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{actor}/statuses/{run}-{n}/activity"),
                "type": "Create",
                "actor": actor,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [format!("{actor}/followers")],
                "object": {
                    "id": format!("{actor}/statuses/{run}-{n}"),
                    "type": "Note",
                    "attributedTo": actor,
                    "content": format!("<p>Lesson idea number {n}: <a href=\"https://{host}/tags/edchat\" class=\"mention hashtag\">#edchat</a></p>"),
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "cc": [format!("{actor}/followers")],
                    "published": "2026-11-26T10:00:00Z",
                    "tag": [{"type": "Hashtag", "name": "#edchat", "href": format!("https://{host}/tags/edchat")}]
                }
            })
            .to_string();
            let digest = signatures::digest(body.as_bytes());
            let signature = signatures::sign(&keys[(n % ACTORS) % KEYS], &format!("{actor}#main-key"), "POST", "/inbox", &[
                ("host", &domain),
                ("date", &date),
                ("digest", &digest),
                ("content-type", "application/activity+json"),
            ])
            .unwrap();
            (body, digest, signature)
        })
        .collect();
    // Warm the key cache and connections with the first 1,000 (one per actor), then measure the rest.
    let requests = Arc::new(requests);
    let send = |range: std::ops::Range<usize>| {
        let requests = requests.clone();
        let client = client.clone();
        let inbox = inbox.clone();
        let date = date.clone();
        async move {
            let next = Arc::new(std::sync::atomic::AtomicUsize::new(range.start));
            let mut tasks = Vec::new();
            for _ in 0..CONCURRENCY {
                let (requests, client, inbox, date, next) = (
                    requests.clone(),
                    client.clone(),
                    inbox.clone(),
                    date.clone(),
                    next.clone(),
                );
                let end = range.end;
                tasks.push(tokio::spawn(async move {
                    let mut latencies = Vec::new();
                    let mut failures = 0usize;
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= end {
                            break;
                        }
                        let (body, digest, signature) = &requests[i];
                        let started = Instant::now();
                        let res = client
                            .post(&inbox)
                            .header("Date", &date)
                            .header("Digest", digest)
                            .header("Content-Type", "application/activity+json")
                            .header("Signature", signature)
                            .body(body.clone())
                            .send()
                            .await;
                        match res {
                            Ok(r) if r.status().as_u16() == 202 => {
                                latencies.push(started.elapsed())
                            }
                            Ok(r) => {
                                failures += 1;
                                if failures < 3 {
                                    eprintln!(
                                        "unexpected answer {}: {}",
                                        r.status(),
                                        r.text().await.unwrap_or_default()
                                    );
                                }
                            }
                            Err(e) => {
                                failures += 1;
                                eprintln!("request failed: {e}");
                            }
                        }
                    }
                    (latencies, failures)
                }));
            }
            let mut latencies = Vec::new();
            let mut failures = 0;
            for t in tasks {
                let (l, f) = t.await.unwrap();
                latencies.extend(l);
                failures += f;
            }
            (latencies, failures)
        }
    };
    let stored_before = count_statuses(pool).await;
    send(0..ACTORS).await;
    println!(
        "Posting {} activities with {CONCURRENCY} connections ...",
        activities - ACTORS
    );
    let cpu_before = (
        server.cpu(),
        support::process_cpu(std::process::id()),
        support::postgres_cpu(),
    );
    let lines_before = server.log_lines();
    let started = Instant::now();
    let (mut latencies, failures) = send(ACTORS..activities).await;
    let elapsed = started.elapsed();
    let cpu = (
        server.cpu() - cpu_before.0,
        support::process_cpu(std::process::id()) - cpu_before.1,
        support::postgres_cpu() - cpu_before.2,
    );
    // Lines still in the pipe are counted too.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log_lines = server.log_lines() - lines_before;
    latencies.sort();
    let rate = latencies.len() as f64 / elapsed.as_secs_f64();
    let stored = count_statuses(pool).await - stored_before;
    server.stop();
    Figures {
        accepted: latencies.len(),
        failures,
        stored,
        activities,
        seconds: elapsed.as_secs_f64(),
        rate,
        p50_ms: support::percentile(&latencies, 0.5).as_secs_f64() * 1e3,
        p99_ms: support::percentile(&latencies, 0.99).as_secs_f64() * 1e3,
        log_lines,
        cpu,
    }
}

async fn count_statuses(pool: &db::DbPool) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query("SELECT count(*) AS n FROM statuses")
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
}
