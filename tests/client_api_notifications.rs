//! Notifications arrive for what others do to a teacher, here or on other servers
//! (mentions, boosts, favourites, follows, follow requests, edits of boosted or
//! favourited posts), once each, never for one's own actions; they page, filter,
//! dismiss and clear as on Mastodon. Markers remember where a reader stopped.

mod common;

use chrono::Utc;
use common::{api, remote, TestApp};
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// `(type, acct of who caused it)` of each notification, newest first.
fn summary(list: &api::Answer) -> Vec<(String, String)> {
    list.body
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", list.body))
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap().to_string(),
                n["account"]["acct"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn deliver(app: &TestApp, actor: &remote::RemoteActor, activity: Value) {
    let res = actor
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &activity.to_string(),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "inbox answered {}: {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn local_actions_notify_once_and_never_oneself() {
    let app = TestApp::spawn().await;
    let alice_id = app.create_user("alice").await.account.id.to_string();
    let bob_id = app.create_user("bob").await.account.id.to_string();
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;

    let lesson = api::status(&app, &alice, "Lesson plan", "public").await;
    api::post(
        &app,
        &format!("/api/v1/statuses/{}/favourite", id(&lesson)),
        &alice,
        &[],
    )
    .await;
    api::status(&app, &alice, "Note to @alice self", "public").await;
    assert_eq!(
        summary(&api::get(&app, "/api/v1/notifications", Some(&alice)).await),
        pairs(&[]),
        "nothing for one's own actions"
    );

    api::post(
        &app,
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        &[],
    )
    .await;
    let mention = api::status(&app, &bob, "@alice see you at lunch", "public").await;
    for _ in 0..2 {
        api::post(
            &app,
            &format!("/api/v1/statuses/{}/favourite", id(&lesson)),
            &bob,
            &[],
        )
        .await;
        api::post(
            &app,
            &format!("/api/v1/statuses/{}/reblog", id(&lesson)),
            &bob,
            &[],
        )
        .await;
    }
    let list = api::get(&app, "/api/v1/notifications", Some(&alice)).await;
    assert_eq!(list.status, 200);
    assert_eq!(
        summary(&list),
        pairs(&[
            ("reblog", "bob"),
            ("favourite", "bob"),
            ("mention", "bob"),
            ("follow", "bob")
        ])
    );

    // Mastodon's Notification entity.
    let n = &list.body[2];
    assert_eq!(n["status"]["id"], mention["id"]);
    assert_eq!(n["group_key"], format!("ungrouped-{}", id(n)));
    assert!(n["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        list.body[0]["status"]["id"], lesson["id"],
        "a boost notification shows the boosted post"
    );
    assert!(
        list.body[3].get("status").is_none(),
        "a follow has no status"
    );
    assert_eq!(
        api::get(&app, "/api/v1/notifications", Some(&bob))
            .await
            .ids(),
        Vec::<String>::new()
    );

    // Undoing takes the notification away.
    api::post(
        &app,
        &format!("/api/v1/statuses/{}/unfavourite", id(&lesson)),
        &bob,
        &[],
    )
    .await;
    assert_eq!(
        summary(&api::get(&app, "/api/v1/notifications", Some(&alice)).await).len(),
        3
    );

    // Filters and paging.
    let only = api::get(
        &app,
        "/api/v1/notifications?types[]=mention&types[]=follow",
        Some(&alice),
    )
    .await;
    assert_eq!(
        summary(&only),
        pairs(&[("mention", "bob"), ("follow", "bob")])
    );
    let except = api::get(
        &app,
        "/api/v1/notifications?exclude_types[]=mention",
        Some(&alice),
    )
    .await;
    assert_eq!(
        summary(&except),
        pairs(&[("reblog", "bob"), ("follow", "bob")])
    );
    assert_eq!(
        api::get(&app, "/api/v1/notifications?types[]=poll", Some(&alice))
            .await
            .ids(),
        Vec::<String>::new()
    );
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/notifications?account_id={alice_id}"),
            Some(&alice)
        )
        .await
        .ids(),
        Vec::<String>::new()
    );
    let by_bob = api::get(
        &app,
        &format!("/api/v1/notifications?account_id={bob_id}"),
        Some(&alice),
    )
    .await;
    assert_eq!(
        summary(&by_bob),
        pairs(&[("reblog", "bob"), ("mention", "bob"), ("follow", "bob")]),
        "the filter by account does find bob's"
    );
    let page = api::get(&app, "/api/v1/notifications?limit=2", Some(&alice)).await;
    assert_eq!(summary(&page).len(), 2);
    let rest = api::get(&app, &page.link_to("next").unwrap(), Some(&alice)).await;
    assert_eq!(summary(&rest), pairs(&[("follow", "bob")]));

    // One, dismiss, unread count against the marker, clear.
    let one = api::get(
        &app,
        &format!("/api/v1/notifications/{}", id(&rest.body[0])),
        Some(&alice),
    )
    .await;
    assert_eq!(one.body["type"], "follow");
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/notifications/{}", id(&rest.body[0])),
            Some(&bob)
        )
        .await
        .status,
        404
    );
    assert_eq!(
        api::get(&app, "/api/v1/notifications/unread_count", Some(&alice))
            .await
            .body["count"],
        3
    );
    let marked = api::post(
        &app,
        "/api/v1/markers",
        &alice,
        &[("notifications[last_read_id]", &id(&page.body[1]))],
    )
    .await;
    assert_eq!(marked.status, 200);
    assert_eq!(
        marked.body["notifications"]["last_read_id"],
        page.body[1]["id"]
    );
    assert_eq!(
        api::get(&app, "/api/v1/notifications/unread_count", Some(&alice))
            .await
            .body["count"],
        1
    );
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/notifications/{}/dismiss", id(&page.body[0])),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        summary(&api::get(&app, "/api/v1/notifications", Some(&alice)).await).len(),
        2
    );
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/notifications/{}/dismiss", id(&page.body[0])),
            &alice,
            &[]
        )
        .await
        .status,
        404
    );
    assert_eq!(
        api::post(&app, "/api/v1/notifications/clear", &alice, &[])
            .await
            .status,
        200
    );
    assert_eq!(
        api::get(&app, "/api/v1/notifications", Some(&alice))
            .await
            .ids(),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn activities_from_other_servers_notify() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let dave_id = app.create_user("dave").await.account.id.to_string();
    let alice = api::token(&app, "alice").await;
    let dave = api::token(&app, "dave").await;
    let lock = app
        .client
        .patch(format!(
            "{}/api/v1/accounts/update_credentials",
            app.address
        ))
        .bearer_auth(&dave);
    let locked = lock.form(&[("locked", "true")]).send().await.unwrap();
    assert_eq!(locked.status(), 200);
    let carol = remote::start("carol");
    let carol_acct = format!("carol@{}", carol.base.trim_start_matches("http://"));
    let alice_actor = format!("{}/users/alice", app.address);
    let lesson = api::status(&app, &alice, "Lesson plan", "public").await;
    let lesson_uri = lesson["uri"].as_str().unwrap().to_string();

    let activity = |kind: &str, id: String, object: &str| json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": kind, "actor": carol.id(), "object": object });
    let follow =
        |n: u32, object: &str| activity("Follow", format!("{}#follows/{n}", carol.id()), object);
    deliver(&app, &carol, follow(1, &alice_actor)).await;
    deliver(&app, &carol, follow(2, &alice_actor)).await;
    // A mention, through the inbox's batched path, sent twice.
    let note_id = format!("{}/notes/1", carol.id());
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": carol.id(),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": carol.id(),
            "content": format!("<p><span class=\"h-card\"><a href=\"{alice_actor}\" class=\"u-url mention\">@alice</a></span> great idea</p>"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "inReplyTo": lesson_uri,
            "published": "2026-11-26T10:00:00Z",
            "tag": [{ "type": "Mention", "href": alice_actor, "name": format!("@alice@{}", app.domain) }]
        }
    });
    deliver(&app, &carol, create.clone()).await;
    deliver(&app, &carol, create.clone()).await;
    let like = |n: u32| activity("Like", format!("{}#likes/{n}", carol.id()), &lesson_uri);
    deliver(&app, &carol, like(1)).await;
    deliver(&app, &carol, like(1)).await;
    deliver(&app, &carol, like(2)).await;
    deliver(
        &app,
        &carol,
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}/announces/1", carol.id()),
            "type": "Announce",
            "actor": carol.id(),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [alice_actor],
            "object": lesson_uri,
        }),
    )
    .await;
    let list = api::get(&app, "/api/v1/notifications", Some(&alice)).await;
    assert_eq!(
        summary(&list),
        pairs(&[
            ("reblog", &carol_acct),
            ("favourite", &carol_acct),
            ("mention", &carol_acct),
            ("follow", &carol_acct)
        ]),
        "each once, however often it came"
    );
    assert_eq!(
        list.body[2]["status"]["content"]
            .as_str()
            .unwrap()
            .contains("great idea"),
        true
    );

    // Alice favourites carol's post; carol edits it.
    let carols = list.body[2]["status"]["id"].as_str().unwrap().to_string();
    api::post(
        &app,
        &format!("/api/v1/statuses/{carols}/favourite"),
        &alice,
        &[],
    )
    .await;
    let mut edited = create["object"].clone();
    edited["content"] = json!("<p>great idea, edited</p>");
    edited["updated"] = json!("2026-11-26T11:00:00Z");
    deliver(
        &app,
        &carol,
        json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{note_id}#updates/1"), "type": "Update", "actor": carol.id(), "object": edited }),
    )
    .await;
    let list = api::get(&app, "/api/v1/notifications?types[]=update", Some(&alice)).await;
    assert_eq!(summary(&list), pairs(&[("update", &carol_acct)]));
    assert!(list.body[0]["status"]["content"]
        .as_str()
        .unwrap()
        .contains("edited"));

    // A locked account gets a follow request, which goes once answered.
    deliver(
        &app,
        &carol,
        follow(3, &format!("{}/users/dave", app.address)),
    )
    .await;
    let requests = api::get(&app, "/api/v1/notifications", Some(&dave)).await;
    assert_eq!(
        summary(&requests),
        pairs(&[("follow_request", &carol_acct)])
    );
    let carol_id = requests.body[0]["account"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let waiting = api::get(&app, "/api/v1/follow_requests", Some(&dave)).await;
    assert_eq!(waiting.ids(), [carol_id.clone()]);
    let me = api::get(&app, "/api/v1/accounts/verify_credentials", Some(&dave)).await;
    assert_eq!(
        me.body["source"]["follow_requests_count"], 1,
        "apps show the waiting requests' count"
    );
    assert!(
        waiting.link_to("prev").is_some() && waiting.link_to("next").is_none(),
        "{:?}",
        waiting.link
    );
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/follow_requests/{carol_id}/authorize"),
            &dave,
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api::get(&app, "/api/v1/notifications", Some(&dave))
            .await
            .ids(),
        Vec::<String>::new()
    );
    let _ = dave_id;
}

#[tokio::test(flavor = "multi_thread")]
async fn following_with_notify_tells_of_new_posts() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let bob_id = app.create_user("bob").await.account.id.to_string();
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let follow = api::post(
        &app,
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        &[("notify", "true")],
    )
    .await;
    assert_eq!(
        (
            follow.body["following"].clone(),
            follow.body["notifying"].clone()
        ),
        (json!(true), json!(true))
    );

    let news = api::status(&app, &bob, "New worksheet is up", "public").await;
    api::status(&app, &bob, "For followers", "private").await;
    api::status(&app, &bob, "@alice just for you", "direct").await;
    let list = api::get(&app, "/api/v1/notifications?types[]=status", Some(&alice)).await;
    assert_eq!(
        summary(&list),
        pairs(&[("status", "bob"), ("status", "bob")]),
        "posts, not direct messages"
    );
    assert_eq!(list.body[1]["status"]["id"], news["id"]);
    let boost = api::post(
        &app,
        &format!("/api/v1/statuses/{}/reblog", id(&news)),
        &bob,
        &[],
    )
    .await;
    assert_eq!(boost.status, 200, "{}", boost.body);
    assert_eq!(
        summary(&api::get(&app, "/api/v1/notifications?types[]=status", Some(&alice)).await).len(),
        2,
        "not for boosts"
    );

    let off = api::post(
        &app,
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        &[("notify", "false")],
    )
    .await;
    assert_eq!(off.body["notifying"], false);
    let another = api::status(&app, &bob, "Another one", "public").await;
    // Control: alice still follows bob and has the post, in her home timeline.
    assert!(
        api::get(&app, "/api/v1/timelines/home", Some(&alice))
            .await
            .ids()
            .contains(&id(&another)),
        "alice still sees bob's posts"
    );
    assert_eq!(
        summary(&api::get(&app, "/api/v1/notifications?types[]=status", Some(&alice)).await).len(),
        2,
        "but is no longer told of them"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn markers_are_kept_per_user() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let path = "/api/v1/markers?timeline[]=home&timeline[]=notifications";
    assert_eq!(api::get(&app, path, Some(&alice)).await.body, json!({}));
    let set = api::post(
        &app,
        "/api/v1/markers",
        &alice,
        &[("home[last_read_id]", "103194548672408537")],
    )
    .await;
    assert_eq!(set.status, 200);
    assert_eq!(set.body["home"]["last_read_id"], "103194548672408537");
    assert_eq!(set.body["home"]["version"], 1);
    let json_body = app
        .client
        .post(format!("{}/api/v1/markers", app.address))
        .bearer_auth(&alice)
        .json(&json!({ "home": { "last_read_id": "103194548672408600" }, "notifications": { "last_read_id": "5" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(json_body.status(), 200);
    let both = api::get(&app, path, Some(&alice)).await.body;
    assert_eq!(both["home"]["last_read_id"], "103194548672408600");
    assert_eq!(both["home"]["version"], 2);
    assert_eq!(both["notifications"]["last_read_id"], "5");
    assert!(both["home"]["updated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        api::get(
            &app,
            "/api/v1/markers?timeline[]=notifications",
            Some(&alice)
        )
        .await
        .body
        .as_object()
        .unwrap()
        .len(),
        1
    );
    assert_eq!(
        api::get(&app, path, Some(&bob)).await.body,
        json!({}),
        "markers are per user"
    );
    let bad = api::post(
        &app,
        "/api/v1/markers",
        &alice,
        &[("home[last_read_id]", "yesterday")],
    )
    .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        api::post(&app, "/api/v1/markers", &alice, &[]).await.status,
        400
    );
}
