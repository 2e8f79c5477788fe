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

/// A release `staffroom serve` of its own, on a free port, talking to `db_url`.
#[allow(dead_code)]
pub struct Server {
    pub child: std::process::Child,
    /// `127.0.0.1:PORT`, also its public domain.
    pub domain: String,
    data: std::path::PathBuf,
}

#[allow(dead_code)]
impl Server {
    /// Starts it with `extra` settings and waits until it answers `/health`.
    pub async fn start(db_url: &str, extra: &[(&str, &str)]) -> Server {
        use std::io::{BufRead, BufReader};
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let domain = format!("127.0.0.1:{port}");
        let data = std::env::temp_dir().join(format!("staffroom-bench-{port}"));
        let bin = std::env::var("STAFFROOM_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_staffroom").to_string());
        let mut child = std::process::Command::new(&bin)
            .arg("serve")
            .env("DATABASE_URL", db_url)
            .env("STAFFROOM_DOMAIN", &domain)
            .env("STAFFROOM_BIND", &domain)
            .env("STAFFROOM_DATA_DIR", &data)
            .env("STAFFROOM_DEV", "true")
            .env("RUST_LOG", "warn,staffroom=warn")
            .env("STAFFROOM_LOG_FORMAT", "json")
            .envs(extra.iter().copied())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run scripts/bench, which builds the release staffroom binary");
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || for _ in BufReader::new(stderr).lines() {});
        let client = reqwest::Client::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while client.get(format!("http://{domain}/health")).send().await.is_err() {
            assert!(std::time::Instant::now() < deadline, "the server did not start");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Server { child, domain, data }
    }

    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}
