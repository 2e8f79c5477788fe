//! Pinned posts across two real Staffroom instances (issue 14): pins through the
//! client API (own public or unlisted posts, at most 5), the `featured` collection,
//! the other server reading it when it first sees the account, and `Add`/`Remove`
//! keeping it up to date; the profile page shows them.

mod common;

use common::{api, eventually, TestApp};
use serde_json::Value;
use staffroom::{db::follows::Follow, federation::fetch, services::follows};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

async fn pinned_texts(app: &TestApp, token: &str, account: &str) -> Vec<String> {
    let a = api::get(
        app,
        &format!("/api/v1/accounts/{account}/statuses?pinned=true"),
        Some(token),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pins_are_featured_and_reach_the_other_server() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    a.create_user("alice").await;
    let bob = b.create_user("bob").await.account;
    let (alice_token, bob_token) = (api::token(&a, "alice").await, api::token(&b, "bob").await);

    // Apps read the limit from the instance.
    let instance = api::get(&a, "/api/v2/instance", None).await;
    assert_eq!(
        instance.body["configuration"]["accounts"]["max_pinned_statuses"], 5,
        "{}",
        instance.body
    );
    let mut posts = Vec::new();
    for i in 1..=6 {
        posts.push(api::status(&a, &alice_token, &format!("Resource number {i}"), "public").await);
    }
    let private = api::status(&a, &alice_token, "For followers only", "private").await;
    let pin = |s: &Value| format!("/api/v1/statuses/{}/pin", s["id"].as_str().unwrap());
    let unpin = |s: &Value| format!("/api/v1/statuses/{}/unpin", s["id"].as_str().unwrap());

    let pinned = api::post(&a, &pin(&posts[0]), &alice_token, &[]).await;
    assert_eq!(pinned.status, 200, "{}", pinned.body);
    assert_eq!(pinned.body["pinned"], true);
    let refused = api::post(&a, &pin(&private), &alice_token, &[]).await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    for p in &posts[1..5] {
        assert_eq!(api::post(&a, &pin(p), &alice_token, &[]).await.status, 200);
    }
    let sixth = api::post(&a, &pin(&posts[5]), &alice_token, &[]).await;
    assert_eq!(sixth.status, 422, "{}", sixth.body);
    assert!(
        sixth.body["error"].as_str().unwrap().contains("at most 5"),
        "{}",
        sixth.body
    );
    for p in &posts[2..5] {
        assert_eq!(
            api::post(&a, &unpin(p), &alice_token, &[]).await.status,
            200
        );
    }
    // posts 1 and 2 stay pinned; the API and the featured collection say so.
    let alice_id = posts[0]["account"]["id"].as_str().unwrap();
    let mine = pinned_texts(&a, &alice_token, alice_id).await;
    assert_eq!(mine.len(), 2, "{mine:?}");
    assert!(
        mine[0].contains("Resource number 2") && mine[1].contains("Resource number 1"),
        "latest pinned first: {mine:?}"
    );
    let featured: Value = a
        .client
        .get(format!("{}/users/alice/collections/featured", a.address))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(featured["totalItems"], 2, "{featured}");
    assert_eq!(
        featured["orderedItems"][0]["id"], posts[1]["uri"],
        "{featured}"
    );
    assert_eq!(featured["orderedItems"][0]["type"], "Note");

    // B sees alice for the first time: it reads her featured collection.
    let alice_on_b = fetch::webfinger(&b.ctx, "alice", &a.domain).await.unwrap();
    let alice_b = alice_on_b.id.to_string();
    eventually(WAIT, "B read alice's featured posts", || async {
        pinned_texts(&b, &bob_token, &alice_b).await.len() == 2
    })
    .await;

    // bob follows alice; her next pin and unpin reach B as Add and Remove.
    follows::follow(&b.ctx, &bob, &alice_on_b).await.unwrap();
    eventually(WAIT, "alice's server accepted bob", || async {
        let mut conn = b.pool.get().await.unwrap();
        Follow::find(&mut conn, bob.id, alice_on_b.id)
            .await
            .unwrap()
            .is_some_and(|f| f.accepted)
    })
    .await;
    assert_eq!(
        api::post(&a, &pin(&posts[5]), &alice_token, &[])
            .await
            .status,
        200
    );
    assert_eq!(
        api::post(&a, &unpin(&posts[0]), &alice_token, &[])
            .await
            .status,
        200
    );
    eventually(WAIT, "the Add and the Remove reached B", || async {
        let texts = pinned_texts(&b, &bob_token, &alice_b).await;
        texts.len() == 2
            && texts.iter().any(|t| t.contains("Resource number 6"))
            && !texts.iter().any(|t| t.contains("Resource number 1"))
    })
    .await;

    // The profile page on B shows them.
    let html = b
        .client
        .get(format!("{}/@alice@{}", b.address, a.domain))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Pinned posts"), "{html}");
    assert!(html.contains("Resource number 6"));
}
