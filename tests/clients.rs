//! Mastodon client libraries we did not write — Mastodon.py (Python) and masto
//! (JavaScript) — drive two real `staffroom serve` processes: they register apps,
//! sign in with OAuth, post, follow a teacher on the other server and read the home
//! timeline; and Mastodon.py runs the admin API as a moderator's and an admin's app
//! would (sign-up approval, the report queue, moderation, domain blocks). The
//! scripts live in tests/clients/; tests/clients/setup.sh installs the
//! pinned libraries (scripts/test runs it first).

mod common;

use common::{staffroom_command, ServeProcess, TestDb};
use std::{io::Write, process::Stdio};

const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");

struct Server {
    _db: TestDb,
    _data: tempfile::TempDir,
    server: ServeProcess,
    vars: Vec<(String, String)>,
}

impl Server {
    async fn start() -> Server {
        let db = TestDb::new().await;
        let data = tempfile::tempdir().unwrap();
        let domain = format!("127.0.0.1:{}", common::free_port());
        let vars: Vec<(String, String)> = [
            ("DATABASE_URL", db.url.as_str()),
            ("STAFFROOM_DOMAIN", &domain),
            ("STAFFROOM_BIND", &domain),
            ("STAFFROOM_DEV", "true"),
            ("STAFFROOM_DATA_DIR", data.path().to_str().unwrap()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let mut cmd = staffroom_command(&[]);
        cmd.envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("serve");
        Server {
            _db: db,
            _data: data,
            server: ServeProcess::start(cmd),
            vars,
        }
    }

    /// A teacher with a password, made the way an administrator does.
    fn teacher(&self, name: &str, password: &str) {
        let mut cmd = staffroom_command(&[]);
        cmd.envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut child = cmd
            .args(["user", "add", name, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "user add {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Server {
    /// Runs `staffroom ARGS` against this server's database; must succeed.
    fn staffroom(&self, args: &[&str]) {
        let mut cmd = staffroom_command(&[]);
        let out = cmd
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "staffroom {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Two servers with a teacher each, and the environment the client scripts read.
async fn two_servers() -> (Server, Server, Vec<(String, String)>) {
    let (a, b) = (Server::start().await, Server::start().await);
    a.teacher("alice", "alice-password-1");
    b.teacher("bob", "bob-password-22");
    let env = vars(&[
        ("STAFFROOM_A", a.server.address.as_str()),
        ("STAFFROOM_B", b.server.address.as_str()),
        ("A_USER", "alice"),
        ("A_PASSWORD", "alice-password-1"),
        ("B_USER", "bob"),
        ("B_PASSWORD", "bob-password-22"),
    ]);
    (a, b, env)
}

/// The environment a client script reads.
fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Runs a client script; on failure shows its output (which names the failed step) and the servers' logs.
fn run(mut cmd: std::process::Command, env: &[(String, String)], servers: &[&Server]) {
    let out = cmd
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(CLIENTS)
        .output()
        .expect("the client script starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !stdout.contains("all steps passed") {
        let tail = |text: &str, lines: usize| {
            text.lines()
                .rev()
                .take(lines)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        };
        let logs: Vec<String> = servers
            .iter()
            .map(|s| tail(&s.server.log_text(), 40))
            .collect();
        panic!(
            "the client failed.\n--- stdout\n{stdout}\n--- stderr (end)\n{}\n--- server logs (end)\n{}",
            tail(&stderr, 60),
            logs.join("\n---\n")
        );
    }
}

/// tests/clients/setup.sh installs once and prints the venv (a no-op when scripts/test already ran it).
fn venv() -> String {
    let out = std::process::Command::new(format!("{CLIENTS}/setup.sh"))
        .output()
        .expect("tests/clients/setup.sh runs (bash, python3, npm)");
    assert!(
        out.status.success(),
        "tests/clients/setup.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_signs_in_posts_and_follows_across_servers() {
    let python = format!("{}/bin/python", venv());
    let (a, b, env) = two_servers().await;
    let mut cmd = std::process::Command::new(python);
    cmd.arg("mastodon_py.py")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    tokio::task::spawn_blocking(move || run(cmd, &env, &[&a, &b]))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn masto_js_signs_in_posts_and_follows_across_servers() {
    venv();
    let (a, b, env) = two_servers().await;
    let mut cmd = std::process::Command::new("node");
    cmd.arg("masto.mjs");
    tokio::task::spawn_blocking(move || run(cmd, &env, &[&a, &b]))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_runs_the_admin_api_for_a_moderator_and_an_admin() {
    let python = format!("{}/bin/python", venv());
    let a = Server::start().await;
    a.teacher("mona", "mona-password-1");
    a.teacher("adam", "adam-password-1");
    a.teacher("spammer", "spammer-password-1");
    a.staffroom(&["user", "role", "mona", "moderator"]);
    a.staffroom(&["user", "role", "adam", "admin"]);
    a.staffroom(&["settings", "set", "registrations", "approval"]);
    let env: Vec<(String, String)> = [
        ("STAFFROOM_A", a.server.address.as_str()),
        ("A_USER", "mona"),
        ("A_PASSWORD", "mona-password-1"),
        ("ADMIN_USER", "adam"),
        ("ADMIN_PASSWORD", "adam-password-1"),
        ("B_USER", "spammer"),
        ("B_PASSWORD", "spammer-password-1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut cmd = std::process::Command::new(python);
    cmd.arg("mastodon_py_admin.py")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    tokio::task::spawn_blocking(move || run(cmd, &env, &[&a]))
        .await
        .unwrap();
}

/// Issue 14: an image with alt text posted through Mastodon.py reaches the other
/// server with its alt text, blurhash and size; the served file, read back with
/// Pillow, has no EXIF or GPS; hostile files are refused.
#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_posts_an_image_with_alt_text_across_servers() {
    let python = format!("{}/bin/python", venv());
    let (a, b, env) = two_servers().await;
    let mut cmd = std::process::Command::new(python);
    cmd.arg("mastodon_py_media.py")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    tokio::task::spawn_blocking(move || run(cmd, &env, &[&a, &b]))
        .await
        .unwrap();
}

/// Issue 15: Mastodon.py keeps an exclusive list (its posts in the list, not at home)
/// and filters (v2 and v1 on the same keywords), as an app would.
#[tokio::test(flavor = "multi_thread")]
async fn mastodon_py_keeps_lists_and_filters() {
    let python = format!("{}/bin/python", venv());
    let a = Server::start().await;
    a.teacher("alice", "alice-password-1");
    a.teacher("bob", "bob-password-22");
    let env = vars(&[
        ("STAFFROOM_A", a.server.address.as_str()),
        // mastodon_py.py (whose helpers the script uses) reads it; one server is enough here.
        ("STAFFROOM_B", a.server.address.as_str()),
        ("A_USER", "alice"),
        ("A_PASSWORD", "alice-password-1"),
        ("B_USER", "bob"),
        ("B_PASSWORD", "bob-password-22"),
    ]);
    let mut cmd = std::process::Command::new(python);
    cmd.arg("mastodon_py_lists.py")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    tokio::task::spawn_blocking(move || run(cmd, &env, &[&a]))
        .await
        .unwrap();
}
