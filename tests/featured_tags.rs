//! Featured hashtags: a teacher features tags on their profile through the API
//! (at most 10, valid hashtags only), anyone lists them by account, apps get
//! suggestions from the tags the teacher uses, and other servers read them in the
//! actor's `featuredTags` collection.

mod common;

use common::{api, TestApp};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn featured_tags_are_listed_counted_suggested_and_federated() {
    let app = TestApp::spawn().await;
    let alice_id = app.create_user("alice").await.account.id.to_string();
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    api::status(&app, &alice, "Starter for ten #Maths #edchat", "public").await;
    api::status(&app, &alice, "Another #maths starter", "public").await;
    api::status(&app, &alice, "For followers only #maths", "private").await;
    api::status(&app, &alice, "Reading corner #books", "public").await;

    // Suggestions: the tags she uses, most used first.
    let suggested = api::get(&app, "/api/v1/featured_tags/suggestions", Some(&alice))
        .await
        .body;
    let names: Vec<&str> = suggested
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["maths", "books", "edchat"], "{suggested}");

    let featured = api::post(&app, "/api/v1/featured_tags", &alice, &[("name", "#Maths")]).await;
    assert_eq!(featured.status, 200, "{}", featured.body);
    assert_eq!(featured.body["name"], "maths");
    // Followers-only posts are not counted: the count is what anyone can see.
    assert_eq!(featured.body["statuses_count"], "2", "{}", featured.body);
    assert_eq!(
        featured.body["last_status_at"].as_str().unwrap().len(),
        10,
        "a date: {}",
        featured.body
    );
    assert_eq!(
        api::post(
            &app,
            "/api/v1/featured_tags",
            &alice,
            &[("name", "not a tag")]
        )
        .await
        .status,
        422
    );
    assert_eq!(
        api::post(&app, "/api/v1/featured_tags", &alice, &[("name", "books")])
            .await
            .status,
        200
    );

    let mine = api::get(&app, "/api/v1/featured_tags", Some(&alice))
        .await
        .body;
    let names: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["maths", "books"]);
    let seen_by_others = api::get(
        &app,
        &format!("/api/v1/accounts/{alice_id}/featured_tags"),
        None,
    )
    .await;
    assert_eq!(seen_by_others.status, 200);
    assert_eq!(seen_by_others.body, mine);
    assert!(
        api::get(&app, "/api/v1/featured_tags", Some(&bob))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty(),
        "bob features none"
    );
    let suggested = api::get(&app, "/api/v1/featured_tags/suggestions", Some(&alice))
        .await
        .body;
    assert_eq!(
        suggested
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["edchat"]
    );
    let tag = api::get(&app, "/api/v1/tags/maths", Some(&alice))
        .await
        .body;
    assert_eq!(tag["featuring"], true, "{tag}");

    // Other servers read them from the actor.
    let actor: Value = app
        .get("/users/alice", Some("application/activity+json"))
        .await
        .json()
        .await
        .unwrap();
    let collection_url = actor["featuredTags"]
        .as_str()
        .expect("featuredTags in the actor")
        .to_string();
    let path = collection_url
        .split(&app.domain)
        .nth(1)
        .unwrap()
        .to_string();
    let collection: Value = app
        .get(&path, Some("application/activity+json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(collection["type"], "Collection");
    assert_eq!(collection["totalItems"], 2);
    assert_eq!(collection["items"][0]["type"], "Hashtag");
    assert_eq!(collection["items"][0]["name"], "#maths");
    assert_eq!(
        collection["items"][0]["href"],
        format!("http://{}/tags/maths", app.domain)
    );

    // Unfeaturing: bob cannot remove alice's; alice can, once.
    let id = mine[0]["id"].as_str().unwrap();
    let delete = |token: String| {
        let url = format!("{}/api/v1/featured_tags/{id}", app.address);
        let client = app.client.clone();
        async move {
            client
                .delete(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(delete(bob.clone()).await, 404);
    assert_eq!(delete(alice.clone()).await, 200);
    assert_eq!(delete(alice.clone()).await, 404);
    let left = api::get(&app, "/api/v1/featured_tags", Some(&alice))
        .await
        .body;
    assert_eq!(left.as_array().unwrap().len(), 1, "{left}");

    // At most ten.
    for n in 0..9 {
        assert_eq!(
            api::post(
                &app,
                "/api/v1/featured_tags",
                &alice,
                &[("name", &format!("topic{n}"))]
            )
            .await
            .status,
            200
        );
    }
    let eleventh = api::post(
        &app,
        "/api/v1/featured_tags",
        &alice,
        &[("name", "onetoomany")],
    )
    .await;
    assert_eq!(eleventh.status, 422, "{}", eleventh.body);
}

/// Another server's account's featured hashtags are read from its `featuredTags`
/// collection when its actor is first stored, and shown through the API and on its
/// profile page there.
#[tokio::test(flavor = "multi_thread")]
async fn another_servers_featured_hashtags_are_read_with_its_actor_and_shown() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    a.create_user("alice").await;
    let bob_id = b.create_user("bob").await.account.id;
    let alice = api::token(&a, "alice").await;
    let bob = api::token(&b, "bob").await;
    api::status(&a, &alice, "Times tables starter #Maths", "public").await;
    for name in ["maths", "outdoorlearning"] {
        let made = api::post(&a, "/api/v1/featured_tags", &alice, &[("name", name)]).await;
        assert_eq!(made.status, 200, "{}", made.body);
    }

    let alice_on_b = staffroom::federation::fetch::webfinger(&b.ctx, "alice", &a.domain)
        .await
        .unwrap();
    let path = format!("/api/v1/accounts/{}/featured_tags", alice_on_b.id);
    common::eventually(
        std::time::Duration::from_secs(30),
        "B read alice's featured hashtags",
        || async {
            let seen = api::get(&b, &path, Some(&bob)).await;
            assert_eq!(seen.status, 200, "{}", seen.body);
            let names: Vec<String> = seen
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["name"].as_str().unwrap().to_string())
                .collect();
            names == ["maths", "outdoorlearning"]
        },
    )
    .await;
    // bob's own profile features nothing: the list is alice's, not everyone's.
    let own = api::get(
        &b,
        &format!("/api/v1/accounts/{bob_id}/featured_tags"),
        Some(&bob),
    )
    .await;
    assert_eq!(own.body, serde_json::json!([]));

    // Her profile page on B shows them, linking to B's tag pages.
    let page = common::browser::get(&b, &format!("/@alice@{}", a.domain), None)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Featured hashtags"), "{page}");
    assert!(
        page.contains(r##"href="/tags/outdoorlearning">#outdoorlearning"##),
        "{page}"
    );
}
