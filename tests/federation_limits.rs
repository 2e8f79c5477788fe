//! The limits of federation/limits.rs at a real inbox, the per-host rate limit, and
//! allowlist mode: over-limit activities are refused with a clear 4xx and leave
//! nothing behind; a server sending too fast is told when to come back; in
//! allowlist mode only the listed servers are heard, fetched from or sent to.

mod common;

use chrono::Utc;
use common::{eventually, queue_drained, remote, TestApp};
use diesel_async::RunQueryDsl;
use serde_json::{json, Value};
use staffroom::federation::limits;
use std::time::Duration;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.pool.get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

/// Rows that an accepted activity would leave behind (remote accounts included).
async fn traces(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT (SELECT count(*) FROM accounts WHERE domain IS NOT NULL) + (SELECT count(*) FROM follows)
              + (SELECT count(*) FROM received_activities) + (SELECT count(*) FROM statuses) AS n",
    )
    .await
}

fn follow(actor: &remote::RemoteActor, app: &TestApp, n: u32) -> String {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/{n}", actor.id()),
        "type": "Follow",
        "actor": actor.id(),
        "object": format!("{}/users/alice", app.address),
    })
    .to_string()
}

/// A public post by `actor` mentioning alice, so that it matters here.
fn note(actor: &remote::RemoteActor, app: &TestApp, n: u32) -> Value {
    json!({
        "id": format!("{}/statuses/{n}", actor.id()),
        "type": "Note",
        "attributedTo": actor.id(),
        "content": format!("<p>post {n}</p>"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "tag": [{ "type": "Mention", "href": format!("{}/users/alice", app.address) }],
    })
}

fn create(actor: &remote::RemoteActor, object: Value) -> String {
    let id = object["id"].as_str().unwrap().to_string();
    json!({ "id": format!("{id}/activity"), "type": "Create", "actor": actor.id(), "object": object }).to_string()
}

fn cli(app: &TestApp, extra: &[(&str, &str)], args: &[&str]) -> String {
    let mut vars = vec![("DATABASE_URL", app.db.url.as_str())];
    vars.extend_from_slice(extra);
    let out = common::staffroom_command(&vars)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn over_limit_activities_get_a_clear_4xx_and_leave_nothing() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    let inbox = format!("{}/inbox", app.address);
    let many = |n: usize| {
        Value::Array(
            (0..n)
                .map(|i| json!({ "type": "Hashtag", "name": format!("#t{i}") }))
                .collect(),
        )
    };
    let people = |n: usize| {
        Value::Array(
            (0..n)
                .map(|i| json!(format!("https://x.example/users/{i}")))
                .collect(),
        )
    };

    let mut cases: Vec<(&str, String, u16)> = Vec::new();
    let mut n = note(&mallory, &app, 1);
    n["tag"].as_array_mut().unwrap().extend(
        many(limits::MAX_TAG_ENTRIES)
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    cases.push(("tags", create(&mallory, n), 422));
    let mut n = note(&mallory, &app, 2);
    n["cc"] = people(limits::MAX_AUDIENCE);
    cases.push(("addressees", create(&mallory, n), 422));
    let mut n = note(&mallory, &app, 3);
    n["attachment"] = Value::Array(vec![
        json!({ "type": "Document", "url": "https://x.example/a.png" });
        limits::MAX_ATTACHMENT_ENTRIES + 1
    ]);
    cases.push(("attachments", create(&mallory, n), 422));
    let mut n = note(&mallory, &app, 4);
    n["content"] = json!(format!("<p>{}</p>", "a".repeat(limits::MAX_CONTENT_BYTES)));
    cases.push(("content", create(&mallory, n), 422));
    let mut n = note(&mallory, &app, 5);
    n["contentMap"] = json!({ "en": "b".repeat(limits::MAX_CONTENT_BYTES + 1) });
    n.as_object_mut().unwrap().remove("content");
    cases.push(("contentMap", create(&mallory, n), 422));
    let mut n = note(&mallory, &app, 6);
    let deep = format!(
        "{}1{}",
        "[".repeat(limits::MAX_JSON_DEPTH),
        "]".repeat(limits::MAX_JSON_DEPTH)
    );
    n["extra"] = serde_json::from_str(&deep).unwrap(); // inside the activity and its object: 2 levels too deep
    cases.push(("nesting", create(&mallory, n), 400));

    for (what, body, status) in cases {
        assert!(
            body.len() < staffroom::federation::inbox::MAX_BODY_BYTES,
            "{what} fits the body limit"
        );
        let res = mallory
            .signed_post(&app.client, &inbox, &body, Utc::now())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{what}");
        let error = res.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            error.contains("at most") || error.contains("nested deeper"),
            "{what}: {error}"
        );
    }
    assert_eq!(
        traces(&app).await,
        0,
        "refused before the sender's key was even fetched"
    );
    assert!(mallory.requests.lock().unwrap().is_empty());

    // At the limits, the same post is accepted.
    let mut n = note(&mallory, &app, 7);
    n["tag"].as_array_mut().unwrap().extend(
        many(limits::MAX_TAG_ENTRIES - 1)
            .as_array()
            .unwrap()
            .iter()
            .cloned(),
    );
    n["content"] = json!(format!(
        "<p>{}</p>",
        "a".repeat(limits::MAX_CONTENT_BYTES - 7)
    ));
    let res = mallory
        .signed_post(&app.client, &inbox, &create(&mallory, n), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    assert_eq!(count(&app, "SELECT count(*) AS n FROM statuses").await, 1);
    assert!(
        !mallory.requests.lock().unwrap().is_empty(),
        "for this one her key was fetched"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_thread_is_fetched_only_so_far_and_an_oversized_ancestor_is_not_stored() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    // Posts 1..=20, each replying to the one before.
    for i in 1..=20u32 {
        let mut n = note(&mallory, &app, i);
        n.as_object_mut().unwrap().remove("tag");
        if i > 1 {
            n["inReplyTo"] = json!(format!("{}/statuses/{}", mallory.id(), i - 1));
        }
        mallory.serve(&format!("/users/mallory/statuses/{i}"), 200, n);
    }
    let mut reply = note(&mallory, &app, 21);
    reply["inReplyTo"] = json!(format!("{}/statuses/20", mallory.id()));
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create(&mallory, reply),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let fetched = mallory
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|p| p.contains("/statuses/"))
        .count();
    assert_eq!(
        fetched,
        staffroom::federation::activities::create_note::MAX_ANCESTOR_DEPTH,
        "fetching stops at the depth limit"
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM statuses").await as usize,
        fetched + 1,
        "the reply and what was fetched"
    );

    // An ancestor over a limit is not stored; the reply that pointed at it is.
    let mut parent = note(&mallory, &app, 30);
    parent["tag"] = Value::Array(vec![
        json!({ "type": "Hashtag", "name": "#x" });
        limits::MAX_TAG_ENTRIES + 1
    ]);
    mallory.serve("/users/mallory/statuses/30", 200, parent);
    let mut reply = note(&mallory, &app, 31);
    reply["inReplyTo"] = json!(format!("{}/statuses/30", mallory.id()));
    let res = mallory
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create(&mallory, reply),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let stored: Vec<String> = {
        let mut conn = app.pool.get().await.unwrap();
        #[derive(diesel::QueryableByName)]
        struct Uri {
            #[diesel(sql_type = diesel::sql_types::Text)]
            uri: String,
        }
        diesel::sql_query("SELECT uri FROM statuses WHERE uri LIKE '%/statuses/3_'")
            .load::<Uri>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.uri)
            .collect()
    };
    assert_eq!(stored, vec![format!("{}/statuses/31", mallory.id())]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_sending_too_fast_gets_429_with_retry_after_and_others_are_unaffected() {
    let app = TestApp::spawn_with(&[("STAFFROOM_INBOX_RATE_PER_HOST", "5")]).await;
    app.create_user("alice").await;
    let mallory = remote::start("mallory");
    let bob = remote::start("bob"); // another port: another host
    let inbox = format!("{}/inbox", app.address);
    for i in 0..5 {
        let res = mallory
            .signed_post(&app.client, &inbox, &follow(&mallory, &app, i), Utc::now())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "request {i} is within the burst");
    }
    let res = mallory
        .signed_post(&app.client, &inbox, &follow(&mallory, &app, 99), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=12).contains(&retry_after),
        "5 a minute: the next one in at most 12 s, said {retry_after}"
    );
    assert!(res.json::<Value>().await.unwrap()["error"]
        .as_str()
        .unwrap()
        .contains("too many requests"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM received_activities WHERE uri LIKE '%follows/99'"
        )
        .await,
        0
    );
    assert_eq!(count(&app, "SELECT count(*) AS n FROM received_activities WHERE uri LIKE '%/users/mallory#follows/%'").await, 5, "the five within the burst were taken");

    let res = bob
        .signed_post(&app.client, &inbox, &follow(&bob, &app, 1), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "another server still gets through");
}

#[tokio::test(flavor = "multi_thread")]
async fn allowlist_mode_hears_only_listed_servers_and_sends_to_no_one_else() {
    let mode = [("STAFFROOM_FEDERATION_MODE", "allowlist")];
    let app = TestApp::spawn_with(&mode).await;
    let alice = app.create_user("alice").await.account;
    let partner = remote::start("partner"); // on 127.0.0.1
    let stranger = remote::start_on("127.0.0.2", "stranger");
    let inbox = format!("{}/inbox", app.address);
    let alice_actor = format!("{}/users/alice", app.address);

    let listed = cli(&app, &mode, &["domain", "list"]);
    assert!(
        listed.contains("No blocked servers")
            && listed.contains("No allowed servers")
            && listed.contains("allowlist"),
        "{listed}"
    );
    // Nobody is listed yet: even the partner is refused, before any key is fetched.
    let res = partner
        .signed_post(&app.client, &inbox, &follow(&partner, &app, 1), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(partner.requests.lock().unwrap().is_empty());

    assert!(cli(&app, &mode, &["domain", "allow", "127.0.0.1"]).starts_with("Allowed 127.0.0.1"));
    let listed = cli(&app, &mode, &["domain", "list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with("127.0.0.1") && l.contains("allowed")),
        "{listed}"
    );
    partner
        .knock_until(
            &app.client,
            &inbox,
            &alice_actor,
            202,
            "a listed partner federates",
        )
        .await;
    assert!(
        !partner.requests.lock().unwrap().is_empty(),
        "once listed, the partner's key is fetched"
    );
    let inbox_hits = |actor: &remote::RemoteActor| {
        actor
            .requests
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.ends_with("inbox"))
            .count()
    };
    eventually(
        Duration::from_secs(10),
        "the partner got our Accept",
        || async { inbox_hits(&partner) > 0 },
    )
    .await;

    let res = stranger
        .signed_post(&app.client, &inbox, &follow(&stranger, &app, 1), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "an unlisted server is refused");
    let err = staffroom::federation::fetch::fetch_actor(&app.ctx, &stranger.id())
        .await
        .err()
        .expect("nothing is fetched from it");
    assert_eq!(err.kind, staffroom::error::ErrorKind::Forbidden);
    assert!(staffroom::federation::fetch::webfinger(
        &app.ctx,
        "stranger",
        &stranger.base.replace("http://", "")
    )
    .await
    .is_err());
    // Control: the same fetch from the listed partner goes through.
    staffroom::federation::fetch::fetch_actor(&app.ctx, &partner.id())
        .await
        .expect("the partner's actor is fetched");
    assert!(
        stranger.requests.lock().unwrap().is_empty(),
        "no request reached the unlisted server"
    );

    // Swap the list: the partner (alice's follower) is taken off, the stranger is let in
    // and follows alice too.
    assert!(cli(&app, &mode, &["domain", "disallow", "127.0.0.1"]).contains("no longer allowed"));
    assert!(cli(&app, &mode, &["domain", "allow", "127.0.0.2"]).starts_with("Allowed 127.0.0.2"));
    stranger
        .knock_until(
            &app.client,
            &inbox,
            &alice_actor,
            202,
            "the newly listed server federates",
        )
        .await;
    partner
        .knock_until(
            &app.client,
            &inbox,
            &alice_actor,
            403,
            "the delisted partner is refused",
        )
        .await;
    eventually(
        Duration::from_secs(10),
        "the stranger got our Accept",
        || async { inbox_hits(&stranger) > 0 },
    )
    .await;
    let before = inbox_hits(&partner);
    let stranger_before = inbox_hits(&stranger);
    staffroom::services::statuses::post(
        &app.ctx,
        &alice,
        staffroom::services::statuses::NewPost {
            text: "Hello partners".into(),
            visibility: staffroom::db::statuses::Visibility::Public,
            in_reply_to: None,
            spoiler_text: String::new(),
            sensitive: false,
            language: None,
        },
    )
    .await
    .unwrap();
    // Control: the listed follower gets the post; once the queue is empty nothing else is on its way.
    eventually(
        Duration::from_secs(10),
        "the listed follower got the post",
        || async { inbox_hits(&stranger) > stranger_before },
    )
    .await;
    queue_drained(&app.db.url).await;
    assert_eq!(
        inbox_hits(&partner),
        before,
        "no delivery to a server off the allowlist"
    );
}
