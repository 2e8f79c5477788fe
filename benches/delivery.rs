//! Fan-out benchmark: one post to 10,000 followers on 1,000 shared inboxes, served
//! by local receivers (a separate process, 50 ms latency each), sent by the real
//! delivery worker with real signatures; then again with 10 % of the inboxes never
//! answering. Prints deliveries per second, total time, CPU seconds, duplicates,
//! latency percentiles and the ratio to this machine's RSA-2048 signing rate.
//!
//! Run: `scripts/bench delivery` (needs STAFFROOM_TEST_DATABASE_URL, which the script sets).

mod support;

use diesel_async::RunQueryDsl;
use serde_json::json;
use staffroom::{
    config::DeliverySettings,
    db,
    federation::{client::HttpClient, delivery},
    services::accounts::{create_local_user, NewUser},
    urls::Urls,
};
use std::{
    collections::HashMap,
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

const INBOXES: usize = 1000;
const FOLLOWERS: usize = 10_000;
const LATENCY_MS: u64 = 50;

fn unix_ms() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--receivers") {
        return receivers_process();
    }
    raise_fd_limit();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run());
}

fn raise_fd_limit() {
    unsafe {
        let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        lim.rlim_cur = lim.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
    }
}

fn cpu_seconds() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// RSA-2048 PKCS#1 v1.5 SHA-256 signatures per second on one core, with the same
/// library the deliverer signs with.
fn sign_rate() -> f64 {
    let key = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_secs(1) {
        let mut signer = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &key).unwrap();
        signer.update(b"(request-target): post /inbox\nhost: example\ndate: x\ndigest: y").unwrap();
        std::hint::black_box(signer.sign_to_vec().unwrap());
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn run() {
    support::with_database(bench).await;
}

async fn bench(db_url: String) {
    let db_url = db_url.as_str();
    println!("RSA-2048 sign rate (OpenSSL, one core): measuring ...");
    let signs = sign_rate();
    println!("RSA-2048 sign rate (OpenSSL, one core): {signs:.0}/s");

    db::run_migrations(db_url).await.unwrap();
    let pool = db::build_pool(db_url, 16).unwrap();
    let alice = create_local_user(&pool, NewUser { username: "alice".into(), display_name: None, password: None, admin: false })
        .await
        .unwrap()
        .account;
    let urls = Urls::new("http", "bench.local");

    for dead_fraction in [0.0, 0.1] {
        println!();
        println!(
            "Scenario: {FOLLOWERS} followers on {INBOXES} shared inboxes, {LATENCY_MS} ms latency, {:.0} % of inboxes never answer",
            dead_fraction * 100.0
        );
        let receivers = Receivers::start(INBOXES, dead_fraction);
        let settings = DeliverySettings::default();
        let client = HttpClient::new(true, "Staffroom-bench", settings.timeout, settings.per_host).unwrap();
        let wake = Arc::new(tokio::sync::Notify::new());
        let deliverer = delivery::Deliverer::new(pool.clone(), client, settings.clone(), urls.clone(), wake.clone(), Default::default());

        // Ten followers per receiver host, all sharing its inbox.
        let inboxes: Vec<String> =
            (0..FOLLOWERS).map(|i| format!("http://127.0.0.1:{}/inbox", receivers.ports[i % INBOXES])).collect();
        let id = format!("http://bench.local/users/alice/statuses/{}/activity", db::new_id());
        let activity = json!({"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": "Create",
            "actor": urls.actor("alice"), "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {"id": format!("{id}/object"), "type": "Note", "content": "<p>Bench</p>"}});

        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(deliverer.run(stopped));
        let cpu_before = cpu_seconds();
        let t0 = unix_ms();
        let started = Instant::now();
        {
            let mut conn = pool.get().await.unwrap();
            let queued = delivery::enqueue(&mut conn, &urls, &alice, &id, &activity, inboxes).await.unwrap();
            assert_eq!(queued, INBOXES);
        }
        wake.notify_one();
        let healthy = receivers.healthy();
        let mut last_report = Instant::now();
        while receivers.delivered_healthy() < healthy && started.elapsed() < Duration::from_secs(60) {
            tokio::time::sleep(Duration::from_millis(10)).await;
            if last_report.elapsed() > Duration::from_secs(1) {
                println!("  progress: {}/{healthy} healthy inboxes served", receivers.delivered_healthy());
                last_report = Instant::now();
            }
        }
        let total = started.elapsed();
        let cpu = cpu_seconds() - cpu_before;
        let mut latencies: Vec<u128> = receivers.first_receipts().into_iter().map(|t| t.saturating_sub(t0)).collect();
        latencies.sort_unstable();
        let pct = |p: f64| latencies.get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or(0);
        let served = latencies.len();
        let rate = served as f64 / total.as_secs_f64();
        println!("  healthy inboxes served:     {served}/{healthy}");
        println!("  total time:                 {:.3} s", total.as_secs_f64());
        println!("  deliveries per second:      {rate:.0}");
        println!("  latency p50 / p99 / max:    {} / {} / {} ms", pct(0.5), pct(0.99), pct(1.0));
        println!("  CPU seconds (sender):       {cpu:.2}");
        println!("  duplicates:                 {}", receivers.duplicates());
        println!("  ratio to sign rate:         {:.2} (deliveries/s ÷ one core's RSA-2048 signs/s)", rate / signs);
        let _ = stop.send(true);
        // Requests to dead inboxes are abandoned at their timeout; don't wait for them.
        worker.abort();
        receivers.stop();
        // Leave no deliveries behind for the next scenario.
        let mut conn = pool.get().await.unwrap();
        diesel::sql_query("DELETE FROM deliveries").execute(&mut conn).await.unwrap();
        diesel::sql_query("DELETE FROM delivery_hosts").execute(&mut conn).await.unwrap();
    }
}

/// The receivers run in a child process, so the sender's CPU time is its own.
struct Receivers {
    child: std::process::Child,
    ports: Vec<u16>,
    dead: std::collections::HashSet<u16>,
    receipts: Arc<Mutex<HashMap<u16, Vec<u128>>>>,
}

impl Receivers {
    fn start(n: usize, dead_fraction: f64) -> Receivers {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--receivers", &n.to_string(), "--dead", &dead_fraction.to_string()])
            .stdout(Stdio::piped())
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let header: serde_json::Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
        let ports: Vec<u16> = serde_json::from_value(header["ports"].clone()).unwrap();
        let dead: std::collections::HashSet<u16> = serde_json::from_value(header["dead"].clone()).unwrap();
        let receipts = Arc::new(Mutex::new(HashMap::<u16, Vec<u128>>::new()));
        let r2 = receipts.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut parts = line.split_whitespace();
                if let (Some(port), Some(at)) = (parts.next(), parts.next()) {
                    r2.lock().unwrap().entry(port.parse().unwrap()).or_default().push(at.parse().unwrap());
                }
            }
        });
        Receivers { child, ports, dead, receipts }
    }

    fn healthy(&self) -> usize {
        self.ports.len() - self.dead.len()
    }

    fn delivered_healthy(&self) -> usize {
        self.receipts.lock().unwrap().len()
    }

    fn first_receipts(&self) -> Vec<u128> {
        self.receipts.lock().unwrap().values().filter_map(|v| v.iter().min().copied()).collect()
    }

    fn duplicates(&self) -> usize {
        self.receipts.lock().unwrap().values().map(|v| v.len() - 1).sum()
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Child process: N listeners; healthy ones answer 202 after 50 ms and print
/// "port unix_ms" per request; dead ones accept and never answer.
fn receivers_process() {
    raise_fd_limit();
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().position(|a| a == name).map(|i| args[i + 1].clone()).unwrap();
    let n: usize = arg("--receivers").parse().unwrap();
    let dead_fraction: f64 = arg("--dead").parse().unwrap();
    let listeners: Vec<std::net::TcpListener> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().unwrap().port()).collect();
    let dead_count = (n as f64 * dead_fraction).round() as usize;
    // Spread the dead ones evenly.
    let dead: Vec<u16> = (0..dead_count).map(|i| ports[i * n / dead_count.max(1)]).collect();
    println!("{}", json!({"ports": ports, "dead": dead}));
    std::io::stdout().flush().unwrap();
    let dead: std::collections::HashSet<u16> = dead.into_iter().collect();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    rt.block_on(async move {
        let out = Arc::new(Mutex::new(std::io::stdout()));
        for listener in listeners {
            listener.set_nonblocking(true).unwrap();
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let port = listener.local_addr().unwrap().port();
            let is_dead = dead.contains(&port);
            let out = out.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((socket, _)) = listener.accept().await else { continue };
                    let out = out.clone();
                    tokio::spawn(serve_connection(socket, port, is_dead, out));
                }
            });
        }
        std::future::pending::<()>().await;
    });
}

/// A minimal HTTP/1.1 keep-alive responder: reads a request head and its
/// Content-Length body, then answers.
async fn serve_connection(mut socket: tokio::net::TcpStream, port: u16, dead: bool, out: Arc<Mutex<std::io::Stdout>>) {
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
            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 8192];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        }
        buf.drain(..head_end + len);
        if dead {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(LATENCY_MS)).await;
        {
            let mut out = out.lock().unwrap();
            let _ = writeln!(out, "{port} {}", unix_ms());
            let _ = out.flush();
        }
        if socket.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n").await.is_err() {
            return;
        }
    }
}
