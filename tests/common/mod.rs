//! The test rig: a fresh database per test, the real server on a free port, and the
//! real `staffroom` binary for command-line tests.
#![allow(dead_code)]

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use staffroom::{config::Settings, startup::Application};
use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

/// The server tests create their databases on. `scripts/test` starts one and sets
/// this; otherwise the usual local server is assumed.
pub fn admin_database_url() -> String {
    std::env::var("STAFFROOM_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database of its own for one test, dropped when the test ends.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let admin = admin_database_url();
        let name = format!("staffroom_test_{}", staffroom::db::new_id());
        let mut conn = AsyncPgConnection::establish(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at STAFFROOM_TEST_DATABASE_URL ({e}); run the tests with scripts/test"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let mut url = url::Url::parse(&admin).expect("test database URL");
        url.set_path(&format!("/{name}"));
        TestDb {
            name,
            url: url.to_string(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any runtime we may use: give the cleanup its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut conn) = AsyncPgConnection::establish(&admin_database_url()).await {
                    let _ =
                        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                            .execute(&mut conn)
                            .await;
                }
            });
        })
        .join();
    }
}

/// A port that was free a moment ago, so ids can carry the port the server listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn settings(vars: &[(&str, &str)]) -> Settings {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::load_with(None, |name| vars.get(name).cloned()).expect("test settings")
}

/// Whether building the application failed because its port was taken meanwhile.
fn port_taken(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::AddrInUse)
    })
}

/// The real application, serving HTTP on 127.0.0.1 in this process.
pub struct TestApp {
    pub address: String,
    pub domain: String,
    pub db: TestDb,
    pub client: reqwest::Client,
    pub pool: staffroom::db::DbPool,
    pub ctx: staffroom::context::AppContext,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// With extra settings, e.g. fast delivery retries.
    pub async fn spawn_with(extra: &[(&str, &str)]) -> TestApp {
        let db = TestDb::new().await;
        let data_dir = tempfile::tempdir().unwrap().keep();
        // `free_port` lets the port go before the server binds it, so a test running
        // beside this one can take it in between: then another port is tried.
        let mut attempts = 0;
        let (app, port, domain) = loop {
            attempts += 1;
            let port = free_port();
            let domain = format!("127.0.0.1:{port}");
            let mut vars: Vec<(&str, &str)> = vec![
                ("STAFFROOM_DOMAIN", &domain),
                ("STAFFROOM_BIND", &domain),
                ("DATABASE_URL", &db.url),
                ("STAFFROOM_DATA_DIR", data_dir.to_str().unwrap()),
                ("STAFFROOM_DEV", "true"),
                ("STAFFROOM_DB_POOL_SIZE", "8"),
            ];
            vars.extend_from_slice(extra);
            match Application::build(settings(&vars), &db.url).await {
                Ok(app) => break (app, port, domain),
                Err(e) if attempts < 5 && port_taken(&e) => continue,
                Err(e) => panic!("application builds: {e:?}"),
            }
        };
        let handle = app.handle();
        let ctx = app.context().clone();
        tokio::spawn(app.run_until_stopped());
        let pool = staffroom::db::build_pool(&db.url, 2).unwrap();
        TestApp {
            address: format!("http://127.0.0.1:{port}"),
            domain,
            db,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            pool,
            ctx,
            handle,
        }
    }

    pub async fn create_user(&self, name: &str) -> staffroom::services::accounts::CreatedUser {
        staffroom::services::accounts::create_local_user(
            &self.pool,
            staffroom::services::accounts::NewUser {
                username: name.into(),
                display_name: Some(format!("{name} (teacher)")),
                password: None,
                admin: false,
            },
        )
        .await
        .expect("user created")
    }

    pub async fn get(&self, path: &str, accept: Option<&str>) -> reqwest::Response {
        let mut req = self.client.get(format!("{}{path}", self.address));
        if let Some(accept) = accept {
            req = req.header("Accept", accept);
        }
        req.send().await.expect("request sent")
    }

    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }

    /// Runs `staffroom ARGS` on this server's database, as an admin would; it must
    /// succeed. Its standard output.
    pub fn cli_ok(&self, args: &[&str]) -> String {
        let vars = [
            ("DATABASE_URL", self.db.url.as_str()),
            ("STAFFROOM_DOMAIN", self.domain.as_str()),
            ("STAFFROOM_DEV", "true"),
        ];
        let out = staffroom_command(&vars)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("staffroom runs");
        assert!(
            out.status.success(),
            "staffroom {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }
}

pub fn staffroom_bin() -> &'static str {
    env!("CARGO_BIN_EXE_staffroom")
}

/// The `staffroom` binary with a clean environment: only what the test passes.
pub fn staffroom_command(vars: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(staffroom_bin());
    cmd.env_clear();
    for keep in ["PATH", "HOME", "TMPDIR"] {
        if let Ok(v) = std::env::var(keep) {
            cmd.env(keep, v);
        }
    }
    cmd.envs(vars.iter().copied());
    cmd
}

/// A `staffroom serve` process; killed if the test forgets to stop it.
pub struct ServeProcess {
    pub child: Child,
    pub address: String,
    pub log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl ServeProcess {
    /// Starts `serve` and waits for its "listening" line (JSON logs).
    pub fn start(mut cmd: Command) -> ServeProcess {
        cmd.env("STAFFROOM_LOG_FORMAT", "json")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .stdin(Stdio::null());
        let mut child = cmd.spawn().expect("serve starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log2 = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) {
                    if v["message"] == "listening" {
                        let _ = tx.send(v["address"].as_str().unwrap_or_default().to_string());
                    }
                }
                log2.lock().unwrap().push(line);
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => ServeProcess {
                child,
                address,
                log,
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "serve did not start listening:\n{}",
                    log.lock().unwrap().join("\n")
                );
            }
        }
    }

    pub fn terminate(&mut self) -> std::process::ExitStatus {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "serve did not stop within 30 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// PostgreSQL server processes whose command line mentions `dir`.
pub fn postgres_processes_under(dir: &Path) -> Vec<String> {
    let needle = dir.to_string_lossy().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains("postgres") && cmdline.contains(&needle) {
            found.push(cmdline);
        }
    }
    found
}

/// A plain blocking GET for tests that drive processes from synchronous code.
pub fn http_get(url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let url = url::Url::parse(url).unwrap();
    let addr = format!(
        "{}:{}",
        url.host_str().unwrap(),
        url.port_or_known_default().unwrap()
    );
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let target = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    write!(
        stream,
        "GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        url.authority()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
pub mod api;
pub mod browser;
pub mod fedify;
pub mod media;
pub mod receiver;
pub mod relay;
pub mod remote;
pub mod s3;
pub mod sse;
pub mod tls;
pub mod web_server;

/// A public post of `text`, as most tests make one.
pub fn public_post(text: &str) -> staffroom::services::statuses::NewPost {
    staffroom::services::statuses::NewPost {
        text: text.into(),
        visibility: staffroom::db::statuses::Visibility::Public,
        in_reply_to: None,
        spoiler_text: String::new(),
        sensitive: false,
        language: None,
    }
}

/// What a check passed to [`eventually`] answers: `true`/`false`, or `Some(value)`
/// once what it waits for is there.
pub trait Settled {
    type Value;
    fn settled(self) -> Option<Self::Value>;
}

impl Settled for bool {
    type Value = ();
    fn settled(self) -> Option<()> {
        self.then_some(())
    }
}

impl<T> Settled for Option<T> {
    type Value = T;
    fn settled(self) -> Option<T> {
        self
    }
}

/// Polls `check` until it holds (or gives a value), and panics naming `what` (said
/// as "… waiting until {what}") if it still does not after `deadline`. This is how tests wait for something another
/// task or process does: never a fixed sleep.
pub async fn eventually<F, Fut>(
    deadline: Duration,
    what: &str,
    mut check: F,
) -> <Fut::Output as Settled>::Value
where
    F: FnMut() -> Fut,
    Fut: std::future::Future,
    Fut::Output: Settled,
{
    let until = std::time::Instant::now() + deadline;
    loop {
        if let Some(value) = check().await.settled() {
            return value;
        }
        assert!(
            std::time::Instant::now() < until,
            "timed out after {deadline:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Deliveries still waiting in the outgoing queue of the server on `database_url`
/// (a delivery leaves the queue only once it was answered or given up on).
pub async fn pending_deliveries(database_url: &str) -> i64 {
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .expect("connect to the server's database");
    staffroom::db::deliveries::figures(&mut conn)
        .await
        .expect("queue figures")
        .pending
}

/// Waits until the server on `database_url` has sent everything it had queued. What
/// it sends after this was queued after this: the ordering a "nothing was sent"
/// check needs.
pub async fn queue_drained(database_url: &str) {
    eventually(
        Duration::from_secs(20),
        "the delivery queue is empty",
        || async { pending_deliveries(database_url).await == 0 },
    )
    .await;
}
pub mod mail;
pub mod nodes;

/// `follower`, a teacher on `from`, follows `username` on `to` (found by WebFinger)
/// and waits until `to` accepted: what a test of delivery between two instances
/// starts with. The followed account as `from` knows it.
pub async fn follow_across(
    from: &TestApp,
    follower: &staffroom::db::accounts::Account,
    username: &str,
    to: &TestApp,
) -> staffroom::db::accounts::Account {
    let followed = staffroom::federation::fetch::webfinger(&from.ctx, username, &to.domain)
        .await
        .expect("the account is found by WebFinger");
    staffroom::services::follows::follow(&from.ctx, follower, &followed)
        .await
        .expect("the follow is sent");
    eventually(
        Duration::from_secs(30),
        &format!("{username}'s server accepted the follow"),
        || async {
            let mut conn = from.pool.get().await.unwrap();
            staffroom::db::follows::Follow::find(&mut conn, follower.id, followed.id)
                .await
                .unwrap()
                .is_some_and(|f| f.accepted)
        },
    )
    .await;
    followed
}

/// The ActivityPub document at `uri`, as another server reads it.
pub async fn ap_document(app: &TestApp, uri: &str) -> serde_json::Value {
    app.client
        .get(uri)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("request sent")
        .json()
        .await
        .expect("a JSON document")
}
