//! Lists over real HTTP (issue 15): a list's timeline holds exactly its members'
//! posts (and their replies as its replies policy says), only accounts one follows
//! may be members, exclusive lists keep their members out of home, and the list
//! stream carries what the list shows.

mod common;

use common::{api, sse::Sse, TestApp};
use reqwest::Method;
use serde_json::Value;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

fn contents(a: &api::Answer) -> Vec<String> {
    a.body
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", a.body))
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect()
}

fn has(a: &api::Answer, text: &str) -> bool {
    contents(a).iter().any(|c| c.contains(text))
}

struct Room {
    app: TestApp,
    alice: String,
    bob: String,
    carol: String,
    dave: String,
    bob_id: String,
    carol_id: String,
    dave_id: String,
}

/// alice follows bob and carol; dave is a stranger to her.
async fn room() -> Room {
    let app = TestApp::spawn().await;
    for name in ["alice", "bob", "carol", "dave"] {
        app.create_user(name).await;
    }
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let carol = api::token(&app, "carol").await;
    let dave = api::token(&app, "dave").await;
    let lookup = |name: &'static str| {
        let app = &app;
        let alice = alice.clone();
        async move {
            id(&api::get(
                app,
                &format!("/api/v1/accounts/lookup?acct={name}"),
                Some(&alice),
            )
            .await
            .body)
        }
    };
    let bob_id = lookup("bob").await;
    let carol_id = lookup("carol").await;
    let dave_id = lookup("dave").await;
    for target in [&bob_id, &carol_id] {
        let a = api::post(
            &app,
            &format!("/api/v1/accounts/{target}/follow"),
            &alice,
            &[],
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
    Room {
        app,
        alice,
        bob,
        carol,
        dave,
        bob_id,
        carol_id,
        dave_id,
    }
}

async fn new_list(r: &Room, title: &str, form: &[(&str, &str)]) -> String {
    let mut fields = vec![("title", title)];
    fields.extend_from_slice(form);
    let a = api::post(&r.app, "/api/v1/lists", &r.alice, &fields).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["title"], title);
    id(&a.body)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_list_timeline_holds_exactly_its_members_posts_and_replies_as_its_policy_says() {
    let r = &room().await;
    let app = &r.app;
    let list = new_list(r, "Maths department", &[]).await;
    let created = api::get(app, &format!("/api/v1/lists/{list}"), Some(&r.alice)).await;
    assert_eq!(
        (
            created.body["replies_policy"].as_str(),
            created.body["exclusive"].as_bool()
        ),
        (Some("list"), Some(false)),
        "Mastodon's defaults"
    );

    // Only accounts alice follows may be members: dave is refused, bob is taken.
    let refused = api::post(
        app,
        &format!("/api/v1/lists/{list}/accounts"),
        &r.alice,
        &[("account_ids[]", &r.dave_id)],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let added = api::post(
        app,
        &format!("/api/v1/lists/{list}/accounts"),
        &r.alice,
        &[("account_ids[]", &r.bob_id)],
    )
    .await;
    assert_eq!(added.status, 200, "{}", added.body);
    let members = api::get(
        app,
        &format!("/api/v1/lists/{list}/accounts"),
        Some(&r.alice),
    )
    .await;
    assert_eq!(members.ids(), [r.bob_id.clone()]);
    let of_bob = api::get(
        app,
        &format!("/api/v1/accounts/{}/lists", r.bob_id),
        Some(&r.alice),
    )
    .await;
    assert_eq!(of_bob.ids(), [list.clone()]);
    assert!(api::get(
        app,
        &format!("/api/v1/accounts/{}/lists", r.carol_id),
        Some(&r.alice)
    )
    .await
    .ids()
    .is_empty());

    // Someone else's list does not exist for them.
    for path in [
        format!("/api/v1/lists/{list}"),
        format!("/api/v1/timelines/list/{list}"),
        format!("/api/v1/lists/{list}/accounts"),
    ] {
        assert_eq!(
            api::get(app, &path, Some(&r.dave)).await.status,
            404,
            "{path}"
        );
    }
    assert!(api::get(app, "/api/v1/lists", Some(&r.dave))
        .await
        .ids()
        .is_empty());

    let carol_post = api::status(app, &r.carol, "Carol: a geometry puzzle", "public").await;
    let alice_post = api::status(app, &r.alice, "Alice asks about homework", "public").await;
    api::status(app, &r.bob, "Bob: fractions worksheet", "public").await;
    api::status(app, &r.bob, "Bob, followers only: staff meeting", "private").await;
    api::status(app, &r.dave, "Dave is not in the list", "public").await;
    let reply = |to: &Value, text: &'static str| {
        let to = id(to);
        async move {
            api::post(
                app,
                "/api/v1/statuses",
                &r.bob,
                &[("status", text), ("in_reply_to_id", &to)],
            )
            .await
        }
    };
    assert_eq!(
        reply(&carol_post, "@carol Bob replies to Carol")
            .await
            .status,
        200
    );
    assert_eq!(
        reply(&alice_post, "@alice Bob replies to Alice")
            .await
            .status,
        200
    );

    let timeline = |policy: &'static str| {
        let list = list.clone();
        async move {
            let a = api::send(
                app,
                Method::PUT,
                &format!("/api/v1/lists/{list}"),
                &r.alice,
                &[("replies_policy", policy)],
            )
            .await;
            assert_eq!(
                (a.status, a.body["replies_policy"].as_str()),
                (200, Some(policy)),
                "{}",
                a.body
            );
            api::get(
                app,
                &format!("/api/v1/timelines/list/{list}"),
                Some(&r.alice),
            )
            .await
        }
    };
    // `list`: replies to members (none here) and to alice herself.
    let shown = timeline("list").await;
    assert_eq!(shown.status, 200);
    assert_eq!(
        contents(&shown).len(),
        3,
        "bob's two posts and his reply to alice, nothing of carol's, dave's or the reply to carol: {:?}",
        contents(&shown)
    );
    assert!(
        has(&shown, "Bob: fractions worksheet")
            && has(&shown, "staff meeting")
            && has(&shown, "Bob replies to Alice")
    );
    // The positive control: what the list leaves out is in alice's home.
    let home = api::get(app, "/api/v1/timelines/home", Some(&r.alice)).await;
    assert!(
        has(&home, "Carol: a geometry puzzle")
            && has(&home, "Bob replies to Carol")
            && has(&home, "Bob: fractions worksheet"),
        "{:?}",
        contents(&home)
    );
    // `followed`: alice follows carol, so the reply to carol is in.
    let shown = timeline("followed").await;
    assert!(
        has(&shown, "Bob replies to Carol") && has(&shown, "Bob replies to Alice"),
        "{:?}",
        contents(&shown)
    );
    assert!(!has(&shown, "Carol: a geometry puzzle"));
    // `none`: only replies to alice.
    let shown = timeline("none").await;
    assert!(
        !has(&shown, "Bob replies to Carol") && has(&shown, "Bob replies to Alice"),
        "{:?}",
        contents(&shown)
    );
    // Adding carol brings her posts in; `list` then takes bob's reply to her too.
    api::post(
        app,
        &format!("/api/v1/lists/{list}/accounts"),
        &r.alice,
        &[("account_ids[]", &r.carol_id)],
    )
    .await;
    let shown = timeline("list").await;
    assert!(
        has(&shown, "Carol: a geometry puzzle") && has(&shown, "Bob replies to Carol"),
        "{:?}",
        contents(&shown)
    );

    // Pages as home does: two at a time, Link to the next.
    let first = api::get(
        app,
        &format!("/api/v1/timelines/list/{list}?limit=2"),
        Some(&r.alice),
    )
    .await;
    assert_eq!(first.ids().len(), 2);
    let next = api::get(
        app,
        &first.link_to("next").expect("a next link"),
        Some(&r.alice),
    )
    .await;
    assert_eq!(next.ids().len(), 2);
    assert!(
        next.ids().iter().all(|i| !first.ids().contains(i)),
        "pages do not overlap"
    );
    assert!(first.ids()[1] > next.ids()[0], "newest first");

    // Removing bob takes his posts out; unfollowing carol ends her membership.
    let removed = api::send(
        app,
        Method::DELETE,
        &format!("/api/v1/lists/{list}/accounts"),
        &r.alice,
        &[("account_ids[]", &r.bob_id)],
    )
    .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    let shown = api::get(
        app,
        &format!("/api/v1/timelines/list/{list}"),
        Some(&r.alice),
    )
    .await;
    assert!(
        !has(&shown, "Bob: fractions worksheet") && has(&shown, "Carol: a geometry puzzle"),
        "{:?}",
        contents(&shown)
    );
    assert_eq!(
        api::post(
            app,
            &format!("/api/v1/accounts/{}/unfollow", r.carol_id),
            &r.alice,
            &[]
        )
        .await
        .status,
        200
    );
    assert!(api::get(
        app,
        &format!("/api/v1/lists/{list}/accounts"),
        Some(&r.alice)
    )
    .await
    .ids()
    .is_empty());

    let gone = api::send(
        app,
        Method::DELETE,
        &format!("/api/v1/lists/{list}"),
        &r.alice,
        &[],
    )
    .await;
    assert_eq!(gone.status, 200);
    assert_eq!(
        api::get(app, &format!("/api/v1/lists/{list}"), Some(&r.alice))
            .await
            .status,
        404
    );
    let bad = api::post(
        app,
        "/api/v1/lists",
        &r.alice,
        &[("title", "x"), ("replies_policy", "everyone")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let blank = api::post(app, "/api/v1/lists", &r.alice, &[("title", "  ")]).await;
    assert_eq!(blank.status, 422, "{}", blank.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exclusive_lists_members_stay_out_of_home_and_stream_only_to_the_list() {
    let r = &room().await;
    let app = &r.app;
    let list = new_list(r, "Science", &[("exclusive", "true")]).await;
    api::post(
        app,
        &format!("/api/v1/lists/{list}/accounts"),
        &r.alice,
        &[("account_ids[]", &r.bob_id)],
    )
    .await;

    let mut home_stream = Sse::open(&app.address, &r.alice, "/api/v1/streaming/user").await;
    let mut list_stream = Sse::open(
        &app.address,
        &r.alice,
        &format!("/api/v1/streaming/list?list={list}"),
    )
    .await;
    // dave may not listen to alice's list.
    let res = app
        .client
        .get(format!("{}/api/v1/streaming/list?list={list}", app.address))
        .bearer_auth(&r.dave)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    api::status(app, &r.bob, "Bob: a chemistry experiment", "public").await;
    api::status(app, &r.carol, "Carol: field trip forms", "public").await;
    api::status(app, &r.alice, "Alice: own post stays home", "public").await;

    // Streams: the list hears bob and not carol; home hears carol (the control) and not bob.
    let heard = list_stream
        .updates_until("Bob: a chemistry experiment")
        .await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    let heard = home_stream
        .updates_until("Alice: own post stays home")
        .await;
    assert_eq!(
        heard.len(),
        2,
        "carol's and alice's own, not bob's: {heard:?}"
    );
    assert!(heard[0].contains("Carol: field trip forms"));

    let home = api::get(app, "/api/v1/timelines/home", Some(&r.alice)).await;
    assert!(
        !has(&home, "Bob: a chemistry experiment"),
        "{:?}",
        contents(&home)
    );
    assert!(has(&home, "Carol: field trip forms") && has(&home, "Alice: own post stays home"));
    let shown = api::get(
        app,
        &format!("/api/v1/timelines/list/{list}"),
        Some(&r.alice),
    )
    .await;
    assert_eq!(contents(&shown).len(), 1);
    assert!(has(&shown, "Bob: a chemistry experiment"));

    // No longer exclusive: bob is back in home, the old post too.
    let a = api::send(
        app,
        Method::PUT,
        &format!("/api/v1/lists/{list}"),
        &r.alice,
        &[("exclusive", "false")],
    )
    .await;
    assert_eq!(a.body["exclusive"], false);
    let home = api::get(app, "/api/v1/timelines/home", Some(&r.alice)).await;
    assert!(
        has(&home, "Bob: a chemistry experiment"),
        "{:?}",
        contents(&home)
    );
    api::status(app, &r.bob, "Bob: now at home too", "public").await;
    let heard = home_stream.updates_until("Bob: now at home too").await;
    assert_eq!(heard.len(), 1, "{heard:?}");
    // The list stream keeps hearing its member, in order, after the list changed.
    let heard = list_stream.updates_until("Bob: now at home too").await;
    assert_eq!(heard.len(), 1, "{heard:?}");
}
