//! The streaming API over real `staffroom serve` processes: Mastodon.py's
//! `stream_user` (server-sent events) and a WebSocket client (Python `websockets`,
//! sending the token as masto does) connected to one node of an instance hear posts
//! that arrive through the other node, from a second Staffroom and from Fedify, once
//! each and in order; blocks and followers-only posts are kept from those who may
//! not see them.

mod common;

use common::{
    fedify::FedifyPeer,
    free_port,
    nodes::{api, post_status, Instance},
    sse::Sse,
    ServeProcess,
};
use reqwest::Method;
use serde_json::json;
use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");
/// How long a post may take from its arrival to a stream (generous for a busy machine).
const DEADLINE: Duration = Duration::from_secs(10);

fn venv() -> String {
    let out = Command::new(format!("{CLIENTS}/setup.sh"))
        .output()
        .expect("tests/clients/setup.sh runs");
    assert!(
        out.status.success(),
        "tests/clients/setup.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The Python clients of tests/clients/streaming.py, listening to `token`'s home on `node`.
struct Listeners {
    child: std::process::Child,
    lines: mpsc::Receiver<String>,
    /// (client, status id, content) as they arrived.
    seen: Vec<(String, String, String)>,
}

impl Listeners {
    fn start(node: &ServeProcess, token: &str) -> Listeners {
        let mut child = Command::new(format!("{}/bin/python", venv()))
            .arg("streaming.py")
            .current_dir(CLIENTS)
            .env("STREAM_BASE", &node.address)
            .env("TOKEN", token)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let listeners = Listeners {
            child,
            lines,
            seen: Vec::new(),
        };
        let ready = listeners
            .lines
            .recv_timeout(Duration::from_secs(60))
            .expect("the clients connect");
        assert_eq!(ready, "ready", "the clients connect");
        listeners
    }

    /// Waits until both clients have `text`, and for no longer than the deadline.
    fn wait_for(&mut self, text: &str) {
        let until = Instant::now() + DEADLINE;
        while ["sse", "websocket"].iter().any(|c| {
            !self
                .seen
                .iter()
                .any(|(client, _, content)| client == c && content.contains(text))
        }) {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.take(line),
                Err(_) => panic!(
                    "not every client heard {text:?} within {DEADLINE:?}; heard {:?}",
                    self.seen
                ),
            }
        }
    }

    fn take(&mut self, line: String) {
        let mut parts = line.splitn(4, ' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("update"), Some(client), Some(id), Some(content)) => {
                self.seen.push((client.into(), id.into(), content.into()))
            }
            _ => panic!("the clients said: {line}"),
        }
    }

    /// Everything that arrives in the next `quiet` (for duplicates), then stops them.
    fn finish(mut self, quiet: Duration) -> Vec<(String, String, String)> {
        let until = Instant::now() + quiet;
        while let Ok(line) = self
            .lines
            .recv_timeout(until.saturating_duration_since(Instant::now()))
        {
            self.take(line);
        }
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.seen
    }
}

/// Looks an account up (resolving it if remote) through `node`, and follows it.
async fn follow(node: &ServeProcess, token: &str, query: &str) -> String {
    let q = url::form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>();
    let (status, found) = api(
        node,
        token,
        Method::GET,
        &format!("/api/v2/search?q={q}&resolve=true&type=accounts"),
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let id = found["accounts"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{query} found: {found}"))
        .to_string();
    let (status, body) = api(
        node,
        token,
        Method::POST,
        &format!("/api/v1/accounts/{id}/follow"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    id
}

async fn following(node: &ServeProcess, token: &str, id: &str) -> bool {
    api(
        node,
        token,
        Method::GET,
        &format!("/api/v1/accounts/relationships?id[]={id}"),
    )
    .await
    .1[0]["following"]
        == true
}

#[tokio::test(flavor = "multi_thread")]
async fn posts_from_another_staffroom_and_fedify_stream_once_and_in_order_to_a_client_of_the_other_node(
) {
    let home = Instance::new(&[]).await;
    let node1 = home.start_node(home.port);
    let node2 = home.start_node(free_port());
    let alice = home.teacher("alice");
    let other = Instance::new(&[]).await;
    let other_node = other.start_node(other.port);
    let carol = other.teacher("carol");
    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;

    // alice follows carol on the other Staffroom and the Fedify actor, through node 1.
    let carol_id = follow(&node1, &alice, &format!("carol@{}", other.domain)).await;
    let fedi_id = follow(&node1, &alice, &peer.actor()).await;
    common::eventually(
        Duration::from_secs(30),
        "both follows are accepted",
        || async {
            following(&node1, &alice, &carol_id).await && following(&node1, &alice, &fedi_id).await
        },
    )
    .await;

    // Her clients connect to node 2; what other servers send arrives at node 1 (the domain).
    let mut clients = Listeners::start(&node2, &alice);
    post_status(&other_node, &carol, "Carol's worksheet on fractions").await;
    clients.wait_for("Carol's worksheet on fractions");
    peer.act(
        "post",
        json!({ "content": "<p>Fedi's reading list</p>", "visibility": "public" }),
    )
    .await;
    clients.wait_for("Fedi's reading list");
    // Three of alice's own posts in a row, through node 1: they stream in the order made.
    for n in 1..=3 {
        post_status(&node1, &alice, &format!("Own post {n}")).await;
    }
    clients.wait_for("Own post 3");

    let seen = clients.finish(Duration::from_secs(2));
    let order = [
        "Carol's worksheet on fractions",
        "Fedi's reading list",
        "Own post 1",
        "Own post 2",
        "Own post 3",
    ];
    for client in ["sse", "websocket"] {
        let heard: Vec<String> = seen
            .iter()
            .filter(|(c, _, _)| c == client)
            .map(|(_, _, content)| content.clone())
            .collect();
        let positions: Vec<usize> = order
            .iter()
            .map(|text| {
                let found: Vec<usize> = heard
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| h.contains(text))
                    .map(|(i, _)| i)
                    .collect();
                assert_eq!(
                    found.len(),
                    1,
                    "{client} heard {text:?} {} times: {heard:?}",
                    found.len()
                );
                found[0]
            })
            .collect();
        assert!(
            positions.windows(2).all(|w| w[0] < w[1]),
            "{client} heard them out of order: {heard:?}"
        );
        assert_eq!(
            heard.len(),
            order.len(),
            "{client} heard only these: {heard:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_accounts_posts_never_reach_the_stream_and_followers_only_posts_reach_only_followers(
) {
    let instance = Instance::new(&[]).await;
    let node1 = instance.start_node(instance.port);
    let node2 = instance.start_node(free_port());
    let alice = instance.teacher("alice");
    let bob = instance.teacher("bob");
    let mallory = instance.teacher("mallory");
    let dave = instance.teacher("dave");

    // alice blocks mallory (through node 1) and follows bob; dave follows nobody.
    let (_, mallory_account) = api(
        &node1,
        &alice,
        Method::GET,
        "/api/v1/accounts/lookup?acct=mallory",
    )
    .await;
    let (status, _) = api(
        &node1,
        &alice,
        Method::POST,
        &format!(
            "/api/v1/accounts/{}/block",
            mallory_account["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (_, bob_account) = api(
        &node1,
        &alice,
        Method::GET,
        "/api/v1/accounts/lookup?acct=bob",
    )
    .await;
    let (status, _) = api(
        &node1,
        &alice,
        Method::POST,
        &format!(
            "/api/v1/accounts/{}/follow",
            bob_account["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, 200);

    // Streams on node 2; posts through node 1.
    let mut alice_public = Sse::open(&node2.address, &alice, "/api/v1/streaming/public").await;
    let mut alice_home = Sse::open(&node2.address, &alice, "/api/v1/streaming/user").await;
    let mut dave_home = Sse::open(&node2.address, &dave, "/api/v1/streaming/user").await;
    let mut dave_public = Sse::open(&node2.address, &dave, "/api/v1/streaming/public/local").await;

    post_status(&node1, &mallory, "Mallory shouts").await;
    post_status(&node1, &bob, "Bob shares a lesson plan").await;
    // Events stream in order: once bob's later post is there, mallory's would have been.
    let heard = alice_public.updates_until("Bob shares a lesson plan").await;
    assert_eq!(
        heard.len(),
        1,
        "alice hears bob's post and not mallory's: {heard:?}"
    );
    let heard = dave_public.updates_until("Bob shares a lesson plan").await;
    assert!(
        heard[0].contains("Mallory shouts"),
        "someone who did not block mallory hears her: {heard:?}"
    );

    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/statuses", node1.address))
        .bearer_auth(&bob)
        .json(&json!({ "status": "Bob, for followers only", "visibility": "private" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    post_status(&node1, &bob, "Bob, for everyone").await;
    let heard = alice_home.updates_until("Bob, for everyone").await;
    assert!(
        heard.iter().any(|h| h.contains("Bob, for followers only")),
        "the follower hears the followers-only post: {heard:?}"
    );
    let heard = dave_public.updates_until("Bob, for everyone").await;
    assert_eq!(
        heard.len(),
        1,
        "a stranger hears the public post only: {heard:?}"
    );
    post_status(&node1, &dave, "Dave posts too").await;
    let heard = dave_home.updates_until("Dave posts too").await;
    assert_eq!(
        heard.len(),
        1,
        "a stranger's home stream has only his own post: {heard:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_direct_post_reaches_its_participants_direct_streams_as_a_conversation_and_no_one_elses()
{
    let instance = Instance::new(&[]).await;
    let node1 = instance.start_node(instance.port);
    let node2 = instance.start_node(free_port());
    let alice = instance.teacher("alice");
    let bob = instance.teacher("bob");
    let carol = instance.teacher("carol");

    // Listening on node 2; writing through node 1.
    let mut bob_direct = Sse::open(&node2.address, &bob, "/api/v1/streaming/direct").await;
    let mut carol_direct = Sse::open(&node2.address, &carol, "/api/v1/streaming/direct").await;
    let mut carol_home = Sse::open(&node2.address, &carol, "/api/v1/streaming/user").await;

    let direct = |token: String, text: String| {
        let node = node1.address.clone();
        async move {
            let res = reqwest::Client::new()
                .post(format!("{node}/api/v1/statuses"))
                .bearer_auth(token)
                .json(&json!({ "status": text, "visibility": "direct" }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let first = direct(
        alice.clone(),
        "@bob Can you cover my Year 5 class on Friday?".into(),
    )
    .await;
    let (data, _) = bob_direct.until_event("conversation").await;
    let conversation: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        conversation["last_status"]["id"], first["id"],
        "{conversation}"
    );
    assert_eq!(conversation["unread"], true);
    let others: Vec<&str> = conversation["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["acct"].as_str().unwrap())
        .collect();
    assert_eq!(
        others,
        ["alice"],
        "bob's conversation is with alice: {conversation}"
    );

    // carol takes no part in the first: the first conversation she hears is her own
    // (the positive control), and the private one never reached her home either.
    let second = direct(
        alice.clone(),
        "@carol The staff meeting moved to Thursday".into(),
    )
    .await;
    let (data, skipped) = carol_direct.until_event("conversation").await;
    assert!(
        skipped.iter().all(|(event, _)| event != "update"),
        "the direct stream carries no updates: {skipped:?}"
    );
    let conversation: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        conversation["last_status"]["id"], second["id"],
        "carol hears only her own conversation: {conversation}"
    );
    post_status(&node1, &carol, "Carol posts in public").await;
    let heard = carol_home.updates_until("Carol posts in public").await;
    assert!(
        heard.iter().all(|h| !h.contains("Year 5 class")),
        "{heard:?}"
    );
}

/// The rest of the surface apps use: the health check, the streaming URL the
/// instance advertises, the hashtag and notification SSE paths, and over WebSocket
/// (tests/clients/streaming_surface.py, Python `websockets`) the token in the query
/// and in the header, several streams on one socket, `unsubscribe`, edits, deletes,
/// notifications and a refused token.
#[tokio::test(flavor = "multi_thread")]
async fn apps_use_every_stream_the_ways_mastodon_offers_them() {
    let instance = Instance::new(&[]).await;
    let node = instance.start_node(instance.port);
    let alice = instance.teacher("alice");
    let bob = instance.teacher("bob");

    let health = reqwest::get(format!("{}/api/v1/streaming/health", node.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "OK");
    let ws_base = node.address.replacen("http", "ws", 1);
    let (status, v1) = api(&node, &alice, Method::GET, "/api/v1/instance").await;
    assert_eq!(status, 200);
    assert_eq!(v1["urls"]["streaming_api"], ws_base.as_str(), "{v1}");
    let (_, v2) = api(&node, &alice, Method::GET, "/api/v2/instance").await;
    assert_eq!(
        v2["configuration"]["urls"]["streaming"],
        ws_base.as_str(),
        "{v2}"
    );

    // A hashtag stream carries the tagged post and not the untagged one before it.
    let mut tag = Sse::open(
        &node.address,
        &alice,
        "/api/v1/streaming/hashtag?tag=mathchat",
    )
    .await;
    let mut notes = Sse::open(&node.address, &alice, "/api/v1/streaming/user/notification").await;
    post_status(&node, &bob, "Nothing tagged in this one").await;
    post_status(&node, &bob, "A #mathchat puzzle about primes").await;
    let heard = tag.updates_until("puzzle about primes").await;
    assert!(
        heard.iter().all(|c| !c.contains("Nothing tagged")),
        "{heard:?}"
    );

    // The notification stream carries bob's favourite, not alice's own post.
    let mine = post_status(&node, &alice, "Times tables song").await;
    let (status, _) = api(
        &node,
        &bob,
        Method::POST,
        &format!(
            "/api/v1/statuses/{}/favourite",
            mine["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, 200);
    let (data, skipped) = notes.until_event("notification").await;
    let note: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(note["type"], "favourite", "{note}");
    assert_eq!(note["account"]["acct"], "bob");
    assert!(
        skipped.iter().all(|(event, _)| event != "update"),
        "{skipped:?}"
    );

    let out = Command::new(format!("{}/bin/python", venv()))
        .arg("streaming_surface.py")
        .current_dir(CLIENTS)
        .env("STREAM_BASE", &node.address)
        .env("ALICE", &alice)
        .env("BOB", &bob)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python runs");
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        said.lines().last() == Some("done"),
        "the script finished: {said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for check in [
        "several-streams",
        "unsubscribe",
        "header-notification",
        "edit",
        "delete",
        "refused-token",
    ] {
        assert!(
            said.lines().any(|l| l == format!("ok {check}")),
            "{check} failed: {said}"
        );
    }
    assert!(!said.contains("fail"), "{said}");
}

/// A WebSocket client that stops reading is dropped once its queue is full, and told
/// why when it reads again; the server never buffers for it without bound. A client
/// reading the same stream beside it gets every post.
#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_is_dropped_and_one_that_reads_gets_every_post() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // Long posts (about 5 KB each as an event): the server's kernel buffers for one
    // connection grow to a few megabytes before a write blocks, and only then does
    // its queue fill.
    const POSTS: usize = 1_200;
    let app = common::TestApp::spawn().await;
    let author = app.create_user("alice").await.account;
    let alice = common::api::token(&app, "alice").await;
    let mut reader = Sse::open(&app.address, &alice, "/api/v1/streaming/public/local").await;

    // The slow client: a receive buffer of a few kilobytes, read only at the end.
    let host = app.address.trim_start_matches("http://").to_string();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut slow = socket.connect(host.parse().unwrap()).await.unwrap();
    slow.write_all(
        format!(
            "GET /api/v1/streaming?stream=public:local&access_token={alice} HTTP/1.1\r\nHost: {host}\r\n\
             Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8];
        slow.read_exact(&mut byte).await.unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");

    // Posted by two writers at once, then one last post that says they are done.
    let padding = "Please read the attached policy before Friday. ".repeat(95);
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (ctx, author, padding) = (app.ctx.clone(), author.clone(), padding.clone());
            tokio::spawn(async move {
                for n in (w..POSTS).step_by(2) {
                    staffroom::services::statuses::post(
                        &ctx,
                        &author,
                        common::public_post(&format!("Staff notice {n}. {padding}")),
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    common::api::status(&app, &alice, "That is all for today.", "public").await;
    let heard = reader.statuses_until("That is all for today.").await;
    let mut texts: Vec<String> = heard
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect();
    texts.sort();
    texts.dedup();
    assert_eq!(
        texts.len(),
        POSTS + 1,
        "the reading client hears every post once"
    );

    // Now the slow client reads: what was queued for it, then a close frame.
    let (mut updates, mut close) = (0, None);
    let (mut bytes, mut at) = (Vec::new(), 0);
    let until = tokio::time::Instant::now() + DEADLINE;
    while close.is_none() {
        let mut chunk = [0u8; 65536];
        let n = tokio::time::timeout_at(until, slow.read(&mut chunk))
            .await
            .unwrap_or_else(|_| {
                panic!("no close frame within {DEADLINE:?}; {updates} updates read")
            })
            .unwrap();
        assert!(
            n > 0,
            "the connection ended without a close frame after {updates} updates"
        );
        bytes.extend_from_slice(&chunk[..n]);
        // Every whole frame read so far (the server's frames are not masked).
        while at + 2 <= bytes.len() {
            let (len, header) = match bytes[at + 1] & 0x7f {
                126 if at + 4 <= bytes.len() => (
                    u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize,
                    4,
                ),
                127 if at + 10 <= bytes.len() => (
                    u64::from_be_bytes(bytes[at + 2..at + 10].try_into().unwrap()) as usize,
                    10,
                ),
                126 | 127 => break,
                n => (n as usize, 2),
            };
            if at + header + len > bytes.len() {
                break;
            }
            let payload = &bytes[at + header..at + header + len];
            match bytes[at] & 0x0f {
                1 if String::from_utf8_lossy(payload).contains("\"event\":\"update\"") => {
                    updates += 1
                }
                8 if payload.len() >= 2 => {
                    close = Some((
                        u16::from_be_bytes([payload[0], payload[1]]),
                        String::from_utf8_lossy(&payload[2..]).to_string(),
                    ))
                }
                8 => close = Some((0, String::new())),
                _ => {}
            }
            at += header + len;
        }
    }
    eprintln!("the slow client read {updates} of {POSTS} updates, then {close:?}");
    assert!(
        updates > 0,
        "the slow client got what was queued before it fell behind"
    );
    assert!(
        updates < POSTS,
        "the slow client was dropped, not sent all {POSTS} posts"
    );
    assert_eq!(
        close,
        Some((1008, "too slow to keep up".to_string())),
        "after {updates} updates"
    );
}
