//! What the benchmarks share: a database of their own on the server that
//! `STAFFROOM_TEST_DATABASE_URL` names (scripts/bench sets it), dropped afterwards;
//! a real `staffroom serve` process and the `staffroom` command line; CPU accounting.

#![allow(dead_code)]

pub mod dataset;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

/// Runs `bench` with the URL of a fresh database, and drops the database after it,
/// even when the benchmark panics.
pub async fn with_database<F, Fut>(bench: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use diesel_async::RunQueryDsl;
    let admin = std::env::var("STAFFROOM_TEST_DATABASE_URL")
        .expect("set STAFFROOM_TEST_DATABASE_URL (scripts/bench does)");
    let name = format!("staffroom_bench_{}", staffroom::db::new_id());
    let mut admin_conn = AsyncPgConnection::establish(&admin)
        .await
        .expect("database reachable");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin_conn)
        .await
        .unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&format!("/{name}"));
    let outcome = tokio::spawn(bench(url.to_string())).await;
    // To look at plans afterwards: the data set is slow to seed.
    if std::env::var_os("STAFFROOM_BENCH_KEEP_DATABASE").is_some() {
        println!("Database kept (STAFFROOM_BENCH_KEEP_DATABASE): {url}");
    } else {
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin_conn)
            .await
            .unwrap();
    }
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

fn binary() -> String {
    std::env::var("STAFFROOM_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_staffroom").to_string())
}

/// Runs `staffroom ARGS` against `db_url` and returns what it printed.
pub fn staffroom(db_url: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(binary())
        .args(args)
        .env("DATABASE_URL", db_url)
        .env("STAFFROOM_DOMAIN", "bench.local")
        .output()
        .expect("run scripts/bench, which builds the release staffroom binary");
    assert!(
        out.status.success(),
        "staffroom {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// An API token for `user`, made as an administrator would: `staffroom token create`.
pub fn token(db_url: &str, user: &str, scopes: &str) -> String {
    staffroom(db_url, &["token", "create", user, "--scopes", scopes])
}

/// A release `staffroom serve` of its own, on a free port, talking to `db_url`.
/// It logs as `serve` does unless `extra` says otherwise: `RUST_LOG` unset (info),
/// text lines on standard error, which are read (and counted) as a terminal or
/// journald would.
pub struct Server {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT`, also its public domain.
    pub domain: String,
    data: std::path::PathBuf,
    log_lines: Arc<AtomicU64>,
}

impl Server {
    /// Starts it with `extra` settings and waits until it answers `/health`.
    pub async fn start(db_url: &str, extra: &[(&str, &str)]) -> Server {
        use std::io::{BufRead, BufReader};
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let domain = format!("127.0.0.1:{port}");
        let data = std::env::temp_dir().join(format!("staffroom-bench-{port}"));
        let mut child = std::process::Command::new(binary())
            .arg("serve")
            .env_remove("RUST_LOG")
            .env_remove("STAFFROOM_LOG_FORMAT")
            .env("DATABASE_URL", db_url)
            .env("STAFFROOM_DOMAIN", &domain)
            .env("STAFFROOM_BIND", &domain)
            .env("STAFFROOM_DATA_DIR", &data)
            .env("STAFFROOM_DEV", "true")
            .envs(extra.iter().copied())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run scripts/bench, which builds the release staffroom binary");
        let stderr = child.stderr.take().unwrap();
        let log_lines = Arc::new(AtomicU64::new(0));
        let counter = log_lines.clone();
        std::thread::spawn(move || {
            for _ in BufReader::new(stderr).lines() {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        let client = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while client
            .get(format!("http://{domain}/health"))
            .send()
            .await
            .is_err()
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the server did not start"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Server {
            child,
            domain,
            data,
            log_lines,
        }
    }

    /// Lines the server has logged so far.
    pub fn log_lines(&self) -> u64 {
        self.log_lines.load(Ordering::Relaxed)
    }

    /// CPU seconds the server has used so far.
    pub fn cpu(&self) -> f64 {
        process_cpu(self.child.id())
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// CPU seconds used so far by a process (user + system), from /proc.
pub fn process_cpu(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// Resident memory of a process, in MB.
pub fn rss_mb(pid: u32) -> f64 {
    proc_status_mb(pid, "VmRSS:")
}

/// The most resident memory a process has had since it started or since
/// `reset_peak_rss`, in MB.
pub fn peak_rss_mb(pid: u32) -> f64 {
    proc_status_mb(pid, "VmHWM:")
}

/// Starts `peak_rss_mb` over from the current RSS (Linux's `clear_refs` 5).
pub fn reset_peak_rss(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

fn proc_status_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// CPU seconds of every PostgreSQL process on the machine.
pub fn postgres_cpu() -> f64 {
    let mut total = 0.0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if comm.trim() == "postgres" {
            total += process_cpu(pid);
        }
    }
    total
}

/// The `p` quantile (0..=1) of sorted values; nearest rank.
pub fn percentile<T: Copy>(sorted: &[T], p: f64) -> T {
    sorted[((sorted.len() as f64 * p).ceil() as usize)
        .saturating_sub(1)
        .min(sorted.len() - 1)]
}

/// The machine's load averages, as `uptime` shows them: the figures of a busy machine
/// are not those of an idle one.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A benchmark's scale: `STAFFROOM_BENCH_SCALE=0.1` runs a tenth of the work, for a
/// quick check that a benchmark works (its figures are then not the published ones).
pub fn scale() -> f64 {
    std::env::var("STAFFROOM_BENCH_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s: &f64| *s > 0.0)
        .unwrap_or(1.0)
}
