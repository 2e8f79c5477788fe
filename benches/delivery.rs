//! Fan-out benchmark, end to end. Alice has 10,000 followers: remote accounts stored
//! as the inbox stores them (their actor documents read by `actor_from_document`,
//! their Follows recorded by `Follow::upsert`), ten on each of 1,000 servers that
//! share one inbox each. The servers are local receivers in a separate process that
//! answer 202 after 50 ms. Alice posts through the client API
//! (`POST /api/v1/statuses` with a bearer token from `staffroom token create`) to a
//! real `staffroom serve`, which builds the Create, finds the inboxes, queues, signs
//! and sends. The clock runs from the POST until the receivers have answered the last
//! live inbox (their own timestamps).
//!
//! Then again with 10 % of the servers dead: half accept the connection and never
//! answer, half answer 503. The delivery timeout (2 s) and retry base (0.5 s) are
//! lowered through settings so that timeouts and retries happen within the run, which
//! goes on until every dead inbox has been tried three times; it reports the retries
//! the receivers saw and the queue recorded, and checks that every live inbox got
//! exactly one copy.
//!
//! Run: `scripts/bench delivery` (`STAFFROOM_BENCH_SCALE=0.1` for a short check).

mod support;

use diesel_async::AsyncConnection;
use serde_json::json;
use staffroom::{
    db::{self, accounts::Account, follows::Follow},
    federation::fetch::actor_from_document,
    services::accounts::{create_local_user, NewUser},
};
use std::{
    collections::{HashMap, HashSet},
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

const FOLLOWERS_PER_INBOX: usize = 10;
const LATENCY_MS: u64 = 50;
/// Attempts every dead inbox must have seen before the dead-inbox run ends.
const DEAD_ATTEMPTS: usize = 3;
const TIMEOUT_MS: &str = "2000";
const RETRY_BASE_MS: &str = "500";

fn unix_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--receivers") {
        return receivers_process();
    }
    raise_fd_limit();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(support::with_database(bench));
}

fn raise_fd_limit() {
    unsafe {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
}

/// RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second on one core, with the same
/// library the deliverer signs with.
fn sign_rate() -> f64 {
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        let mut signer =
            openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
        signer
            .update(b"(request-target): post /inbox\nhost: example\ndate: x\ndigest: y")
            .unwrap();
        std::hint::black_box(signer.sign_to_vec().unwrap());
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// A follower's actor document, as a Mastodon server on `host` serves it.
fn person(host: &str, name: &str, pem: &str) -> serde_json::Value {
    let id = format!("http://{host}/users/{name}");
    json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": format!("Teacher {name}"),
        "summary": "<p>Maths and physics.</p>",
        "url": format!("http://{host}/@{name}"),
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "endpoints": {"sharedInbox": format!("http://{host}/inbox")},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem},
    })
}

/// Stores `FOLLOWERS_PER_INBOX` followers of `alice` on each receiver, through the
/// code the inbox uses, in transactions of a few hundred, printing progress.
async fn seed_followers(db_url: &str, alice: &Account, ports: &[u16]) {
    let key = openssl::rsa::Rsa::generate(2048).unwrap();
    let pem = String::from_utf8(
        openssl::pkey::PKey::from_rsa(key)
            .unwrap()
            .public_key_to_pem()
            .unwrap(),
    )
    .unwrap();
    let mut conn = diesel_async::AsyncPgConnection::establish(db_url)
        .await
        .unwrap();
    let total = ports.len() * FOLLOWERS_PER_INBOX;
    let started = Instant::now();
    for (batch, chunk) in ports.chunks(50).enumerate() {
        let docs: Vec<(serde_json::Value, String)> = chunk
            .iter()
            .flat_map(|port| {
                let host = format!("127.0.0.1:{port}");
                let pem = &pem;
                (0..FOLLOWERS_PER_INBOX).map(move |j| {
                    let name = format!("f{j}");
                    (
                        person(&host, &name, pem),
                        format!("http://{host}/users/{name}/follows/{}", db::new_id()),
                    )
                })
            })
            .collect();
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            for (doc, follow_uri) in &docs {
                let fetched = actor_from_document(doc.clone())
                    .unwrap_or_else(|e| panic!("actor document refused: {}", e.message));
                let account = Account::upsert_remote(conn, &fetched.form).await?;
                Follow::upsert(conn, account.id, alice.id, Some(follow_uri), true).await?;
            }
            Ok(())
        })
        .await
        .unwrap();
        let done = (batch + 1) * 50 * FOLLOWERS_PER_INBOX;
        if done % 2000 == 0 || done >= total {
            println!(
                "  followers stored: {:>6} of {total} ({:.1} s)",
                done.min(total),
                started.elapsed().as_secs_f64()
            );
        }
    }
}

#[derive(diesel::QueryableByName)]
struct QueueRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pending: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    attempts: i64,
}

async fn bench(db_url: String) {
    use diesel_async::RunQueryDsl;
    let db_url = db_url.as_str();
    let inboxes = ((1000.0 * support::scale()) as usize).max(10);
    let followers = inboxes * FOLLOWERS_PER_INBOX;
    println!("RSA-2048 sign rate (OpenSSL, one core): measuring ...");
    let signs = sign_rate();
    println!("RSA-2048 sign rate (OpenSSL, one core): {signs:.0}/s");

    db::run_migrations(db_url).await.unwrap();
    let pool = db::build_pool(db_url, 2).unwrap();
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
    let receivers = Receivers::start(inboxes);
    println!("Storing {followers} followers of alice on {inboxes} servers (10 each, one shared inbox per server) ...");
    seed_followers(db_url, &alice, &receivers.ports).await;
    let token = support::token(db_url, "alice", "read write");
    let http = reqwest::Client::new();

    let mut summary = Vec::new();
    for dead_fraction in [0.0, 0.1] {
        let dead_count = (inboxes as f64 * dead_fraction).round() as usize;
        // Spread evenly; every other one hangs, the rest answer 503.
        let dead: Vec<u16> = (0..dead_count)
            .map(|i| receivers.ports[i * inboxes / dead_count.max(1)])
            .collect();
        let hanging: Vec<u16> = dead.iter().copied().step_by(2).collect();
        let failing: Vec<u16> = dead.iter().copied().skip(1).step_by(2).collect();
        let dead: HashSet<u16> = dead.into_iter().collect();
        let live: HashSet<u16> = receivers
            .ports
            .iter()
            .copied()
            .filter(|p| !dead.contains(p))
            .collect();
        receivers.set_dead(&hanging, &failing);

        let settings: Vec<(&str, &str)> = if dead.is_empty() {
            vec![]
        } else {
            vec![
                ("STAFFROOM_DELIVERY_TIMEOUT_MS", TIMEOUT_MS),
                ("STAFFROOM_DELIVERY_RETRY_BASE_MS", RETRY_BASE_MS),
            ]
        };
        println!();
        println!(
            "Scenario: {followers} followers on {inboxes} shared inboxes, {LATENCY_MS} ms latency, {} dead ({} never answer, {} answer 503){}",
            dead.len(),
            hanging.len(),
            failing.len(),
            if dead.is_empty() { String::new() } else { format!("; delivery timeout {TIMEOUT_MS} ms, retry base {RETRY_BASE_MS} ms") }
        );
        let server = support::Server::start(db_url, &settings).await;
        println!("  load average (1, 5, 15 min): {}", support::load());
        let cpu_before = (server.cpu(), support::postgres_cpu());
        let t0 = unix_ms();
        let started = Instant::now();
        let res = http
            .post(format!("http://{}/api/v1/statuses", server.domain))
            .bearer_auth(&token)
            .json(&json!({"status": "Tomorrow's lesson plan is up: fractions with paper folding.", "visibility": "public"}))
            .send()
            .await
            .unwrap();
        let post_ms = started.elapsed().as_secs_f64() * 1e3;
        assert_eq!(
            res.status(),
            200,
            "POST /api/v1/statuses: {}",
            res.text().await.unwrap_or_default()
        );
        let mut last_report = Instant::now();
        while receivers.answered(&live) < live.len() && started.elapsed() < Duration::from_secs(120)
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if last_report.elapsed() >= Duration::from_secs(1) {
                println!(
                    "  progress: {}/{} live inboxes answered",
                    receivers.answered(&live),
                    live.len()
                );
                last_report = Instant::now();
            }
        }
        let cpu = (
            server.cpu() - cpu_before.0,
            support::postgres_cpu() - cpu_before.1,
        );
        let mut latencies: Vec<u128> = receivers
            .first_answers(&live)
            .into_iter()
            .map(|t| t.saturating_sub(t0))
            .collect();
        latencies.sort_unstable();
        let answered = latencies.len();
        let total_ms = latencies.last().copied().unwrap_or(0);
        let rate = answered as f64 / (total_ms.max(1) as f64 / 1e3);
        println!("  POST /api/v1/statuses:      {post_ms:.1} ms");
        println!("  live inboxes answered:      {answered}/{}", live.len());
        println!(
            "  total time:                 {:.3} s (POST sent → last live inbox answered)",
            total_ms as f64 / 1e3
        );
        println!("  deliveries per second:      {rate:.0}");
        if answered > 0 {
            let pct = |p| support::percentile(&latencies, p);
            println!(
                "  latency p50 / p99 / max:    {} / {} / {} ms",
                pct(0.5),
                pct(0.99),
                pct(1.0)
            );
        }
        println!(
            "  CPU seconds: server {:.2}, PostgreSQL {:.2}",
            cpu.0, cpu.1
        );
        println!(
            "  ratio to sign rate:         {:.2} (deliveries/s ÷ one core's RSA-2048 signs/s)",
            rate / signs
        );

        if !dead.is_empty() {
            println!("  waiting until every dead inbox has been tried {DEAD_ATTEMPTS} times ...");
            let waited = Instant::now();
            loop {
                let tried = receivers.attempts(&dead);
                let done = tried.values().filter(|n| **n >= DEAD_ATTEMPTS).count();
                if done == dead.len() || waited.elapsed() > Duration::from_secs(90) {
                    break;
                }
                if last_report.elapsed() >= Duration::from_secs(2) {
                    println!(
                        "  progress: {done}/{} dead inboxes tried {DEAD_ATTEMPTS} times ({:.0} s)",
                        dead.len(),
                        started.elapsed().as_secs_f64()
                    );
                    last_report = Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let hung = receivers.attempts(&hanging.iter().copied().collect());
            let failed = receivers.attempts(&failing.iter().copied().collect());
            let retries =
                |a: &HashMap<u16, usize>| a.values().map(|n| n.saturating_sub(1)).sum::<usize>();
            let mut conn = pool.get().await.unwrap();
            let queue: QueueRow = diesel::sql_query("SELECT count(*) AS pending, COALESCE(sum(attempts), 0)::bigint AS attempts FROM deliveries")
                .get_result(&mut conn)
                .await
                .unwrap();
            println!(
                "  retries seen by receivers:  {} to never-answering inboxes (timeouts), {} to 503 ones, in {:.1} s",
                retries(&hung),
                retries(&failed),
                started.elapsed().as_secs_f64()
            );
            println!(
                "  dead inboxes tried ≥{DEAD_ATTEMPTS} times: {}/{}",
                hung.values()
                    .chain(failed.values())
                    .filter(|n| **n >= DEAD_ATTEMPTS)
                    .count(),
                dead.len()
            );
            println!(
                "  queue afterwards:           {} deliveries pending, {} failed attempts recorded",
                queue.pending, queue.attempts
            );
        }
        let copies = receivers.copies(&live);
        let exactly_one = copies.values().filter(|n| **n == 1).count();
        let duplicates: usize = copies.values().map(|n| n.saturating_sub(1)).sum();
        println!(
            "  live inboxes with exactly one copy: {exactly_one}/{} ({duplicates} duplicates)",
            live.len()
        );
        summary.push((dead.len(), total_ms, answered, live.len(), duplicates));

        server.stop();
        // Leave nothing behind for the next scenario.
        let mut conn = pool.get().await.unwrap();
        diesel::sql_query("DELETE FROM deliveries")
            .execute(&mut conn)
            .await
            .unwrap();
        diesel::sql_query("DELETE FROM delivery_hosts")
            .execute(&mut conn)
            .await
            .unwrap();
        receivers.reset();
    }
    receivers.stop();
    println!();
    println!("Summary (load average now {}):", support::load());
    for (dead, total_ms, answered, live, duplicates) in summary {
        println!(
            "  {dead:>4} dead: {answered}/{live} live inboxes answered in {:.2} s, {duplicates} duplicates",
            total_ms as f64 / 1e3
        );
    }
}

/// What a receiver does with a request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// 202 after the latency.
    Answer,
    /// Accepts, reads the request and never answers.
    Hang,
    /// 503 after the latency.
    Fail,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Answer => "answer",
            Kind::Hang => "hang",
            Kind::Fail => "fail",
        }
    }
}

/// The receivers run in a child process, so the server's CPU time is its own. It
/// prints one line per request it takes: `PORT KIND UNIX_MS`.
struct Receivers {
    child: std::process::Child,
    stdin: Mutex<std::process::ChildStdin>,
    ports: Vec<u16>,
    requests: Arc<Mutex<HashMap<u16, Vec<(String, u128)>>>>,
    acks: Mutex<std::sync::mpsc::Receiver<()>>,
}

impl Receivers {
    fn start(n: usize) -> Receivers {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--receivers", &n.to_string()])
            .stdout(Stdio::piped())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let header: serde_json::Value =
            serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        let ports: Vec<u16> = serde_json::from_value(header["ports"].clone()).unwrap();
        let requests = Arc::new(Mutex::new(HashMap::<u16, Vec<(String, u128)>>::new()));
        let (ack_tx, acks) = std::sync::mpsc::channel();
        let r2 = requests.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let parts: Vec<&str> = line.split_whitespace().collect();
                match parts[..] {
                    ["ready"] => {
                        let _ = ack_tx.send(());
                    }
                    [port, kind, at] => r2
                        .lock()
                        .unwrap()
                        .entry(port.parse().unwrap())
                        .or_default()
                        .push((kind.to_string(), at.parse().unwrap())),
                    _ => {}
                }
            }
        });
        Receivers {
            child,
            stdin: Mutex::new(stdin),
            ports,
            requests,
            acks: Mutex::new(acks),
        }
    }

    /// Makes `hanging` never answer and `failing` answer 503, the others 202.
    fn set_dead(&self, hanging: &[u16], failing: &[u16]) {
        let list = |p: &[u16]| p.iter().map(u16::to_string).collect::<Vec<_>>().join(",");
        let mut stdin = self.stdin.lock().unwrap();
        writeln!(stdin, "dead {} {}", list(hanging), list(failing)).unwrap();
        stdin.flush().unwrap();
        self.acks
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(10))
            .expect("receivers acknowledge");
    }

    fn reset(&self) {
        self.requests.lock().unwrap().clear();
    }

    fn count(&self, ports: &HashSet<u16>, kind: Kind) -> HashMap<u16, usize> {
        let requests = self.requests.lock().unwrap();
        ports
            .iter()
            .map(|p| {
                (
                    *p,
                    requests
                        .get(p)
                        .map(|r| r.iter().filter(|(k, _)| k == kind.name()).count())
                        .unwrap_or(0),
                )
            })
            .collect()
    }

    /// How many of `live` have answered at least once.
    fn answered(&self, live: &HashSet<u16>) -> usize {
        let requests = self.requests.lock().unwrap();
        live.iter()
            .filter(|p| {
                requests
                    .get(p)
                    .is_some_and(|r| r.iter().any(|(k, _)| k == Kind::Answer.name()))
            })
            .count()
    }

    fn first_answers(&self, live: &HashSet<u16>) -> Vec<u128> {
        let requests = self.requests.lock().unwrap();
        live.iter()
            .filter_map(|p| {
                requests.get(p).and_then(|r| {
                    r.iter()
                        .filter(|(k, _)| k == Kind::Answer.name())
                        .map(|(_, t)| *t)
                        .min()
                })
            })
            .collect()
    }

    /// Copies each of `live` received.
    fn copies(&self, live: &HashSet<u16>) -> HashMap<u16, usize> {
        self.count(live, Kind::Answer)
    }

    /// Requests each dead inbox took, answered or not.
    fn attempts(&self, dead: &HashSet<u16>) -> HashMap<u16, usize> {
        let (hung, failed) = (self.count(dead, Kind::Hang), self.count(dead, Kind::Fail));
        dead.iter().map(|p| (*p, hung[p] + failed[p])).collect()
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Child process: N listeners; what each does is set by lines on standard input
/// (`dead HANGING FAILING`, comma-separated ports), acknowledged with `ready`.
fn receivers_process() {
    raise_fd_limit();
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args[args.iter().position(|a| a == "--receivers").unwrap() + 1]
        .parse()
        .unwrap();
    let listeners: Vec<std::net::TcpListener> = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    let out = Arc::new(Mutex::new(std::io::stdout()));
    writeln!(out.lock().unwrap(), "{}", json!({"ports": ports})).unwrap();
    out.lock().unwrap().flush().unwrap();
    let kinds: Arc<Mutex<HashMap<u16, Kind>>> = Arc::default();
    {
        let (kinds, out) = (kinds.clone(), out.clone());
        std::thread::spawn(move || {
            for line in std::io::stdin().lines().map_while(Result::ok) {
                let parts: Vec<&str> = line.split(' ').collect();
                if parts.first() != Some(&"dead") {
                    continue;
                }
                let ports = |i: usize| -> Vec<u16> {
                    parts
                        .get(i)
                        .map(|s| s.split(',').filter_map(|p| p.parse().ok()).collect())
                        .unwrap_or_default()
                };
                let mut kinds = kinds.lock().unwrap();
                kinds.clear();
                kinds.extend(ports(1).into_iter().map(|p| (p, Kind::Hang)));
                kinds.extend(ports(2).into_iter().map(|p| (p, Kind::Fail)));
                drop(kinds);
                let mut out = out.lock().unwrap();
                let _ = writeln!(out, "ready");
                let _ = out.flush();
            }
            // The parent is gone.
            std::process::exit(0);
        });
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        for listener in listeners {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let port = listener.local_addr().unwrap().port();
            let (out, kinds) = (out.clone(), kinds.clone());
            tokio::spawn(async move {
                loop {
                    let Ok((socket, _)) = listener.accept().await else {
                        continue;
                    };
                    tokio::spawn(serve_connection(socket, port, kinds.clone(), out.clone()));
                }
            });
        }
        std::future::pending::<()>().await;
    });
}

/// A minimal HTTP/1.1 keep-alive responder: reads a request head and its
/// Content-Length body, then does what its port is set to do.
async fn serve_connection(
    mut socket: tokio::net::TcpStream,
    port: u16,
    kinds: Arc<Mutex<HashMap<u16, Kind>>>,
    out: Arc<Mutex<std::io::Stdout>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = Vec::with_capacity(8192);
    loop {
        let head_end = loop {
            if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break pos + 4;
            }
            let mut chunk = [0u8; 8192];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 8192];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        }
        buf.drain(..head_end + len);
        let kind = kinds
            .lock()
            .unwrap()
            .get(&port)
            .copied()
            .unwrap_or(Kind::Answer);
        let log = |kind: Kind| {
            let mut out = out.lock().unwrap();
            let _ = writeln!(out, "{port} {} {}", kind.name(), unix_ms());
            let _ = out.flush();
        };
        let answer: &[u8] = match kind {
            Kind::Hang => {
                log(kind);
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Kind::Answer => b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n",
            Kind::Fail => b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n",
        };
        tokio::time::sleep(Duration::from_millis(LATENCY_MS)).await;
        log(kind);
        if socket.write_all(answer).await.is_err() {
            return;
        }
    }
}
