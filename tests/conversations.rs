//! Conversations: direct posts grouped by who takes part, newest first, unread for
//! whoever did not write the newest post; marking read and removing; public posts
//! that mention someone are no conversation.

mod common;

use common::{api, TestApp};
use serde_json::Value;

fn names(c: &Value) -> Vec<String> {
    c["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn direct_posts_are_grouped_by_participants_with_unread_and_the_last_post() {
    let app = TestApp::spawn().await;
    for name in ["alice", "bob", "carol"] {
        app.create_user(name).await;
    }
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let carol = api::token(&app, "carol").await;

    // Not conversations: a public post mentioning alice (positive control below).
    api::status(&app, &bob, "@alice see the staffroom notice", "public").await;
    let first = api::status(&app, &bob, "@alice can you cover period 3?", "direct").await;
    let list = api::get(&app, "/api/v1/conversations", Some(&alice)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let convs = list.body.as_array().unwrap();
    assert_eq!(convs.len(), 1, "{}", list.body);
    assert_eq!(names(&convs[0]), ["bob"]);
    assert_eq!(convs[0]["unread"], true);
    assert_eq!(convs[0]["last_status"]["id"], first["id"]);

    // alice answers: the same conversation, read for her, unread for bob.
    let answer = api::post(
        &app,
        "/api/v1/statuses",
        &alice,
        &[
            ("status", "@bob yes, happy to"),
            ("visibility", "direct"),
            ("in_reply_to_id", first["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(answer.status, 200);
    let alices = api::get(&app, "/api/v1/conversations", Some(&alice))
        .await
        .body;
    assert_eq!(alices.as_array().unwrap().len(), 1, "{alices}");
    assert_eq!(alices[0]["last_status"]["id"], answer.body["id"]);
    assert_eq!(alices[0]["unread"], false, "she wrote the newest post");
    let bobs = api::get(&app, "/api/v1/conversations", Some(&bob))
        .await
        .body;
    assert_eq!(names(&bobs[0]), ["alice"]);
    assert_eq!(bobs[0]["unread"], true);

    // Three people: a conversation of its own, newest first.
    let group = api::status(&app, &carol, "@alice @bob trip planning", "direct").await;
    let alices = api::get(&app, "/api/v1/conversations", Some(&alice))
        .await
        .body;
    assert_eq!(alices.as_array().unwrap().len(), 2, "{alices}");
    assert_eq!(alices[0]["last_status"]["id"], group["id"]);
    let mut people = names(&alices[0]);
    people.sort();
    assert_eq!(people, ["bob", "carol"]);
    assert!(
        api::get(&app, "/api/v1/conversations", Some(&carol))
            .await
            .body
            .as_array()
            .unwrap()
            .len()
            == 1
    );

    // Read, then removed (only the owner can do either).
    let id = alices[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        api::post(&app, &format!("/api/v1/conversations/{id}/read"), &bob, &[])
            .await
            .status,
        404
    );
    let read = api::post(
        &app,
        &format!("/api/v1/conversations/{id}/read"),
        &alice,
        &[],
    )
    .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["unread"], false);
    let delete = |token: &str| {
        app.client
            .delete(format!("{}/api/v1/conversations/{id}", app.address))
            .bearer_auth(token.to_string())
            .send()
    };
    assert_eq!(delete(&bob).await.unwrap().status(), 404);
    assert_eq!(delete(&alice).await.unwrap().status(), 200);
    let alices = api::get(&app, "/api/v1/conversations", Some(&alice))
        .await
        .body;
    assert_eq!(alices.as_array().unwrap().len(), 1, "{alices}");
    assert_eq!(names(&alices[0]), ["bob"]);
    // A new message brings it back, unread.
    api::status(&app, &bob, "@alice @carol bus at 8", "direct").await;
    let alices = api::get(&app, "/api/v1/conversations?limit=1", Some(&alice)).await;
    assert_eq!(alices.body.as_array().unwrap().len(), 1);
    assert_eq!(alices.body[0]["unread"], true);
    assert!(
        alices.link_to("next").is_some(),
        "a full page links to the next"
    );
}
