//! The durable outgoing queue, against real HTTP receivers that check our signatures.

mod common;

use common::{
    eventually, queue_drained,
    receiver::{self, wait_for},
    ServeProcess, TestApp,
};
use serde_json::json;
use staffroom::{db::accounts::Account, federation::delivery, urls::Urls};
use std::time::Duration;

const FAST_RETRIES: &[(&str, &str)] = &[
    ("STAFFROOM_DELIVERY_RETRY_BASE_MS", "100"),
    ("STAFFROOM_DELIVERY_TIMEOUT_MS", "2000"),
];

async fn queue(app: &TestApp, sender: &Account, n: usize, inboxes: Vec<String>) -> String {
    let urls = Urls::new("http", &app.domain);
    let id = format!(
        "{}/users/{}/statuses/{n}/activity",
        app.address, sender.username
    );
    let activity = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Create",
        "actor": urls.actor(&sender.username),
        "object": { "id": format!("{}/users/{}/statuses/{n}", app.address, sender.username), "type": "Note", "content": "<p>hello</p>" }
    });
    let mut conn = app.pool.get().await.unwrap();
    delivery::enqueue(&mut conn, &urls, sender, &id, &activity, inboxes)
        .await
        .unwrap();
    id
}

/// Requests for the activity `id` that `r` answered 2xx.
fn accepted_copies(r: &receiver::Receiver, id: &str) -> usize {
    r.accepted()
        .iter()
        .filter(|got| got.activity_id == id)
        .count()
}

/// Remote followers of `target`, as if they had followed from their servers:
/// `per_host` accounts on each receiver's host, sharing its `/inbox`.
async fn remote_followers(
    app: &TestApp,
    target: &Account,
    receivers: &[receiver::Receiver],
    per_host: usize,
) {
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.unwrap();
    for r in receivers {
        for i in 0..per_host {
            let id = staffroom::db::new_id();
            let uri = r.inbox(&format!("/users/f{i}"));
            diesel::sql_query(format!(
                "INSERT INTO accounts (id, username, domain, uri, inbox_url, shared_inbox_url, public_key_pem)
                 VALUES ({id}, 'f{i}', '{host}', '{uri}', '{uri}/inbox', '{shared}', 'unused')",
                host = r.host(),
                shared = r.inbox("/inbox"),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
            diesel::sql_query(format!(
                "INSERT INTO follows (id, account_id, target_account_id, accepted) VALUES ({}, {id}, {}, true)",
                staffroom::db::new_id(),
                target.id
            ))
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_reaches_each_shared_inbox_once_signed() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let receivers = receiver::start(40, &alice.public_key_pem);
    // 120 followers on 40 servers, three per server, sharing that server's inbox.
    remote_followers(&app, &alice, &receivers, 3).await;
    let post = |text: &str| {
        staffroom::services::statuses::post(&app.ctx, &alice, common::public_post(text))
    };
    let activity_id = |status: &staffroom::db::statuses::Status| {
        format!(
            "{}/users/alice/statuses/{}/activity",
            app.address, status.id
        )
    };
    let id = activity_id(&post("Hello, followers").await.unwrap());

    assert!(
        wait_for(Duration::from_secs(20), || receivers
            .iter()
            .all(|r| accepted_copies(r, &id) > 0))
        .await,
        "every server got the post"
    );
    queue_drained(&app.db.url).await;
    // Control for "once": a second post, sent after the first, reaches every server;
    // a second copy of the first would have come before it.
    let next = activity_id(&post("And again").await.unwrap());
    assert!(
        wait_for(Duration::from_secs(20), || receivers
            .iter()
            .all(|r| accepted_copies(r, &next) > 0))
        .await,
        "every server got the second post"
    );
    queue_drained(&app.db.url).await;
    for r in &receivers {
        let got: Vec<_> = r
            .accepted()
            .into_iter()
            .filter(|got| got.activity_id == id)
            .collect();
        assert_eq!(got.len(), 1, "exactly once per shared inbox");
        assert_eq!(r.hits(), 2, "one request per post, nothing else");
        assert_eq!(got[0].path, "/inbox");
        assert!(
            got[0].verified,
            "the signature and digest verify with alice's published key"
        );
        assert_eq!(got[0].body["type"], "Create");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_receiver_gets_the_post_after_retries() {
    let app = TestApp::spawn_with(FAST_RETRIES).await;
    let alice = app.create_user("alice").await.account;
    let receivers = receiver::start(1, &alice.public_key_pem);
    let r = &receivers[0];
    r.set_script(|s| s.first = [503, 500, 502].into());
    let id = queue(&app, &alice, 1, vec![r.inbox("/inbox")]).await;
    assert!(
        wait_for(Duration::from_secs(20), || r.accepted().len() == 1).await,
        "delivered after retries"
    );
    assert_eq!(r.hits(), 4, "three failures, then success");
    assert_eq!(r.accepted()[0].activity_id, id);
    assert!(r.accepted()[0].verified);
    // The retries waited: 100 ms, 200 ms, 400 ms (±20 %) at least.
    let log = r.log.lock().unwrap().clone();
    assert!(
        log[3].at - log[0].at >= Duration::from_millis(500),
        "{:?}",
        log[3].at - log[0].at
    );
    queue_drained(&app.db.url).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gone_is_final_and_not_retried() {
    let app = TestApp::spawn_with(FAST_RETRIES).await;
    let alice = app.create_user("alice").await.account;
    let receivers = receiver::start(2, &alice.public_key_pem);
    receivers[0].set_script(|s| s.always = Some(410));
    receivers[1].set_script(|s| s.always = Some(403));
    let refused = queue(
        &app,
        &alice,
        1,
        receivers.iter().map(|r| r.inbox("/inbox")).collect(),
    )
    .await;
    assert!(
        wait_for(Duration::from_secs(10), || receivers
            .iter()
            .all(|r| r.hits() == 1))
        .await
    );
    queue_drained(&app.db.url).await;
    // Control: both servers take posts again, and the next post reaches them. A retry of
    // the refused one (due 100 ms after the refusal) would have reached them too.
    for r in &receivers {
        r.set_script(|s| s.always = None);
    }
    let next = queue(
        &app,
        &alice,
        2,
        receivers.iter().map(|r| r.inbox("/inbox")).collect(),
    )
    .await;
    assert!(
        wait_for(Duration::from_secs(10), || receivers
            .iter()
            .all(|r| accepted_copies(r, &next) == 1))
        .await,
        "the next post arrives"
    );
    queue_drained(&app.db.url).await;
    let sent = |r: &receiver::Receiver| {
        r.log
            .lock()
            .unwrap()
            .iter()
            .filter(|got| got.activity_id == refused)
            .count()
    };
    assert_eq!(sent(&receivers[0]), 1, "410 is never retried");
    assert_eq!(sent(&receivers[1]), 1, "403 is never retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_is_honoured() {
    let app = TestApp::spawn_with(FAST_RETRIES).await;
    let alice = app.create_user("alice").await.account;
    let receivers = receiver::start(1, &alice.public_key_pem);
    let r = &receivers[0];
    r.set_script(|s| {
        s.first = [429].into();
        s.retry_after = Some("2".into());
    });
    queue(&app, &alice, 1, vec![r.inbox("/inbox")]).await;
    assert!(wait_for(Duration::from_secs(15), || r.accepted().len() == 1).await);
    let log = r.log.lock().unwrap().clone();
    assert_eq!(log.len(), 2);
    assert!(
        log[1].at - log[0].at >= Duration::from_millis(1900),
        "waited {:?}",
        log[1].at - log[0].at
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_that_keeps_failing_is_skipped_until_it_recovers() {
    let app = TestApp::spawn_with(&[
        ("STAFFROOM_DELIVERY_RETRY_BASE_MS", "20"),
        ("STAFFROOM_DELIVERY_UNAVAILABLE_AFTER_SECS", "0"),
        ("STAFFROOM_DELIVERY_PROBE_MS", "1500"),
    ])
    .await;
    let alice = app.create_user("alice").await.account;
    let receivers = receiver::start(2, &alice.public_key_pem);
    let (down, up) = (&receivers[0], &receivers[1]);
    down.set_script(|s| s.always = Some(503));
    queue(
        &app,
        &alice,
        1,
        vec![down.inbox("/inbox"), up.inbox("/inbox")],
    )
    .await;
    assert!(
        wait_for(Duration::from_secs(10), || up.accepted().len() == 1).await,
        "a healthy host is not held up"
    );

    // After eight failures in a row the host is marked unavailable and left alone.
    let failing_hosts = || async {
        let mut conn = app.pool.get().await.unwrap();
        staffroom::db::deliveries::failing_hosts(&mut conn, 10)
            .await
            .unwrap()
    };
    let hosts = eventually(
        Duration::from_secs(15),
        "the failing host is marked unavailable",
        || async {
            let hosts = failing_hosts().await;
            hosts.iter().any(|h| h.unavailable).then_some(hosts)
        },
    )
    .await;
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0].host, down.host());
    assert!(down.hits() >= 8, "{} attempts", down.hits());
    let hits_when_marked = down.hits();

    // More posts for it wait, though they are due now: the host is only probed, every
    // 1.5 s, not sent each post at once. The probes themselves are the control that
    // it is still tried.
    queue(&app, &alice, 2, vec![down.inbox("/inbox")]).await;
    queue(&app, &alice, 3, vec![down.inbox("/inbox")]).await;
    assert!(
        wait_for(Duration::from_secs(10), || down.hits()
            >= hits_when_marked + 2)
        .await,
        "the unavailable host is probed"
    );
    let log = down.log.lock().unwrap().clone();
    let gap = log[hits_when_marked + 1].at - log[hits_when_marked].at;
    assert!(
        gap >= Duration::from_millis(1200),
        "an unavailable host is only probed, not hammered: two requests {gap:?} apart"
    );

    // When it comes back, a probe finds it and everything goes.
    down.set_script(|s| s.always = None);
    assert!(
        wait_for(Duration::from_secs(15), || down.accepted().len() == 3).await,
        "all three arrive after recovery"
    );
    let mut conn = app.pool.get().await.unwrap();
    assert!(
        staffroom::db::deliveries::failing_hosts(&mut conn, 10)
            .await
            .unwrap()
            .is_empty(),
        "the host's record is cleared"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_retry_makes_a_host_due_now() {
    let app = TestApp::spawn_with(&[("STAFFROOM_DELIVERY_RETRY_BASE_MS", "600000")]).await;
    let alice = app.create_user("alice").await.account;
    let receivers = receiver::start(1, &alice.public_key_pem);
    let r = &receivers[0];
    r.set_script(|s| s.first = [500].into());
    queue(&app, &alice, 1, vec![r.inbox("/inbox")]).await;
    assert!(wait_for(Duration::from_secs(10), || r.hits() == 1).await);

    // Once the failure is recorded, the operator sees it waiting for its retry.
    let queue_status = || async {
        let status = common::staffroom_command(&[("DATABASE_URL", &app.db.url)])
            .args(["queue", "status"])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        String::from_utf8_lossy(&status.stdout).to_string()
    };
    let text = eventually(
        Duration::from_secs(10),
        "queue status shows the failed delivery being retried",
        || async {
            let text = queue_status().await;
            (text.contains("Pending deliveries: 1 (0 due now, 1 being retried)")).then_some(text)
        },
    )
    .await;
    assert!(text.contains(&r.host()), "{text}");

    // The next attempt is ten minutes away; the operator says it is fixed.
    let out = common::staffroom_command(&[("DATABASE_URL", &app.db.url)])
        .args(["queue", "retry", &r.host()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("1 pending"));
    assert!(
        wait_for(Duration::from_secs(5), || r.accepted().len() == 1).await,
        "sent right away"
    );
}

/// `kill -9` in the middle of a fan-out loses nothing: after a restart every
/// receiver gets the post.
#[tokio::test(flavor = "multi_thread")]
async fn a_killed_server_delivers_everything_after_restart() {
    let db = common::TestDb::new().await;
    staffroom::db::run_migrations(&db.url).await.unwrap();
    let pool = staffroom::db::build_pool(&db.url, 2).unwrap();
    let alice = staffroom::services::accounts::create_local_user(
        &pool,
        staffroom::services::accounts::NewUser {
            username: "alice".into(),
            display_name: None,
            password: None,
            admin: false,
        },
    )
    .await
    .unwrap()
    .account;
    let receivers = receiver::start(60, &alice.public_key_pem);
    for r in &receivers {
        r.set_script(|s| s.latency = Duration::from_millis(400));
    }
    let port = common::free_port();
    let domain = format!("127.0.0.1:{port}");
    let data = tempfile::tempdir().unwrap();
    let serve = || {
        let mut cmd = common::staffroom_command(&[
            ("DATABASE_URL", &db.url),
            ("STAFFROOM_DOMAIN", &domain),
            ("STAFFROOM_BIND", &domain),
            ("STAFFROOM_DEV", "true"),
            ("STAFFROOM_DATA_DIR", data.path().to_str().unwrap()),
            ("STAFFROOM_DELIVERY_CONCURRENCY", "8"),
            ("STAFFROOM_DELIVERY_TIMEOUT_MS", "1000"),
        ]);
        cmd.arg("serve");
        ServeProcess::start(cmd)
    };
    let mut server = serve();
    {
        let urls = Urls::new("http", &domain);
        let id = format!("http://{domain}/users/alice/statuses/1/activity");
        let activity = json!({ "id": id, "type": "Create", "actor": urls.actor("alice") });
        let mut conn = pool.get().await.unwrap();
        delivery::enqueue(
            &mut conn,
            &urls,
            &alice,
            &id,
            &activity,
            receivers.iter().map(|r| r.inbox("/inbox")),
        )
        .await
        .unwrap();
    }
    // Kill it while some receivers have it and some do not.
    assert!(
        wait_for(Duration::from_secs(10), || receivers
            .iter()
            .filter(|r| r.hits() > 0)
            .count()
            >= 8)
        .await
    );
    unsafe { libc::kill(server.child.id() as i32, libc::SIGKILL) };
    let _ = server.child.wait();
    let before = receivers
        .iter()
        .filter(|r| !r.accepted().is_empty())
        .count();
    assert!(
        before < receivers.len(),
        "killed mid fan-out ({before} of {} delivered)",
        receivers.len()
    );

    let mut server = serve();
    assert!(
        wait_for(Duration::from_secs(40), || receivers
            .iter()
            .all(|r| !r.accepted().is_empty()))
        .await,
        "after the restart every receiver has the post: {} of {}",
        receivers
            .iter()
            .filter(|r| !r.accepted().is_empty())
            .count(),
        receivers.len()
    );
    for r in &receivers {
        assert!(r.accepted().iter().all(|got| got.verified));
    }
    queue_drained(&db.url).await;
    assert!(server.terminate().success());
}
