//! Two `staffroom serve` processes of one instance on one database, as behind a
//! reverse proxy (docs/operations.md, "Several web nodes"): what one node or the
//! command line changes (a domain block, a follow), the other obeys at once, also
//! after losing its listening connection; both run delivery workers, yet a post is
//! delivered once; the sign-in limit counts failures on every node.

mod common;

use common::{
    free_port,
    nodes::{api, received, Instance},
    receiver::wait_for,
    remote, ServeProcess,
};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// An instance and its two nodes; node 1 answers at the instance's domain.
async fn two_nodes() -> (Instance, ServeProcess, ServeProcess) {
    let instance = Instance::new(&[]).await;
    let node1 = instance.start_node(instance.port);
    let node2 = instance.start_node(free_port());
    (instance, node1, node2)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_domain_block_made_through_the_command_line_is_obeyed_by_every_node_at_once() {
    let (instance, _node1, node2) = two_nodes().await;
    instance.cli(&["user", "add", "alice"]);
    let mallory = remote::start_on("127.0.0.2", "mallory");
    let bob = remote::start("bob");

    assert_eq!(
        instance.send_follow(&mallory, &node2, "alice", 1).await,
        202,
        "before the block, node 2 hears mallory's server"
    );
    assert!(instance
        .cli(&["domain", "block", "127.0.0.2"])
        .starts_with("Blocked 127.0.0.2"));
    let (status, after) = first_refusal(&instance, &mallory, &node2).await;
    assert_eq!(
        status,
        403,
        "node 2 still heard the blocked server {} ms after the block",
        after.as_millis()
    );
    assert_eq!(
        instance.send_follow(&bob, &node2, "alice", 1).await,
        202,
        "a server that is not blocked is still heard"
    );
}

/// Follows from `actor` through `node` until one is refused, for well under the 5 s
/// nodes used to take to reread their lists: the last status, and when it came.
async fn first_refusal(
    instance: &Instance,
    actor: &remote::RemoteActor,
    node: &ServeProcess,
) -> (u16, Duration) {
    let started = Instant::now();
    let mut n = 1000;
    loop {
        let status = instance.send_follow(actor, node, "alice", n).await;
        if status == 403 || started.elapsed() > Duration::from_millis(1500) {
            return (status, started.elapsed());
        }
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_whose_listening_connection_drops_reconnects_and_obeys_again() {
    let instance = Instance::new(&[]).await;
    let node = instance.start_node(instance.port);
    instance.cli(&["user", "add", "alice"]);
    let mallory = remote::start_on("127.0.0.2", "mallory");
    assert_eq!(instance.send_follow(&mallory, &node, "alice", 1).await, 202);

    let mut conn = <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(
        &instance.db.url,
    )
    .await
    .unwrap();
    let killed: Vec<Terminated> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()
               AND (query LIKE 'LISTEN staffroom_changes%' OR query = 'SELECT 1')", // its last statement: LISTEN, or a heartbeat
        ),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(killed.len(), 1, "one listening connection");
    let log_says = |start: &str| {
        let log = node.log.lock().unwrap();
        log.iter().any(|l| {
            serde_json::from_str::<Value>(l)
                .is_ok_and(|v| v["message"].as_str().is_some_and(|m| m.starts_with(start)))
        })
    };
    assert!(
        wait_for(Duration::from_secs(5), || log_says(
            "cluster: listening for other processes' changes again"
        ))
        .await,
        "the node reconnects; log:\n{}",
        node.log_text()
    );
    assert!(log_says("cluster: lost the connection"));

    instance.cli(&["domain", "block", "127.0.0.2"]);
    let (status, after) = first_refusal(&instance, &mallory, &node).await;
    assert_eq!(
        status,
        403,
        "the node still heard the blocked server {} ms after the block",
        after.as_millis()
    );
}

#[derive(diesel::QueryableByName)]
struct Terminated {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    #[allow(dead_code)]
    ok: bool,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_made_on_one_node_is_delivered_once_though_both_nodes_deliver() {
    let (instance, node1, node2) = two_nodes().await;
    let token = instance.teacher("alice");
    let follower = remote::start("follower");
    assert_eq!(
        instance.send_follow(&follower, &node2, "alice", 1).await,
        202
    );
    let accepted = || received(&follower, "Accept", "");
    assert!(
        wait_for(Duration::from_secs(10), || accepted() == 1).await,
        "the follower hears alice accept"
    );

    common::nodes::post_status(&node1, &token, "One delivery, two workers").await;
    assert!(
        wait_for(Duration::from_secs(10), || received(
            &follower,
            "Create",
            "One delivery, two workers"
        ) >= 1)
        .await,
        "the follower got the post; node 1:\n{}\nnode 2:\n{}",
        node1.log_text(),
        node2.log_text()
    );
    // Both workers poll the queue far more often than this.
    let duplicated = wait_for(Duration::from_secs(3), || {
        received(&follower, "Create", "One delivery, two workers") > 1
    })
    .await;
    assert!(
        !duplicated,
        "delivered {} times",
        received(&follower, "Create", "One delivery, two workers")
    );
    assert_eq!(accepted(), 1, "the Accept too went once");
}

/// A public post by `author` that mentions no one: it matters here only if its
/// author is followed from here.
fn public_post(author: &remote::RemoteActor, n: u32, text: &str) -> Value {
    let id = format!("{}/statuses/{n}", author.id());
    json!({
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": author.id(),
        "object": {
            "id": id,
            "type": "Note",
            "attributedTo": author.id(),
            "content": format!("<p>{text}</p>"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        },
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_from_someone_just_followed_through_one_node_is_kept_by_the_other() {
    let (instance, node1, node2) = two_nodes().await;
    let token = instance.teacher("alice");
    let author = remote::start("author");
    let home_has = async |text: &str| {
        let (status, home) = api(
            &node2,
            &token,
            reqwest::Method::GET,
            "/api/v1/timelines/home",
        )
        .await;
        assert_eq!(status, 200, "{home}");
        home.as_array()
            .unwrap()
            .iter()
            .any(|s| s["content"].as_str().unwrap_or_default().contains(text))
    };

    // Not followed yet: node 2 ignores the author's posts (and remembers that).
    assert_eq!(
        instance
            .send(
                &author,
                &node2,
                &public_post(&author, 1, "Before the follow")
            )
            .await,
        202
    );
    assert!(!home_has("Before the follow").await);

    // Alice follows the author through node 1, and the author accepts there.
    let acct = format!("author@{}", author.base.trim_start_matches("http://"));
    let (status, account) = api(
        &node1,
        &token,
        reqwest::Method::GET,
        &format!("/api/v1/accounts/lookup?acct={acct}"),
    )
    .await;
    assert_eq!(status, 200, "{account}");
    let id = account["id"].as_str().unwrap().to_string();
    let (status, body) = api(
        &node1,
        &token,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{id}/follow"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        wait_for(Duration::from_secs(10), || received(&author, "Follow", "")
            == 1)
        .await,
        "the author's server gets the Follow"
    );
    let follow = author
        .posts
        .lock()
        .unwrap()
        .iter()
        .find(|(_, b)| b["type"] == "Follow")
        .unwrap()
        .1
        .clone();
    let accept = json!({ "id": format!("{}#accepts/1", author.id()), "type": "Accept", "actor": author.id(), "object": follow });
    assert_eq!(instance.send(&author, &node1, &accept).await, 202);
    let following = async || {
        api(
            &node1,
            &token,
            reqwest::Method::GET,
            &format!("/api/v1/accounts/relationships?id[]={id}"),
        )
        .await
        .1[0]["following"]
            == true
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while !following().await {
        assert!(Instant::now() < deadline, "the follow is accepted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Node 2 heard of the follow: the author's next post reaches alice's home timeline,
    // well within the 30 s node 2 used to remember "not followed".
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut n = 2;
    loop {
        assert_eq!(
            instance
                .send(
                    &author,
                    &node2,
                    &public_post(&author, n, &format!("After the follow {n}"))
                )
                .await,
            202
        );
        if home_has("After the follow").await {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "node 2 still ignores the followed author's posts"
        );
        n += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn register_app(node: &ServeProcess) -> (String, String) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/apps", node.address))
        .json(&json!({ "client_name": "Two nodes", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob", "scopes": "read" }))
        .send()
        .await
        .unwrap();
    let app: Value = res.json().await.unwrap();
    (
        app["client_id"].as_str().unwrap().to_string(),
        app["client_secret"].as_str().unwrap().to_string(),
    )
}

async fn sign_in(node: &ServeProcess, app: &(String, String), name: &str, password: &str) -> u16 {
    let res = reqwest::Client::new()
        .post(format!("{}/oauth/token", node.address))
        .form(&[
            ("grant_type", "password"),
            ("client_id", &app.0),
            ("client_secret", &app.1),
            ("username", name),
            ("password", password),
            ("scope", "read"),
        ])
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

fn password_of(cli_output: &str) -> String {
    cli_output
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .expect("a generated password")
        .trim()
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn five_wrong_passwords_on_one_node_lock_the_name_on_the_other() {
    let (instance, node1, node2) = two_nodes().await;
    let alice = password_of(&instance.cli(&["user", "add", "alice"]));
    let bob = password_of(&instance.cli(&["user", "add", "bob"]));
    let app = register_app(&node1).await;

    assert_eq!(
        sign_in(&node2, &app, "alice", &alice).await,
        200,
        "the right password works on node 2"
    );
    for _ in 0..5 {
        assert_eq!(sign_in(&node1, &app, "alice", "wrong").await, 400);
    }
    assert_eq!(
        sign_in(&node2, &app, "alice", &alice).await,
        429,
        "node 2 counts node 1's failures"
    );
    assert_eq!(sign_in(&node1, &app, "alice", &alice).await, 429);
    assert_eq!(
        sign_in(&node2, &app, "bob", &bob).await,
        200,
        "another teacher is not locked out"
    );
}
