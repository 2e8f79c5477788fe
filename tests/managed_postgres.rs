//! The managed database, end to end: no DATABASE_URL, the real binary, the system's
//! PostgreSQL programs, and nothing left running afterwards.

mod common;

use common::{postgres_processes_under, staffroom_command, ServeProcess};
use std::{path::Path, process::Command};

/// Stops any cluster a failed test left behind, so a red test does not leak processes.
struct DataDir(tempfile::TempDir);

impl DataDir {
    fn new() -> DataDir {
        DataDir(
            tempfile::Builder::new()
                .prefix("sr")
                .tempdir_in("/tmp")
                .unwrap(),
        )
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
    fn vars(&self) -> Vec<(&'static str, String)> {
        vec![(
            "STAFFROOM_DATA_DIR",
            self.path().to_str().unwrap().to_string(),
        )]
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = staffroom_command(&[("STAFFROOM_DATA_DIR", self.path().to_str().unwrap())])
            .args(["db", "stop"])
            .output();
    }
}

fn command(dir: &DataDir, extra: &[(&str, &str)]) -> Command {
    let vars: Vec<(&str, String)> = dir.vars();
    let mut cmd = staffroom_command(&[]);
    for (k, v) in &vars {
        cmd.env(k, v);
    }
    cmd.envs(extra.iter().copied());
    cmd
}

fn ok(mut cmd: Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn serve_runs_its_own_database_and_stops_it() {
    let dir = DataDir::new();
    // Commands start the cluster for themselves and stop it again.
    let mut add = command(&dir, &[]);
    add.args(["user", "add", "alice"]);
    assert!(ok(add).contains("Password: "));
    assert!(
        postgres_processes_under(dir.path()).is_empty(),
        "a command leaves no database running"
    );
    assert!(
        dir.path().join("postgres/PG_VERSION").exists(),
        "the cluster lives under the data dir"
    );

    let port = common::free_port();
    let domain = format!("127.0.0.1:{port}");
    let mut serve = command(
        &dir,
        &[
            ("STAFFROOM_DOMAIN", &domain),
            ("STAFFROOM_BIND", &domain),
            ("STAFFROOM_DEV", "true"),
        ],
    );
    serve.arg("serve");
    let mut server = ServeProcess::start(serve);
    assert!(!postgres_processes_under(dir.path()).is_empty());

    let get = |path: &str| common::http_get(&format!("{}{path}", server.address));
    let (status, body) = get(&format!(
        "/.well-known/webfinger?resource=acct:alice@{domain}"
    ));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&format!("http://{domain}/users/alice")));

    // While serve runs, other commands share its database and leave it running.
    let mut add = command(&dir, &[]);
    add.args(["user", "add", "bob"]);
    ok(add);
    let (status, _) = get(&format!(
        "/.well-known/webfinger?resource=acct:bob@{domain}"
    ));
    assert_eq!(status, 200);
    assert_eq!(get("/health").0, 200);

    // A second server on the same data dir refuses, naming the first.
    let mut second = command(
        &dir,
        &[
            ("STAFFROOM_DOMAIN", "other.example"),
            ("STAFFROOM_BIND", "127.0.0.1:0"),
        ],
    );
    second.arg("serve");
    let out = second.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already running") && err.contains(&server.child.id().to_string()),
        "{err}"
    );
    assert_eq!(get("/health").0, 200, "the first server is untouched");

    let status = server.terminate();
    assert!(
        status.success(),
        "serve exits cleanly on SIGTERM: {}",
        server.log_text()
    );
    assert!(server.log_text().contains("managed PostgreSQL stopped"));
    assert!(
        postgres_processes_under(dir.path()).is_empty(),
        "no PostgreSQL process is left"
    );
}

#[test]
fn missing_postgres_programs_name_the_package() {
    let dir = DataDir::new();
    let empty = tempfile::tempdir().unwrap();
    let mut list = command(
        &dir,
        &[("STAFFROOM_PG_BIN_DIR", empty.path().to_str().unwrap())],
    );
    list.args(["user", "list"]);
    let out = list.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("apt-get install postgresql") && err.contains("DATABASE_URL"),
        "{err}"
    );
}

/// Started as root, the cluster runs as an unprivileged user; started as an ordinary
/// user, as that user. When the tests run as root, both paths are exercised.
#[test]
fn an_ordinary_user_can_run_the_managed_database() {
    let is_root = unsafe { libc::geteuid() } == 0;
    let dir = DataDir::new();
    // As root, every command runs as nobody, who owns the data dir.
    let as_ordinary_user = |args: &[&str]| {
        let mut cmd = command(&dir, &[]);
        cmd.args(args);
        if is_root {
            let nobody = unsafe { libc::getpwnam(c"nobody".as_ptr()) };
            assert!(!nobody.is_null());
            let (uid, gid) = unsafe { ((*nobody).pw_uid, (*nobody).pw_gid) };
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
            std::os::unix::process::CommandExt::uid(&mut cmd, uid);
            std::os::unix::process::CommandExt::gid(&mut cmd, gid);
            cmd.env("HOME", "/tmp");
        }
        cmd
    };
    ok(as_ordinary_user(&["user", "add", "teacher"]));
    let owner = std::os::unix::fs::MetadataExt::uid(
        &std::fs::metadata(dir.path().join("postgres")).unwrap(),
    );
    assert_ne!(owner, 0, "PostgreSQL files never belong to root");
    assert!(
        postgres_processes_under(dir.path()).is_empty(),
        "the command left no database running"
    );

    // Control: the same user starts the cluster by hand, and it is seen running; then stops it.
    ok(as_ordinary_user(&["db", "start"]));
    assert!(
        !postgres_processes_under(dir.path()).is_empty(),
        "a started cluster is seen"
    );
    ok(as_ordinary_user(&["db", "stop"]));
    assert!(postgres_processes_under(dir.path()).is_empty());
}
