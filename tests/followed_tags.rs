//! Followed hashtags: a public post with a hashtag a teacher follows enters their
//! home timeline (and their `user` stream), even from an account nobody here
//! follows; posts without it, or not public, do not; unfollowing takes them out.

mod common;

use common::{api, eventually, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A signed `Create` from `actor` of a note with `tags`, addressed to `to`.
async fn remote_post(
    app: &TestApp,
    actor: &common::remote::RemoteActor,
    n: u32,
    text: &str,
    tags: &[&str],
    to: &str,
) -> String {
    let note_id = format!("{}/statuses/{n}", actor.id());
    let tag: Vec<Value> = tags.iter().map(|t| json!({ "type": "Hashtag", "name": format!("#{t}"), "href": format!("https://elsewhere.example/tags/{t}") })).collect();
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": actor.id(),
        "object": { "id": note_id, "type": "Note", "attributedTo": actor.id(), "content": format!("<p>{text}</p>"), "to": [to], "tag": tag }
    });
    let res = actor
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create.to_string(),
            chrono::Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{text}");
    note_id
}

async fn home_contents(app: &TestApp, token: &str) -> Vec<String> {
    let home = api::get(app, "/api/v1/timelines/home?limit=40", Some(token)).await;
    assert_eq!(home.status, 200, "{}", home.body);
    home.body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap().to_string())
        .collect()
}

fn has(contents: &[String], text: &str) -> bool {
    contents.iter().any(|c| c.contains(text))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_followed_hashtag_brings_a_strangers_public_post_into_home_and_its_stream() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;

    let before = api::get(&app, "/api/v1/tags/Fractions", Some(&alice)).await;
    assert_eq!(before.status, 200, "{}", before.body);
    assert_eq!(before.body["name"], "fractions");
    assert_eq!(before.body["following"], false);
    assert_eq!(
        before.body["history"].as_array().unwrap().len(),
        7,
        "{}",
        before.body
    );
    assert_eq!(
        api::get(&app, "/api/v1/tags/not%20a%20tag", Some(&alice))
            .await
            .status,
        404
    );

    let followed = api::post(&app, "/api/v1/tags/%23Fractions/follow", &alice, &[]).await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    assert_eq!(followed.body["following"], true);
    assert_eq!(
        followed.body["url"],
        format!("http://{}/tags/fractions", app.domain)
    );
    let list = api::get(&app, "/api/v1/followed_tags", Some(&alice)).await;
    assert_eq!(
        list.body
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["fractions"]
    );
    assert!(
        api::get(&app, "/api/v1/followed_tags", Some(&bob))
            .await
            .body
            .as_array()
            .unwrap()
            .is_empty(),
        "bob follows none"
    );

    // alice's user stream, open before anything is posted.
    let res = app
        .client
        .get(format!("{}/api/v1/streaming/user", app.address))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (tx, mut streamed) = tokio::sync::mpsc::unbounded_channel::<String>();
    tokio::spawn(async move {
        let mut res = res;
        while let Ok(Some(chunk)) = res.chunk().await {
            let _ = tx.send(String::from_utf8_lossy(&chunk).into_owned());
        }
    });

    // carol is on another server and nobody here follows her.
    let carol = common::remote::start("carol");
    // Negative controls first: another hashtag, and the followed one not public.
    remote_post(&app, &carol, 1, "Geometry puzzle", &["geometry"], PUBLIC).await;
    remote_post(
        &app,
        &carol,
        2,
        "Fractions for my followers only",
        &["fractions"],
        &format!("{}/followers", carol.id()),
    )
    .await;
    api::status(&app, &bob, "Unlisted #fractions warm-up", "unlisted").await;
    // Positive: a public post of bob's here (alice does not follow him) and carol's.
    api::status(&app, &bob, "Local #fractions wall", "public").await;
    remote_post(
        &app,
        &carol,
        3,
        "Fraction strips worksheet",
        &["Fractions"],
        PUBLIC,
    )
    .await;

    let home = eventually(
        Duration::from_secs(10),
        "carol's tagged post is in alice's home",
        || async {
            let home = home_contents(&app, &alice).await;
            has(&home, "Fraction strips worksheet").then_some(home)
        },
    )
    .await;
    assert!(has(&home, "wall"), "bob's public tagged post: {home:?}");
    for absent in ["Geometry puzzle", "for my followers only", "warm-up"] {
        assert!(
            !has(&home, absent),
            "{absent:?} must not be in alice's home: {home:?}"
        );
    }
    assert_eq!(home.len(), 2, "{home:?}");
    // bob follows no tag: his home has only his own posts.
    let bobs = home_contents(&app, &bob).await;
    assert!(!has(&bobs, "Fraction strips worksheet"), "{bobs:?}");

    // The stream brought carol's post too.
    let mut heard = String::new();
    let until = tokio::time::Instant::now() + Duration::from_secs(10);
    while !heard.contains("Fraction strips worksheet") {
        match tokio::time::timeout_at(until, streamed.recv()).await {
            Ok(Some(chunk)) => heard.push_str(&chunk),
            _ => panic!("alice's stream did not bring carol's tagged post; heard {heard:?}"),
        }
    }
    assert!(!heard.contains("Geometry puzzle"), "{heard}");

    // The tag's history counts today's public and unlisted uses (the followers-only
    // post concerned nobody here and was not stored).
    let tag = api::get(&app, "/api/v1/tags/fractions", Some(&alice))
        .await
        .body;
    assert_eq!(tag["history"][0]["uses"], "3", "{tag}");
    assert_eq!(tag["history"][0]["accounts"], "2", "{tag}");

    // Unfollowing takes them out of home again; alice's own posts stay.
    api::status(&app, &alice, "My own #fractions notes", "public").await;
    let unfollowed = api::post(&app, "/api/v1/tags/fractions/unfollow", &alice, &[]).await;
    assert_eq!(unfollowed.body["following"], false);
    let home = home_contents(&app, &alice).await;
    assert!(has(&home, "My own"), "{home:?}");
    assert!(
        !has(&home, "Fraction strips worksheet") && !has(&home, "wall"),
        "{home:?}"
    );
    assert!(api::get(&app, "/api/v1/followed_tags", Some(&alice))
        .await
        .body
        .as_array()
        .unwrap()
        .is_empty());
}
