//! One instance served by real `staffroom serve` processes ("nodes") on one
//! database, as behind a reverse proxy: the same STAFFROOM_DOMAIN, each node its
//! own STAFFROOM_BIND and data directory. The command line runs against the same
//! DATABASE_URL, as an administrator would run it on any machine.

use super::{free_port, remote::RemoteActor, staffroom_command, ServeProcess, TestDb};
use serde_json::{json, Value};

pub struct Instance {
    pub db: TestDb,
    /// The public host, which is node 1's address (no proxy in tests).
    pub domain: String,
    /// The port of node 1, so a restarted node 1 answers at the same address.
    pub port: u16,
    vars: Vec<(String, String)>,
    data_dirs: std::sync::Mutex<Vec<tempfile::TempDir>>,
}

impl Instance {
    pub async fn new(extra: &[(&str, &str)]) -> Instance {
        let db = TestDb::new().await;
        let port = free_port();
        let domain = format!("127.0.0.1:{port}");
        let mut vars: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), db.url.clone()),
            ("STAFFROOM_DOMAIN".into(), domain.clone()),
            ("STAFFROOM_DEV".into(), "true".into()),
            ("STAFFROOM_DB_POOL_SIZE".into(), "4".into()),
        ];
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Instance {
            db,
            domain,
            port,
            vars,
            data_dirs: Default::default(),
        }
    }

    /// Starts a node listening on `port`, with a data directory of its own.
    pub fn start_node(&self, port: u16) -> ServeProcess {
        let data = tempfile::tempdir().unwrap();
        let mut cmd = staffroom_command(&[]);
        cmd.envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("STAFFROOM_BIND", format!("127.0.0.1:{port}"))
            .env("STAFFROOM_DATA_DIR", data.path())
            .arg("serve");
        let node = ServeProcess::start(cmd);
        self.data_dirs.lock().unwrap().push(data);
        node
    }

    pub fn cli(&self, args: &[&str]) -> String {
        let mut cmd = staffroom_command(&[]);
        cmd.envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args);
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "staffroom {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A local teacher and an API token for them.
    pub fn teacher(&self, name: &str) -> String {
        self.cli(&["user", "add", name]);
        self.cli(&["token", "create", name]).trim().to_string()
    }

    /// A teacher's actor id.
    pub fn actor(&self, name: &str) -> String {
        format!("http://{}/users/{name}", self.domain)
    }

    /// `actor` follows the local teacher `name` (its `n`th Follow), through `node`;
    /// the status the node answered.
    pub async fn send_follow(
        &self,
        actor: &RemoteActor,
        node: &ServeProcess,
        name: &str,
        n: u32,
    ) -> u16 {
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#follows/{n}", actor.id()),
            "type": "Follow",
            "actor": actor.id(),
            "object": self.actor(name),
        });
        self.send(actor, node, &follow).await
    }

    /// `actor` sends `activity` to the shared inbox, through `node`; the status it answered.
    pub async fn send(&self, actor: &RemoteActor, node: &ServeProcess, activity: &Value) -> u16 {
        let client = reqwest::Client::new();
        let public_inbox = format!("http://{}/inbox", self.domain);
        let request = actor.signed_post_through(
            &client,
            &public_inbox,
            &node.address,
            &activity.to_string(),
            chrono::Utc::now(),
        );
        client.execute(request).await.unwrap().status().as_u16()
    }
}

/// How many activities of `kind` reached `actor`'s server; for a `Create`, only
/// those whose content contains `text`.
pub fn received(actor: &RemoteActor, kind: &str, text: &str) -> usize {
    let posts = actor.posts.lock().unwrap();
    posts
        .iter()
        .filter(|(_, body)| {
            body["type"] == kind
                && (kind != "Create"
                    || body["object"]["content"]
                        .as_str()
                        .unwrap_or_default()
                        .contains(text))
        })
        .count()
}

/// A client API call through `node`: the status and the JSON answered.
pub async fn api(
    node: &ServeProcess,
    token: &str,
    method: reqwest::Method,
    path: &str,
) -> (u16, Value) {
    let res = reqwest::Client::new()
        .request(method, format!("{}{path}", node.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or_default())
}

/// Posts a public status through `node`'s client API.
pub async fn post_status(node: &ServeProcess, token: &str, text: &str) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/statuses", node.address))
        .bearer_auth(token)
        .json(&json!({ "status": text, "visibility": "public" }))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(status, 200, "posting through {}: {body}", node.address);
    body
}
