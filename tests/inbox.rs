//! The inbox refuses what it must (unsigned, forged, stale, tampered, oversized,
//! malformed) with the right status and without leaving a trace, and accepts what
//! it should exactly once.

mod common;

use chrono::{Duration, Utc};
use common::{eventually, queue_drained, remote, TestApp};
use diesel_async::RunQueryDsl;
use serde_json::json;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows that an accepted activity would leave behind.
async fn traces(app: &TestApp) -> i64 {
    let mut conn = app.pool.get().await.unwrap();
    let rows: Count = diesel::sql_query(
        "SELECT (SELECT count(*) FROM accounts WHERE domain IS NOT NULL) + (SELECT count(*) FROM follows)
              + (SELECT count(*) FROM received_activities) + (SELECT count(*) FROM statuses) AS n",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    rows.n
}

fn follow(actor: &remote::RemoteActor, app: &TestApp, n: u32) -> String {
    follow_of(actor, app, n, "alice")
}

/// `actor`'s Follow number `n` of the local account `name`.
fn follow_of(actor: &remote::RemoteActor, app: &TestApp, n: u32, name: &str) -> String {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/{n}", actor.id()),
        "type": "Follow",
        "actor": actor.id(),
        "object": format!("{}/users/{name}", app.address),
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_and_broken_requests_get_401_and_change_nothing() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    let inbox = format!("{}/users/alice/inbox", app.address);
    let body = follow(&mallory, &app, 1);
    let now = Utc::now();

    // Unsigned.
    let res = app
        .client
        .post(&inbox)
        .header("Content-Type", "application/activity+json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Body changed after signing (digest no longer matches).
    let tampered = body.replace("follows/1", "follows/2");
    let req = mallory
        .signed_post(&app.client, &inbox, &body, now)
        .body(tampered)
        .build()
        .unwrap();
    assert_eq!(
        reqwest::Client::execute(&app.client, req)
            .await
            .unwrap()
            .status(),
        401
    );
    // A signed header changed after signing.
    let mut req = mallory
        .signed_post(&app.client, &inbox, &body, now)
        .build()
        .unwrap();
    req.headers_mut().insert(
        "Date",
        staffroom::federation::signatures::http_date(now - Duration::seconds(5))
            .parse()
            .unwrap(),
    );
    assert_eq!(
        reqwest::Client::execute(&app.client, req)
            .await
            .unwrap()
            .status(),
        401
    );
    // Signed with a key that is not mallory's.
    let other = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let res = mallory
        .signed_post_with(&app.client, &inbox, &body, &other, &mallory.key_id(), now)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // Too old, and from the future.
    for date in [now - Duration::hours(14), now + Duration::hours(2)] {
        let res = mallory
            .signed_post(&app.client, &inbox, &body, date)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{date}");
    }
    // Posted to another path than the one signed.
    let req = mallory
        .signed_post(&app.client, &format!("{}/inbox", app.address), &body, now)
        .build()
        .unwrap();
    let mut req = req;
    *req.url_mut() = url::Url::parse(&inbox).unwrap();
    assert_eq!(
        reqwest::Client::execute(&app.client, req)
            .await
            .unwrap()
            .status(),
        401
    );
    // A valid signature by someone else than the activity's actor.
    let eve = remote::start("eve");
    let res = eve
        .signed_post(&app.client, &inbox, &body, now)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "eve cannot follow in mallory's name");

    // eve's key was fetched to check her signature, but nothing of mallory's got in.
    let mut conn = app.pool.get().await.unwrap();
    let follows: Count = diesel::sql_query("SELECT count(*) AS n FROM follows")
        .get_result(&mut conn)
        .await
        .unwrap();
    let received: Count = diesel::sql_query("SELECT count(*) AS n FROM received_activities")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!((follows.n, received.n), (0, 0));
    let mallory_stored: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM accounts WHERE uri = '{}'",
        mallory.id()
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        mallory_stored.n, 0,
        "an actor whose signatures failed is not stored"
    );

    // Control: the same Follow, correctly signed by mallory, is taken.
    let res = mallory
        .signed_post(&app.client, &inbox, &body, Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let follows: Count = diesel::sql_query("SELECT count(*) AS n FROM follows")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(follows.n, 1, "the genuine Follow is stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_follow_is_accepted_once() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    let body = follow(&mallory, &app, 1);
    for inbox in [
        format!("{}/users/alice/inbox", app.address),
        format!("{}/inbox", app.address),
    ] {
        let res = mallory
            .signed_post(&app.client, &inbox, &body, Utc::now())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    }
    let mut conn = app.pool.get().await.unwrap();
    let follows: Count = diesel::sql_query("SELECT count(*) AS n FROM follows WHERE accepted")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        follows.n, 1,
        "the same activity at both inboxes is processed once"
    );
    let queued: Count = diesel::sql_query(
        "SELECT count(*) AS n FROM outgoing_activities WHERE body LIKE '%\"Accept\"%'",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(queued.n, 1, "one Accept goes back");
}

/// Several Follows from an actor this server has not met yet, arriving at once (as
/// an import of follows sends them): each fetches the actor and stores it, and each
/// is accepted. The stores race on the actor's name as well as its URI.
#[tokio::test(flavor = "multi_thread")]
async fn follows_from_an_unknown_actor_arriving_at_once_are_all_accepted() {
    const TEACHERS: usize = 8;
    let app = TestApp::spawn().await;
    let mut names = Vec::new();
    for n in 0..TEACHERS {
        let name = format!("teacher{n}");
        app.create_user(&name).await;
        names.push(name);
    }
    for round in 0..10 {
        let sender = remote::start(&format!("importer{round}"));
        let sends: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(n, name)| {
                let body = follow_of(&sender, &app, n as u32, name);
                let inbox = format!("{}/users/{name}/inbox", app.address);
                sender
                    .signed_post(&app.client, &inbox, &body, Utc::now())
                    .send()
            })
            .collect();
        let mut answers = tokio::task::JoinSet::new();
        for send in sends {
            answers.spawn(async move {
                let res = send.await.unwrap();
                (res.status().as_u16(), res.text().await.unwrap())
            });
        }
        while let Some(answer) = answers.join_next().await {
            let (status, body) = answer.unwrap();
            assert_eq!(status, 202, "round {round}: {body}");
        }
        let mut conn = app.pool.get().await.unwrap();
        let accepted: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM follows f JOIN accounts a ON a.id = f.account_id
             WHERE a.uri = $1 AND f.accepted",
        )
        .bind::<diesel::sql_types::Text, _>(sender.id())
        .get_result(&mut conn)
        .await
        .unwrap();
        assert_eq!(
            accepted.n, TEACHERS as i64,
            "round {round}: every Follow is accepted"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_bodies_get_clear_errors() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    let inbox = format!("{}/inbox", app.address);
    let now = Utc::now();

    // Malformed JSON, correctly signed.
    let res = mallory
        .signed_post(&app.client, &inbox, "{\"type\": \"Follow\", ", now)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    // Wrong types.
    let res = mallory
        .signed_post(&app.client, &inbox, "[1, 2, 3]", now)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Deeply nested.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let res = mallory
        .signed_post(&app.client, &inbox, &deep, now)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Too big.
    let huge = format!(
        "{{\"id\": \"{}\", \"pad\": \"{}\"}}",
        mallory.id(),
        "x".repeat(2 * 1024 * 1024)
    );
    let res = mallory
        .signed_post(&app.client, &inbox, &huge, now)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(
        res.json::<serde_json::Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("larger than"),
        "a JSON error says why"
    );
    // Unknown kinds are accepted and ignored.
    let odd = json!({ "id": format!("{}#odd/1", mallory.id()), "type": "EmojiReact", "actor": mallory.id(), "object": "x" }).to_string();
    let res = mallory
        .signed_post(&app.client, &inbox, &odd, now)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    // A personal inbox of nobody.
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/users/nobody/inbox", app.address),
            &odd,
            now,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        traces(&app).await,
        1,
        "only mallory's account, stored once her signature verified"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_actor_cannot_create_posts_for_another_host() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await;
    let mallory = remote::start("mallory");
    let inbox = format!("{}/inbox", app.address);
    // A mention of alice would make the post matter here, but it claims another host.
    let create = json!({
        "id": format!("{}/statuses/1/activity", mallory.id()),
        "type": "Create",
        "actor": mallory.id(),
        "object": {
            "id": "https://victim.example/users/bob/statuses/1",
            "type": "Note",
            "attributedTo": mallory.id(),
            "content": "<p>forged</p>",
            "to": [format!("{}/users/alice", app.address)],
            "tag": [{ "type": "Mention", "href": format!("{}/users/alice", app.address) }]
        }
    })
    .to_string();
    let res = mallory
        .signed_post(&app.client, &inbox, &create, Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // And a note attributed to someone else, on her own host.
    let create = create
        .replace(
            "https://victim.example/users/bob/statuses/1",
            &format!("{}/statuses/2", mallory.id()),
        )
        .replace(
            &format!("\"attributedTo\":\"{}\"", mallory.id()),
            "\"attributedTo\":\"https://victim.example/users/bob\"",
        );
    let res = mallory
        .signed_post(&app.client, &inbox, &create, Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let mut conn = app.pool.get().await.unwrap();
    let posts: Count = diesel::sql_query("SELECT count(*) AS n FROM statuses")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(posts.n, 0);

    // Control: her own note, on her own host and in her own name, is stored.
    let own = create
        .replace("https://victim.example/users/bob", &mallory.id())
        .replace("statuses/2", "statuses/3")
        .replace("statuses/1/activity", "statuses/3/activity");
    let res = mallory
        .signed_post(&app.client, &inbox, &own, Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let posts: Count = diesel::sql_query("SELECT count(*) AS n FROM statuses")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(posts.n, 1);
    let _ = alice;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rotated_key_is_fetched_again() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mut mallory = remote::start("mallory");
    let inbox = format!("{}/inbox", app.address);
    let res = mallory
        .signed_post(&app.client, &inbox, &follow(&mallory, &app, 1), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    // Mallory's server rotates her key; our cached one no longer verifies.
    let new_key =
        openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    mallory.serve(
        &format!("/users/{}", mallory.username),
        200,
        mallory.actor_document(&new_key),
    );
    mallory.key = new_key;
    let res = mallory
        .signed_post(&app.client, &inbox, &follow(&mallory, &app, 2), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "verified with the refetched key");
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_dev_mode_private_addresses_are_never_contacted() {
    let app = TestApp::spawn_with(&[("STAFFROOM_DEV", "false")]).await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    // A correctly signed Follow whose key lives on 127.0.0.1 (plain http, too).
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &follow(&mallory, &app, 1),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("cannot fetch the signing key"),
        "{body}"
    );
    assert!(
        mallory.requests.lock().unwrap().is_empty(),
        "no request reached the private address"
    );
    assert_eq!(traces(&app).await, 0);

    // Control: in development mode the same request fetches her key from that address.
    let dev = TestApp::spawn().await;
    dev.create_user("alice").await;
    let res = mallory
        .signed_post(
            &dev.client,
            &format!("{}/inbox", dev.address),
            &follow(&mallory, &dev, 1),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert!(
        !mallory.requests.lock().unwrap().is_empty(),
        "the dev-mode server reached mallory's server"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_remote_times_out_cleanly() {
    let app = TestApp::spawn_with(&[("STAFFROOM_DELIVERY_TIMEOUT_MS", "1000")]).await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    *mallory.delay.lock().unwrap() = std::time::Duration::from_secs(5);
    let started = std::time::Instant::now();
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &follow(&mallory, &app, 1),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "the key could not be fetched in time");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "gave up after the timeout: {:?}",
        started.elapsed()
    );
    assert_eq!(traces(&app).await, 0);

    // Control: once her server answers in time, the same Follow is taken.
    *mallory.delay.lock().unwrap() = std::time::Duration::ZERO;
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &follow(&mallory, &app, 1),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert!(traces(&app).await > 0, "her account and follow are stored");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cyclic_reply_chain_is_fetched_once_and_stops() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    let note = |n: u32, parent: u32| {
        json!({
            "id": format!("{}/statuses/{n}", mallory.id()),
            "type": "Note",
            "attributedTo": mallory.id(),
            "content": format!("<p>post {n}</p>"),
            "inReplyTo": format!("{}/statuses/{parent}", mallory.id()),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        })
    };
    // 1 replies to 2, 2 replies to 1: a loop.
    mallory.serve(&format!("/users/mallory/statuses/1"), 200, note(1, 2));
    mallory.serve(&format!("/users/mallory/statuses/2"), 200, note(2, 1));
    let mut reply = note(3, 1);
    reply["tag"] = json!([{ "type": "Mention", "href": format!("{}/users/alice", app.address) }]);
    let create = json!({ "id": format!("{}/statuses/3/activity", mallory.id()), "type": "Create", "actor": mallory.id(), "object": reply }).to_string();
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create,
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let fetched: Vec<String> = mallory
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p.contains("/statuses/"))
        .cloned()
        .collect();
    assert!(
        fetched.len() <= 2,
        "each post of the loop fetched at most once: {fetched:?}"
    );
    let mut conn = app.pool.get().await.unwrap();
    let stored: Count = diesel::sql_query("SELECT count(*) AS n FROM statuses")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.n, 3, "the reply and the two posts above it");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_blocked_server_is_refused_and_sent_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let mallory = remote::start("mallory");
    let bob = remote::start_on("127.0.0.2", "bob"); // another host, never blocked
    let cli = |args: &[&str]| {
        let out = common::staffroom_command(&[("DATABASE_URL", &app.db.url)])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let inbox_hits = |actor: &remote::RemoteActor| {
        actor
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with("inbox"))
            .count()
    };
    // mallory follows alice while her server is still welcome, and gets our Accept.
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &follow(&mallory, &app, 1),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    eventually(
        std::time::Duration::from_secs(10),
        "mallory got our Accept",
        || async { inbox_hits(&mallory) > 0 },
    )
    .await;

    assert!(cli(&["domain", "block", "127.0.0.1"]).starts_with("Blocked 127.0.0.1"));
    assert!(cli(&["domain", "list"]).contains("127.0.0.1"));
    let (inbox, alice_actor) = (
        format!("{}/inbox", app.address),
        format!("{}/users/alice", app.address),
    );
    mallory
        .knock_until(
            &app.client,
            &inbox,
            &alice_actor,
            403,
            "the blocked server is refused",
        )
        .await;
    // Control: a server that is not blocked still gets in and follows alice.
    let res = bob
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &follow(&bob, &app, 1),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "other servers are still heard");
    eventually(
        std::time::Duration::from_secs(10),
        "bob got our Accept",
        || async { inbox_hits(&bob) > 0 },
    )
    .await;

    // alice posts: her follower on the other server gets it, her follower's blocked server gets nothing.
    let before = inbox_hits(&mallory);
    let bob_before = inbox_hits(&bob);
    staffroom::services::statuses::post(&app.ctx, &alice, common::public_post("Hello"))
        .await
        .unwrap();
    eventually(
        std::time::Duration::from_secs(10),
        "bob got the post",
        || async { inbox_hits(&bob) > bob_before },
    )
    .await;
    queue_drained(&app.db.url).await;
    assert_eq!(
        inbox_hits(&mallory),
        before,
        "no delivery to a blocked server"
    );

    assert!(cli(&["domain", "unblock", "127.0.0.1"]).contains("no longer blocked"));
    assert!(cli(&["domain", "list"]).contains("No blocked servers"));
}

/// Hollo 0.10.0 gives every Accept for one follower the same id
/// (`…/@bob#accepts/<follower>`). After an unfollow, the Accept of the second follow
/// must still be applied, and bob's posts to his followers then stored.
#[tokio::test(flavor = "multi_thread")]
async fn an_accept_reusing_its_id_accepts_a_second_follow() {
    use staffroom::{db::follows::Follow, federation::fetch, services::follows};
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let bob = remote::start("bob");
    let bob_here = fetch::resolve_actor(&app.ctx, &bob.id()).await.unwrap();
    let alice_id = app.ctx.urls.actor("alice");
    let accept_id = format!("{}/@bob#accepts/{alice_id}", bob.base);
    let inbox = format!("{}/users/alice/inbox", app.address);
    for round in 1..=2 {
        let follow = follows::follow(&app.ctx, &alice, &bob_here).await.unwrap();
        assert!(!follow.accepted, "round {round}: pending until bob answers");
        let accept = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": accept_id,
            "type": "Accept",
            "actor": bob.id(),
            "object": { "id": follow.uri, "type": "Follow", "actor": alice_id, "object": bob.id() },
        })
        .to_string();
        let res = bob
            .signed_post(&app.client, &inbox, &accept, Utc::now())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
        let mut conn = app.pool.get().await.unwrap();
        let row = Follow::find(&mut conn, alice.id, bob_here.id)
            .await
            .unwrap()
            .expect("the follow is there");
        assert!(row.accepted, "round {round}: bob's Accept is applied");
        drop(conn);
        if round == 1 {
            follows::unfollow(&app.ctx, &alice, &bob_here)
                .await
                .unwrap();
        }
    }
    // What bob now sends his followers is stored here.
    let note_id = format!("{}/users/bob/statuses/1", bob.base);
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": bob.id(),
        "to": [format!("{}/followers", bob.id())],
        "object": {
            "id": note_id, "type": "Note", "attributedTo": bob.id(), "content": "<p>for my followers</p>",
            "to": [format!("{}/followers", bob.id())], "published": "2026-12-01T10:00:00Z",
        },
    })
    .to_string();
    let res = bob
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create,
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let mut conn = app.pool.get().await.unwrap();
    let stored = staffroom::db::statuses::Status::find_by_uri(&mut conn, &note_id)
        .await
        .unwrap();
    assert!(stored.is_some(), "a followed actor's post is stored");
}

/// A remote Like and a local favourite end in the same service: both are streamed
/// as the same event, and both notify (the trigger's announcement, streamed too).
#[tokio::test(flavor = "multi_thread")]
async fn a_remote_like_and_a_local_favourite_stream_and_notify_alike() {
    use staffroom::services::{events::Event, statuses};
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let carol = app.create_user("carol").await.account;
    let bob = remote::start("bob");
    let bob_here = staffroom::federation::fetch::resolve_actor(&app.ctx, &bob.id())
        .await
        .unwrap();
    let post = statuses::post(&app.ctx, &alice, common::public_post("Marking tonight"))
        .await
        .unwrap();
    let mut events = app.ctx.events.subscribe();

    let like = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#likes/1", bob.id()),
        "type": "Like",
        "actor": bob.id(),
        "object": app.ctx.urls.status("alice", post.id),
    })
    .to_string();
    let res = bob
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &like,
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    statuses::favourite(&app.ctx, &carol, post.id)
        .await
        .unwrap();

    // Notifications are announced from the database at commit, so they may come
    // before or after the service's own event.
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let wanted = [
        Event::Favourited {
            status: post.id,
            account: bob_here.id,
        },
        Event::Favourited {
            status: post.id,
            account: carol.id,
        },
    ];
    while !(wanted.iter().all(|w| seen.contains(w))
        && seen
            .iter()
            .filter(|e| matches!(e, Event::Notified { .. }))
            .count()
            == 2)
    {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) => seen.push(event),
            other => panic!("events so far: {seen:?}; then {other:?}"),
        }
    }
    assert!(
        seen.iter()
            .all(|e| !matches!(e, Event::Notified { account, .. } if *account != alice.id)),
        "only alice is notified: {seen:?}"
    );

    // The same Like again (a retry) changes nothing and streams nothing.
    let res = bob
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &like,
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    while let Ok(Ok(event)) =
        tokio::time::timeout(std::time::Duration::from_millis(500), events.recv()).await
    {
        assert!(
            !matches!(event, Event::Favourited { .. } | Event::Notified { .. }),
            "a repeated Like is not applied again: {event:?}"
        );
    }
}
