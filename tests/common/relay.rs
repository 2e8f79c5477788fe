//! activityrelay (PyPI's `activityrelay`, the relay many Mastodon instances use),
//! run as its own process for tests/relays.rs. tests/relays/setup.sh installs it;
//! it speaks plain HTTP on 127.0.0.1 and is reached at https://DOMAIN through the
//! test's TLS terminator (common/tls.rs).

use std::{
    io::Write,
    os::unix::process::CommandExt,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct ActivityRelay {
    child: Child,
    pub port: u16,
    pub domain: String,
    dir: tempfile::TempDir,
}

fn venv() -> String {
    std::env::var("STAFFROOM_RELAY_VENV").unwrap_or_else(|_| "/tmp/staffroom-relay-venv".into())
}

impl ActivityRelay {
    /// Sets up a fresh relay for `domain` (its own SQLite database) and starts it,
    /// trusting `ca_file` for the https requests it makes.
    pub async fn start(domain: &str, ca_file: &Path) -> ActivityRelay {
        let bin = format!("{}/bin/activityrelay", venv());
        assert!(
            Path::new(&bin).exists(),
            "{bin} is missing: run tests/relays/setup.sh (scripts/test does)"
        );
        let dir = tempfile::tempdir().unwrap();
        let port = super::free_port();
        let config = dir.path().join("relay.yaml");
        std::fs::write(
            &config,
            format!(
                "listen: 127.0.0.1\nport: {port}\ndomain: {domain}\nworkers: 1\ndb_type: sqlite\nca_type: database\nsq_path: relay.sqlite3\n"
            ),
        )
        .unwrap();
        let mut setup = Command::new(&bin)
            .arg("-c")
            .arg(&config)
            .args(["setup", "--skip-questions"])
            .current_dir(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("activityrelay setup starts");
        // It asks whether to run at once: no, it is started below.
        setup.stdin.take().unwrap().write_all(b"n\n").unwrap();
        let out = setup.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "activityrelay setup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let log = std::fs::File::create(dir.path().join("run.log")).unwrap();
        let child = Command::new(&bin)
            .arg("-c")
            .arg(&config)
            .arg("run")
            .current_dir(dir.path())
            .env("SSL_CERT_FILE", ca_file)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            // Its own process group: its worker processes go with it.
            .process_group(0)
            .spawn()
            .expect("activityrelay starts");
        let relay = ActivityRelay {
            child,
            port,
            domain: domain.to_string(),
            dir,
        };
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let answered = reqwest::Client::new()
                .get(format!("http://127.0.0.1:{port}/actor"))
                .header("Host", domain)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if answered {
                break;
            }
            assert!(
                Instant::now() < until,
                "activityrelay did not answer within 60 s:\n{}",
                relay.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        relay
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("run.log")).unwrap_or_default()
    }

    pub fn actor(&self) -> String {
        format!("https://{}/actor", self.domain)
    }

    pub fn inbox(&self) -> String {
        format!("https://{}/inbox", self.domain)
    }

    /// The actors subscribed to the relay (its `followers` collection), asked directly.
    pub async fn subscribers(&self) -> Vec<String> {
        let res = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{}/followers", self.port))
            .header("Host", &self.domain)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .expect("the relay answers");
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for ActivityRelay {
    fn drop(&mut self) {
        let pgid = self.child.id() as i32;
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}
