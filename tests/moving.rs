//! A teacher's network moving with them, between two real Staffroom instances:
//! importing a Mastodon follows CSV (command line, and the settings page in the
//! background with a progress page any node shows) sends real Follows; exports download as Mastodon's files; an outgoing `Move` makes the
//! other instance's follower follow the new account, and a `Move` whose target does
//! not name its origin is refused; deleting an account federates a `Delete` that
//! removes it and its posts on the other instance.

mod common;

use common::{api, browser, eventually, remote, staffroom_command, TestApp};
use serde_json::{json, Value};
use staffroom::{
    db::{accounts::Account, follows::Follow, statuses::Status},
    federation::fetch,
    services::{follows, moving, statuses},
};
use std::{process::Stdio, time::Duration};

const WAIT: Duration = Duration::from_secs(30);

fn cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    let vars = [
        ("DATABASE_URL", app.db.url.as_str()),
        ("STAFFROOM_DOMAIN", app.domain.as_str()),
        ("STAFFROOM_DEV", "true"),
    ];
    staffroom_command(&vars)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("staffroom runs")
}

async fn known(app: &TestApp, uri: &str) -> Option<Account> {
    let mut conn = app.pool.get().await.unwrap();
    Account::find_by_uri(&mut conn, uri).await.unwrap()
}

async fn follows_on(app: &TestApp, follower: &Account, target: &Account) -> Option<Follow> {
    let mut conn = app.pool.get().await.unwrap();
    Follow::find(&mut conn, follower.id, target.id)
        .await
        .unwrap()
}

/// `target` (local on `target_app`) has an accepted follower known there by `follower_uri`.
async fn follower_arrived(target_app: &TestApp, follower_uri: &str, target: &Account) -> bool {
    match known(target_app, follower_uri).await {
        Some(f) => follows_on(target_app, &f, target)
            .await
            .is_some_and(|f| f.accepted),
        None => false,
    }
}

/// A signed-in browser's session cookie.
async fn session(app: &TestApp, name: &str, password: &str) -> String {
    let res = browser::fill_in(
        app,
        "/auth/sign_in",
        "staffroom_sign_in",
        "/auth/sign_in",
        &[("login", name), ("password", password)],
    )
    .await;
    assert_eq!(res.status(), 303);
    browser::set_cookie(&res, "staffroom_session").expect("a session")
}

fn multipart(csrf: &str, file: &str) -> (String, Vec<u8>) {
    let boundary = "----staffroom-import-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"follows\"; filename=\"following_accounts.csv\"\r\nContent-Type: text/csv\r\n\r\n{file}\r\n\
         --{boundary}--\r\n"
    );
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

/// A server that accepts connections and answers nothing until the sender is used;
/// then it closes them all (the look-ups waiting on it fail).
fn held_server() -> (u16, std::sync::mpsc::Sender<()>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        loop {
            if let Ok((stream, _)) = listener.accept() {
                held.push(stream);
            }
            match rx.try_recv() {
                Ok(()) | Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
                Err(std::sync::mpsc::TryRecvError::Empty) => {
                    std::thread::sleep(Duration::from_millis(20))
                }
            }
        }
        // Dropping the listener and the streams refuses and resets every look-up.
        drop(held);
    });
    (port, tx)
}

/// A second `serve` of `app`'s instance: the same database and domain, its own port,
/// as behind a proxy (docs/operations.md, "Several web nodes").
async fn second_node(app: &TestApp) -> (String, actix_web::dev::ServerHandle) {
    let bind = format!("127.0.0.1:{}", common::free_port());
    let data = tempfile::tempdir().unwrap().keep();
    let settings = common::settings(&[
        ("STAFFROOM_DOMAIN", &app.domain),
        ("STAFFROOM_BIND", &bind),
        ("DATABASE_URL", &app.db.url),
        ("STAFFROOM_DATA_DIR", data.to_str().unwrap()),
        ("STAFFROOM_DEV", "true"),
        ("STAFFROOM_DB_POOL_SIZE", "4"),
    ]);
    let node = staffroom::startup::Application::build(settings, &app.db.url)
        .await
        .expect("a second node builds");
    let handle = node.handle();
    tokio::spawn(node.run_until_stopped());
    (format!("http://{bind}"), handle)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mastodon_follows_csv_imports_and_exports_download() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ada = a.create_user("ada").await;
    let password = ada.generated_password.clone().unwrap();
    let ada = ada.account;
    let (bob, cy, dan) = (
        b.create_user("bob").await.account,
        b.create_user("cy").await.account,
        b.create_user("dan").await.account,
    );
    let ada_uri = format!("{}/users/ada", a.address);

    // The command line: two good lines, one that is no handle, one nobody at B.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("following_accounts.csv");
    std::fs::write(
        &file,
        format!("Account address,Show boosts,Notify on new posts,Languages\nbob@{0},true,false,\nnot-a-handle,true,false,\nnobody@{0},true,false,\ncy@{0},true,true,\"en,de\"\n", b.domain),
    )
    .unwrap();
    let out = cli(&a, &["import", "follows", "ada", file.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("@ada now follows 2 more account(s); 2 line(s) failed."),
        "{stdout}"
    );
    assert!(stdout.contains("line 3: not-a-handle"), "{stdout}");
    assert!(
        stdout.contains(&format!("line 4: nobody@{}", b.domain)),
        "{stdout}"
    );
    assert!(
        stderr.contains("looked up 3 of 3"),
        "progress is shown: {stderr}"
    );
    eventually(WAIT, "bob and cy at B hear ada's Follows", || async {
        follower_arrived(&b, &ada_uri, &bob).await && follower_arrived(&b, &ada_uri, &cy).await
    })
    .await;
    let cy_on_a = fetch::webfinger(&a.ctx, "cy", &b.domain).await.unwrap();
    {
        let mut conn = a.pool.get().await.unwrap();
        assert!(
            staffroom::db::account_lists::notifies(&mut conn, ada.id, cy_on_a.id)
                .await
                .unwrap(),
            "Notify on new posts is kept"
        );
    }

    // The settings page: a file with dan, a server that holds the look-up until the
    // test lets go, and a bad line. The import runs in the background; its page
    // shows how far it got, and the report once done.
    let (hold_port, release) = held_server();
    let cookie = session(&a, "ada", &password).await;
    let page = browser::get(&a, "/settings/moving", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    let csrf = browser::csrf_of(&page.text().await.unwrap());
    let (content_type, body) = multipart(
        &csrf,
        &format!("Account address,Show boosts,Notify on new posts,Languages\ndan@{},true,false,\nslow@127.0.0.1:{hold_port},true,false,\n@@@,true,false,\n", b.domain),
    );
    let started = std::time::Instant::now();
    let res = a
        .client
        .post(format!("{}/settings/import", a.address))
        .header("Cookie", &cookie)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        303,
        "the request does not wait for the import"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    let progress = browser::location(&res);
    assert!(progress.starts_with("/settings/import/"), "{progress}");
    let running = browser::get(&a, &progress, Some(&cookie)).await;
    assert_eq!(
        running
            .headers()
            .get("refresh")
            .map(|v| v.to_str().unwrap()),
        Some("2"),
        "the page reloads itself while the import runs"
    );
    let html = running.text().await.unwrap();
    assert!(
        html.contains("Importing: looked up 0 of 2 accounts, followed 0 so far."),
        "{html}"
    );
    assert!(
        html.contains("<td>4</td><td>@@@</td>"),
        "a line that is no address is named at once: {html}"
    );
    release.send(()).unwrap();
    let html = eventually(WAIT, "the import page shows the report", || async {
        let page = browser::get(&a, &progress, Some(&cookie)).await;
        let refresh = page.headers().contains_key("refresh");
        let html = page.text().await.unwrap();
        (html.contains("Followed 1 accounts; 2 lines failed.") && !refresh).then_some(html)
    })
    .await;
    assert!(
        html.contains(&format!("<td>3</td><td>slow@127.0.0.1:{hold_port}</td>")),
        "the unanswered line is named: {html}"
    );
    eventually(WAIT, "dan at B hears ada's Follow", || async {
        follower_arrived(&b, &ada_uri, &dan).await
    })
    .await;
    // The job is rows in the database: another `serve` of the instance shows the same
    // report, and the settings page keeps it after a reload.
    let (node, node_handle) = second_node(&a).await;
    let elsewhere = a
        .client
        .get(format!("{node}{progress}"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        elsewhere.contains("Followed 1 accounts; 2 lines failed."),
        "{elsewhere}"
    );
    node_handle.stop(true).await;
    let moving_page = browser::get(&a, "/settings/moving", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        moving_page.contains("Followed 1 accounts; 2 lines failed.")
            && moving_page.contains(&format!("href=\"{progress}\"")),
        "{moving_page}"
    );

    // Exports: follows and bookmarks as Mastodon's CSV, posts as an outbox.json.
    let token = api::token(&a, "ada").await;
    let public = api::status(&a, &token, "Lesson plan for Monday", "public").await;
    api::status(&a, &token, "Only for my followers", "private").await;
    assert_eq!(
        api::post(
            &a,
            &format!(
                "/api/v1/statuses/{}/bookmark",
                public["id"].as_str().unwrap()
            ),
            &token,
            &[]
        )
        .await
        .status,
        200
    );
    let csv = browser::get(&a, "/settings/export/following_accounts.csv", Some(&cookie)).await;
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("following_accounts.csv"));
    let csv = csv.text().await.unwrap();
    assert!(
        csv.starts_with("Account address,Show boosts,Notify on new posts,Languages\n"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("bob@{},true,false,\n", b.domain)),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("cy@{},true,true,\n", b.domain)),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("dan@{},true,false,\n", b.domain)),
        "{csv}"
    );
    let bookmarks = browser::get(&a, "/settings/export/bookmarks.csv", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(bookmarks.trim(), public["uri"].as_str().unwrap());
    let outbox: Value = browser::get(&a, "/settings/export/outbox.json", Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 2);
    let items = outbox["orderedItems"].as_array().unwrap();
    assert!(items.iter().all(|i| i["type"] == "Create"));
    assert!(
        items.iter().any(|i| i["object"]["content"]
            .as_str()
            .unwrap()
            .contains("Only for my followers")),
        "followers-only posts are in the archive"
    );
    assert_eq!(
        browser::get(&a, "/settings/export/following_accounts.csv", None)
            .await
            .status(),
        303,
        "only for the signed-in teacher"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_outgoing_move_makes_the_other_instances_follower_follow_the_new_account() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let old = a.create_user("ada_old").await.account;
    let new = a.create_user("ada_new").await.account;
    let ben = b.create_user("ben").await.account;
    let old_uri = format!("{}/users/ada_old", a.address);
    let new_uri = format!("{}/users/ada_new", a.address);
    let old_on_b = fetch::webfinger(&b.ctx, "ada_old", &a.domain)
        .await
        .unwrap();
    follows::follow(&b.ctx, &ben, &old_on_b).await.unwrap();
    let ben_uri = format!("{}/users/ben", b.address);
    eventually(WAIT, "ben follows ada_old", || async {
        follower_arrived(&a, &ben_uri, &old).await
    })
    .await;

    // Without the alias on the new account, the move is refused.
    let refused = moving::move_to(&a.ctx, &old, &format!("ada_new@{}", a.domain))
        .await
        .unwrap_err();
    assert!(
        refused
            .message
            .contains("does not name this one as an alias"),
        "{}",
        refused.message
    );

    moving::set_aliases(&a.ctx, &new, &format!("ada_old@{}", a.domain))
        .await
        .unwrap();
    let doc: Value = a
        .client
        .get(&new_uri)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["alsoKnownAs"], json!([old_uri]));
    // Apps see no `moved` before the move (and `moved` after it, below).
    let token_a = api::token(&a, "ada_new").await;
    let token_b = api::token(&b, "ben").await;
    let before = api::get(&a, "/api/v1/accounts/lookup?acct=ada_old", Some(&token_a)).await;
    assert_eq!(before.status, 200);
    assert!(before.body.get("moved").is_none(), "{}", before.body);
    assert!(!browser::get(&a, "/@ada_old", None)
        .await
        .text()
        .await
        .unwrap()
        .contains("has moved to"));
    moving::move_to(&a.ctx, &old, &format!("ada_new@{}", a.domain))
        .await
        .unwrap();
    let doc: Value = a
        .client
        .get(&old_uri)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["movedTo"], new_uri);
    // Here, the account that sent the Move: `moved` in the API, a link on its profile.
    let after = api::get(&a, &format!("/api/v1/accounts/{}", old.id), Some(&token_a)).await;
    assert_eq!(
        after.body["moved"]["id"],
        new.id.to_string(),
        "{}",
        after.body
    );
    assert_eq!(after.body["moved"]["acct"], "ada_new");
    assert!(after.body["moved"].get("moved").is_none(), "not nested");
    let profile = browser::get(&a, "/@ada_old", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        profile.contains("ada_old (teacher) has moved to <a href=\"/@ada_new\">"),
        "{profile}"
    );
    let german = a
        .client
        .get(format!("{}/@ada_old", a.address))
        .header("Accept-Language", "de")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        german.contains("ist umgezogen nach <a href=\"/@ada_new\">"),
        "{german}"
    );

    // B checked the alias and re-pointed ben's follow; A hears ben's new Follow.
    eventually(WAIT, "ben follows ada_new at A", || async {
        follower_arrived(&a, &ben_uri, &new).await
    })
    .await;
    eventually(WAIT, "ben no longer follows ada_old", || async {
        let old_on_b = known(&b, &old_uri).await.unwrap();
        follows_on(&b, &ben, &old_on_b).await.is_none()
    })
    .await;
    // At B, which believed the Move: the remote account's `moved` and its profile's link.
    let lookup = api::get(
        &b,
        &format!("/api/v1/accounts/lookup?acct=ada_old@{}", a.domain),
        Some(&token_b),
    )
    .await;
    assert_eq!(
        lookup.body["moved"]["acct"],
        format!("ada_new@{}", a.domain),
        "{}",
        lookup.body
    );
    let profile = browser::get(&b, &format!("/@ada_old@{}", a.domain), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        profile.contains(&format!("has moved to <a href=\"/@ada_new@{}\">", a.domain)),
        "{profile}"
    );
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incoming_move_to_an_account_that_does_not_name_its_origin_is_refused() {
    let b = TestApp::spawn().await;
    let ben = b.create_user("ben").await.account;
    let liz = b.create_user("liz").await.account;
    // A remote teacher (a real HTTP server with its own key) whom ben follows.
    let mover = remote::start("mover");
    mover.serve("/users/mover", 200, mover.actor_document(&mover.key));
    let mover_here = fetch::resolve_actor(&b.ctx, &mover.id()).await.unwrap();
    follows::follow(&b.ctx, &ben, &mover_here).await.unwrap();
    let send_move = |target: String| {
        let body = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#moves/{}", mover.id(), staffroom::db::new_id()),
            "type": "Move",
            "actor": mover.id(),
            "object": mover.id(),
            "target": target,
        })
        .to_string();
        let req = mover.signed_post(
            &b.client,
            &format!("{}/inbox", b.address),
            &body,
            chrono::Utc::now(),
        );
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let liz_uri = format!("{}/users/liz", b.address);
    // liz does not name the mover: refused, ben still follows the mover.
    assert_eq!(send_move(liz_uri.clone()).await, 403);
    assert!(follows_on(&b, &ben, &mover_here).await.is_some());
    assert!(follows_on(&b, &ben, &liz).await.is_none());
    // Once liz names it, the same Move re-points ben's follow (the positive control).
    moving::set_aliases(&b.ctx, &liz, &mover.id())
        .await
        .unwrap();
    assert_eq!(send_move(liz_uri).await, 202);
    assert!(follows_on(&b, &ben, &liz).await.is_some_and(|f| f.accepted));
    assert!(follows_on(&b, &ben, &mover_here).await.is_none());
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deleting_an_account_federates_a_delete_that_removes_it_and_its_posts() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let dee = a.create_user("dee").await.account;
    let bea = b.create_user("bea").await.account;
    let dee_on_b = fetch::webfinger(&b.ctx, "dee", &a.domain).await.unwrap();
    follows::follow(&b.ctx, &bea, &dee_on_b).await.unwrap();
    let bea_uri = format!("{}/users/bea", b.address);
    eventually(WAIT, "bea follows dee", || async {
        follower_arrived(&a, &bea_uri, &dee).await
    })
    .await;
    let post = statuses::post(&a.ctx, &dee, common::public_post("Goodbye, staff room"))
        .await
        .unwrap();
    let post_uri = a.ctx.urls.status_uri(&post, &dee);
    let stored = || async {
        let mut conn = b.pool.get().await.unwrap();
        Status::find_by_uri(&mut conn, &post_uri).await.unwrap()
    };
    eventually(WAIT, "dee's post reaches B", || async {
        stored().await.is_some()
    })
    .await;

    let out = cli(
        &a,
        &["user", "delete", "dee", "--reason", "left the school"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("@dee is deleted; 1 server(s) will be told")
    );
    let dee_uri = format!("{}/users/dee", a.address);
    eventually(WAIT, "B removes dee and dee's posts", || async {
        known(&b, &dee_uri).await.is_none() && stored().await.is_none()
    })
    .await;
    assert_eq!(
        a.client
            .get(&dee_uri)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .unwrap()
            .status(),
        410
    );
    let again = cli(&a, &["user", "delete", "dee"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("deleted already"));
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_cut_off_by_a_restart_is_taken_up_where_it_stopped() {
    use diesel_async::RunQueryDsl;
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ada = a.create_user("ada").await;
    let password = ada.generated_password.clone().unwrap();
    let ada = ada.account;
    let (bob, cy) = (
        b.create_user("bob").await.account,
        b.create_user("cy").await.account,
    );
    let ada_uri = format!("{}/users/ada", a.address);
    // A process stored the job, followed bob (line 2), and stopped before cy.
    let job = {
        let mut conn = a.pool.get().await.unwrap();
        let form = staffroom::db::import_jobs::ImportJobInsertForm {
            id: staffroom::db::new_id(),
            account_id: ada.id,
            lines: json!([
                { "line": 2, "handle": format!("bob@{}", b.domain), "notify": false },
                { "line": 3, "handle": format!("cy@{}", b.domain), "notify": false },
            ]),
            total: 2,
            failed: json!([]),
            heartbeat_at: Some(chrono::Utc::now()),
        };
        let job = staffroom::db::import_jobs::insert(&mut conn, &form)
            .await
            .unwrap();
        staffroom::db::import_jobs::progress(&mut conn, job.id, 1, 1, &json!([]), false)
            .await
            .unwrap();
        job
    };
    // While its process may still be at it, nobody else takes it.
    staffroom::services::portability::run_waiting(&a.ctx)
        .await
        .unwrap();
    assert!(
        known(&a, &format!("{}/users/cy", b.address))
            .await
            .is_none(),
        "a job worked on a moment ago is left to its process"
    );
    {
        let mut conn = a.pool.get().await.unwrap();
        diesel::sql_query("UPDATE import_jobs SET heartbeat_at = now() - interval '10 minutes'")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    staffroom::services::portability::run_waiting(&a.ctx)
        .await
        .unwrap();
    eventually(WAIT, "cy at B hears ada's Follow", || async {
        follower_arrived(&b, &ada_uri, &cy).await
    })
    .await;
    assert!(
        known(&a, &format!("{}/users/bob", b.address))
            .await
            .is_none(),
        "the line done before the restart is not tried again"
    );
    assert!(!follower_arrived(&b, &ada_uri, &bob).await);
    let cookie = session(&a, "ada", &password).await;
    let page = browser::get(&a, &format!("/settings/import/{}", job.id), Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Followed 2 accounts; 0 lines failed."),
        "{page}"
    );
    a.stop().await;
    b.stop().await;
}
