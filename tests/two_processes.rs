//! Two Staffroom servers as separate processes with separate databases, driven the
//! way teachers drive them: through the Mastodon client API with tokens made by
//! `staffroom token create`. Everything between them is real HTTP with real
//! signatures through the delivery queue.

mod common;

use common::{eventually, queue_drained, staffroom_command, ServeProcess, TestDb};
use serde_json::{json, Value};
use std::time::Duration;

struct Instance {
    db: TestDb,
    _data: tempfile::TempDir,
    server: ServeProcess,
    domain: String,
    vars: Vec<(String, String)>,
}

impl Instance {
    async fn start() -> Instance {
        let db = TestDb::new().await;
        let data = tempfile::tempdir().unwrap();
        let port = common::free_port();
        let domain = format!("127.0.0.1:{port}");
        let vars: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), db.url.clone()),
            ("STAFFROOM_DOMAIN".into(), domain.clone()),
            ("STAFFROOM_BIND".into(), domain.clone()),
            ("STAFFROOM_DEV".into(), "true".into()),
            (
                "STAFFROOM_DATA_DIR".into(),
                data.path().to_str().unwrap().into(),
            ),
        ];
        let mut cmd = staffroom_command(&[]);
        cmd.envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("serve");
        let server = ServeProcess::start(cmd);
        Instance {
            db,
            _data: data,
            server,
            domain,
            vars,
        }
    }

    fn cli(&self, args: &[&str]) -> String {
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
    fn teacher(&self, name: &str) -> Client {
        self.cli(&["user", "add", name]);
        let token = self.cli(&["token", "create", name]).trim().to_string();
        assert_eq!(
            token.lines().count(),
            1,
            "the token alone on standard output"
        );
        Client {
            base: self.server.address.clone(),
            token,
            http: reqwest::Client::new(),
        }
    }
}

struct Client {
    base: String,
    token: String,
    http: reqwest::Client,
}

impl Client {
    async fn call(&self, method: reqwest::Method, path: &str, form: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(form) = form {
            req = req.json(&form);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    async fn post(&self, path: &str, form: Value) -> Value {
        let (status, body) = self.call(reqwest::Method::POST, path, Some(form)).await;
        assert_eq!(status, 200, "POST {path}: {body}");
        body
    }

    /// Finds `acct` on its server, as an app's search box does.
    async fn resolve(&self, acct: &str) -> String {
        let found = self
            .get(&format!("/api/v2/search?q={acct}&resolve=true"))
            .await;
        found["accounts"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{acct} not found: {found}"))
            .to_string()
    }
}

/// Long enough for a delivery between two servers on a busy machine.
const WAIT: Duration = Duration::from_secs(20);

async fn home_has(client: &Client, needle: &str) -> Option<Value> {
    let home = client.get("/api/v1/timelines/home").await;
    home.as_array()
        .unwrap()
        .iter()
        .find(|s| s["content"].as_str().unwrap_or("").contains(needle))
        .cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_follow_post_reply_like_boost_edit_delete_and_undo() {
    let (a, b) = (Instance::start().await, Instance::start().await);
    let alice = a.teacher("alice");
    let bob = b.teacher("bob");

    // alice finds bob on his server and follows him; both sides agree.
    let bob_id = alice.resolve(&format!("@bob@{}", b.domain)).await;
    let rel = alice
        .post(&format!("/api/v1/accounts/{bob_id}/follow"), json!({}))
        .await;
    assert!(
        rel["following"] == true || rel["requested"] == true,
        "{rel}"
    );
    eventually(WAIT, "alice's follow was accepted", || async {
        alice
            .get(&format!("/api/v1/accounts/relationships?id[]={bob_id}"))
            .await[0]["following"]
            == true
    })
    .await;
    let alice_on_b = bob.resolve(&format!("@alice@{}", a.domain)).await;
    assert_eq!(
        bob.get(&format!("/api/v1/accounts/relationships?id[]={alice_on_b}"))
            .await[0]["followed_by"],
        true
    );

    // bob posts; it shows in alice's home timeline.
    let post = bob.post("/api/v1/statuses", json!({ "status": "Who has a good rubric for lab reports? #scichat", "visibility": "public" })).await;
    eventually(WAIT, "bob's post reached alice", || async {
        home_has(&alice, "good rubric for lab reports")
            .await
            .is_some()
    })
    .await;
    let on_a = home_has(&alice, "good rubric").await.unwrap();
    assert_eq!(on_a["account"]["acct"], format!("bob@{}", b.domain));
    assert_eq!(on_a["tags"][0]["name"], "scichat");

    // alice replies; bob sees it under his post.
    let a_post_id = on_a["id"].as_str().unwrap();
    alice.post("/api/v1/statuses", json!({ "status": "Mine has four levels, happy to share!", "in_reply_to_id": a_post_id })).await;
    let bob_post_id = post["id"].as_str().unwrap().to_string();
    eventually(WAIT, "the reply threads under bob's post", || async {
        let ctx = bob
            .get(&format!("/api/v1/statuses/{bob_post_id}/context"))
            .await;
        ctx["descendants"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["content"].as_str().unwrap_or("").contains("four levels"))
    })
    .await;

    // alice favourites and boosts; bob's counts show it.
    alice
        .post(
            &format!("/api/v1/statuses/{a_post_id}/favourite"),
            json!({}),
        )
        .await;
    let boosted = alice
        .post(&format!("/api/v1/statuses/{a_post_id}/reblog"), json!({}))
        .await;
    assert_eq!(boosted["reblog"]["id"], a_post_id);
    eventually(WAIT, "the like and boost reached bob", || async {
        let s = bob.get(&format!("/api/v1/statuses/{bob_post_id}")).await;
        s["favourites_count"] == 1 && s["reblogs_count"] == 1
    })
    .await;
    alice
        .post(
            &format!("/api/v1/statuses/{a_post_id}/unfavourite"),
            json!({}),
        )
        .await;
    alice
        .post(&format!("/api/v1/statuses/{a_post_id}/unreblog"), json!({}))
        .await;
    eventually(WAIT, "both were undone at bob's", || async {
        let s = bob.get(&format!("/api/v1/statuses/{bob_post_id}")).await;
        s["favourites_count"] == 0 && s["reblogs_count"] == 0
    })
    .await;

    // bob edits; alice sees the new text.
    let (status, _) = bob
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/statuses/{bob_post_id}"),
            Some(json!({ "status": "Who has a good rubric for lab reports and posters?" })),
        )
        .await;
    assert_eq!(status, 200);
    eventually(WAIT, "the edit reached alice", || async {
        let s = alice.get(&format!("/api/v1/statuses/{a_post_id}")).await;
        s["content"].as_str().unwrap_or("").contains("and posters") && !s["edited_at"].is_null()
    })
    .await;

    // bob deletes; the post is gone at alice's.
    let (status, deleted) = bob
        .call(
            reqwest::Method::DELETE,
            &format!("/api/v1/statuses/{bob_post_id}"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        deleted["text"], "Who has a good rubric for lab reports and posters?",
        "delete-and-redraft gets the text back"
    );
    eventually(WAIT, "the delete reached alice", || async {
        alice
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/statuses/{a_post_id}"),
                None,
            )
            .await
            .0
            == 404
    })
    .await;

    // alice unfollows; bob's side forgets her.
    alice
        .post(&format!("/api/v1/accounts/{bob_id}/unfollow"), json!({}))
        .await;
    eventually(WAIT, "the unfollow reached bob", || async {
        bob.get(&format!("/api/v1/accounts/relationships?id[]={alice_on_b}"))
            .await[0]["followed_by"]
            == false
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_account_on_another_server_approves_a_follower() {
    let (a, b) = (Instance::start().await, Instance::start().await);
    let alice = a.teacher("alice");
    let carol = b.teacher("carol");
    let (status, me) = carol
        .call(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(json!({ "locked": true })),
        )
        .await;
    assert_eq!((status, &me["locked"]), (200, &json!(true)), "{me}");
    let carol_id = alice.resolve(&format!("@carol@{}", b.domain)).await;
    let rel = alice
        .post(&format!("/api/v1/accounts/{carol_id}/follow"), json!({}))
        .await;
    assert_eq!(rel["requested"], true, "{rel}");
    eventually(WAIT, "carol sees the request", || async {
        carol
            .get("/api/v1/follow_requests")
            .await
            .as_array()
            .is_some_and(|r| !r.is_empty())
    })
    .await;
    let requests = carol.get("/api/v1/follow_requests").await;
    assert_eq!(requests[0]["acct"], format!("alice@{}", a.domain));
    // Control: carol mentions alice after the request arrived. Once alice has that
    // mention and carol's server has sent all it had, an Accept it sent on its own
    // would have arrived too.
    carol.post("/api/v1/statuses", json!({ "status": format!("@alice@{} I will look at it soon", a.domain), "visibility": "public" })).await;
    eventually(WAIT, "carol's mention reached alice", || async {
        alice
            .get("/api/v1/notifications?types[]=mention")
            .await
            .as_array()
            .is_some_and(|n| {
                n.iter().any(|n| {
                    n["status"]["content"]
                        .as_str()
                        .unwrap_or("")
                        .contains("look at it soon")
                })
            })
    })
    .await;
    queue_drained(&b.db.url).await;
    let rel = alice
        .get(&format!("/api/v1/accounts/relationships?id[]={carol_id}"))
        .await;
    assert_eq!(
        (&rel[0]["following"], &rel[0]["requested"]),
        (&json!(false), &json!(true)),
        "alice still waits: {rel}"
    );

    let requester = requests[0]["id"].as_str().unwrap();
    carol
        .post(
            &format!("/api/v1/follow_requests/{requester}/authorize"),
            json!({}),
        )
        .await;
    eventually(WAIT, "alice now follows carol", || async {
        alice
            .get(&format!("/api/v1/accounts/relationships?id[]={carol_id}"))
            .await[0]["following"]
            == true
    })
    .await;

    // A followers-only post reaches the approved follower.
    carol
        .post(
            "/api/v1/statuses",
            json!({ "status": "Staff meeting notes for followers", "visibility": "private" }),
        )
        .await;
    eventually(WAIT, "the followers-only post reached alice", || async {
        home_has(&alice, "Staff meeting notes").await.is_some()
    })
    .await;
    assert_eq!(
        home_has(&alice, "Staff meeting notes").await.unwrap()["visibility"],
        "private"
    );

    // carol renames herself; her follower's server hears of it (Update of the actor).
    let (status, _) = carol
        .call(
            reqwest::Method::PATCH,
            "/api/v1/accounts/update_credentials",
            Some(json!({ "display_name": "Ms Carol", "note": "Chemistry, year 9" })),
        )
        .await;
    assert_eq!(status, 200);
    eventually(WAIT, "alice's server has carol's new name", || async {
        let c = alice.get(&format!("/api/v1/accounts/{carol_id}")).await;
        c["display_name"] == "Ms Carol"
            && c["note"]
                .as_str()
                .unwrap_or("")
                .contains("Chemistry, year 9")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_checked_and_scoped() {
    let a = Instance::start().await;
    let alice = a.teacher("alice");
    let reader = a
        .cli(&["token", "create", "alice", "--scopes", "read"])
        .trim()
        .to_string();
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1/accounts/verify_credentials", alice.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let read_only = Client {
        base: alice.base.clone(),
        token: reader,
        http: reqwest::Client::new(),
    };
    assert_eq!(
        read_only.get("/api/v1/accounts/verify_credentials").await["username"],
        "alice"
    );
    let (status, body) = read_only
        .call(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "hi" })),
        )
        .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"],
        "This action is outside the authorized scopes"
    );
    let (status, body) = alice
        .call(
            reqwest::Method::POST,
            "/api/v1/statuses",
            Some(json!({ "status": "  " })),
        )
        .await;
    assert_eq!(status, 422, "{body}");
}
