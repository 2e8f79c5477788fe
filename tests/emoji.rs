//! Custom emoji (issue 14): an administrator adds one with `staffroom emoji add`,
//! apps list it (`/api/v1/custom_emojis`), a post using `:shortcode:` carries it in
//! `emojis` and as an `Emoji` tag, and the other server shows it from its tag.

mod common;

use common::{api, eventually, staffroom_command, TestApp};
use serde_json::Value;
use staffroom::{db::follows::Follow, federation::fetch, services::follows};
use std::{io::Cursor, time::Duration};

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x * 9 % 256) as u8, (y * 5 % 256) as u8, 200, 255])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn cli(app: &TestApp, args: &[&str]) -> (bool, String) {
    let out = staffroom_command(&[
        ("DATABASE_URL", &app.db.url),
        ("STAFFROOM_DOMAIN", &app.domain),
        ("STAFFROOM_DEV", "true"),
    ])
    .args(args)
    .output()
    .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_emoji_added_by_an_admin_is_used_and_federated() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    a.create_user("alice").await;
    let bob = b.create_user("bob").await.account;
    let (alice_token, bob_token) = (api::token(&a, "alice").await, api::token(&b, "bob").await);
    let dir = tempfile::tempdir().unwrap();
    let (good, bad) = (dir.path().join("star.png"), dir.path().join("star.txt"));
    std::fs::write(&good, png(64, 64)).unwrap();
    std::fs::write(&bad, b"<html>not an image</html>").unwrap();

    let (ok, said) = cli(&a, &["emoji", "add", "star", bad.to_str().unwrap()]);
    assert!(!ok && said.contains("not a PNG, GIF or WebP"), "{said}");
    let (ok, said) = cli(&a, &["emoji", "add", "star", good.to_str().unwrap()]);
    assert!(ok, "{said}");
    let (ok, said) = cli(&a, &["emoji", "list"]);
    assert!(ok && said.contains(":star:"), "{said}");

    let listed = api::get(&a, "/api/v1/custom_emojis", None).await;
    assert_eq!(listed.body[0]["shortcode"], "star", "{}", listed.body);
    let url = listed.body[0]["url"].as_str().unwrap().to_string();
    let served = a.client.get(&url).send().await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png(64, 64));

    // bob (on B) follows alice, who posts with the emoji.
    let alice_on_b = fetch::webfinger(&b.ctx, "alice", &a.domain).await.unwrap();
    follows::follow(&b.ctx, &bob, &alice_on_b).await.unwrap();
    eventually(
        Duration::from_secs(30),
        "alice's server accepted bob",
        || async {
            let mut conn = b.pool.get().await.unwrap();
            Follow::find(&mut conn, bob.id, alice_on_b.id)
                .await
                .unwrap()
                .is_some_and(|f| f.accepted)
        },
    )
    .await;
    let posted = api::status(&a, &alice_token, "Well done, year 5 :star:", "public").await;
    assert_eq!(posted["emojis"][0]["shortcode"], "star", "{posted}");
    assert_eq!(posted["emojis"][0]["url"], url.as_str());
    let note: Value = a
        .client
        .get(posted["uri"].as_str().unwrap())
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tag = note["tag"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "Emoji")
        .cloned()
        .unwrap_or_else(|| panic!("no Emoji tag: {note}"));
    assert_eq!(tag["name"], ":star:");
    assert_eq!(tag["icon"]["url"], url.as_str());

    // B shows it from the tag, pointing at A's image.
    let uri = posted["uri"].as_str().unwrap().to_string();
    let on_b = eventually(
        Duration::from_secs(30),
        "alice's post reached B",
        || async {
            let mut conn = b.pool.get().await.unwrap();
            staffroom::db::statuses::Status::find_by_uri(&mut conn, &uri)
                .await
                .unwrap()
        },
    )
    .await;
    let seen = api::get(
        &b,
        &format!("/api/v1/statuses/{}", on_b.id),
        Some(&bob_token),
    )
    .await;
    assert_eq!(seen.body["emojis"][0]["shortcode"], "star", "{}", seen.body);
    assert_eq!(seen.body["emojis"][0]["url"], url.as_str());

    // Removed, it is no longer offered, nor shown on new posts.
    let (ok, said) = cli(&a, &["emoji", "remove", "star"]);
    assert!(ok, "{said}");
    assert_eq!(
        api::get(&a, "/api/v1/custom_emojis", None).await.body,
        serde_json::json!([])
    );
    let later = api::status(&a, &alice_token, "Again :star:", "public").await;
    assert_eq!(later["emojis"], serde_json::json!([]));
}

/// Our actor document tags the custom emoji of ours that the name and bio use, as
/// Mastodon does, so another server shows them in the name; a `:shortcode:` that is
/// no emoji of ours is left as text.
#[tokio::test(flavor = "multi_thread")]
async fn an_emoji_in_a_name_is_tagged_in_the_actor_document() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    a.create_user("alice").await;
    let bob = b.create_user("bob").await.account;
    let (alice_token, bob_token) = (api::token(&a, "alice").await, api::token(&b, "bob").await);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("apple.png");
    std::fs::write(&file, png(32, 32)).unwrap();
    let (ok, said) = cli(&a, &["emoji", "add", "apple", file.to_str().unwrap()]);
    assert!(ok, "{said}");
    let url = api::get(&a, "/api/v1/custom_emojis", None).await.body[0]["url"]
        .as_str()
        .unwrap()
        .to_string();

    let changed = api::send(
        &a,
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        &alice_token,
        &[
            ("display_name", "Ms Alice :apple:"),
            ("note", "Maths :nope: and science"),
        ],
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let actor: Value = a
        .client
        .get(format!("{}/users/alice", a.address))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emoji_tags: Vec<&Value> = actor["tag"]
        .as_array()
        .unwrap_or_else(|| panic!("no tags: {actor}"))
        .iter()
        .filter(|t| t["type"] == "Emoji")
        .collect();
    assert_eq!(emoji_tags.len(), 1, "only :apple: is one of ours: {actor}");
    let tag = emoji_tags[0];
    assert_eq!(tag["name"], ":apple:");
    assert_eq!(tag["id"], url.as_str());
    assert_eq!(tag["icon"]["type"], "Image");
    assert_eq!(tag["icon"]["mediaType"], "image/png");
    assert_eq!(tag["icon"]["url"], url.as_str());
    assert!(
        tag["updated"]
            .as_str()
            .is_some_and(|u| chrono::DateTime::parse_from_rfc3339(u).is_ok()),
        "{tag}"
    );
    assert!(
        actor["@context"].to_string().contains("toot:Emoji"),
        "{}",
        actor["@context"]
    );
    assert!(
        actor["summary"].as_str().unwrap().contains(":nope:"),
        "an unknown shortcode stays text: {actor}"
    );

    // B reads the tag from the actor document: alice's name shows the emoji there,
    // although her post does not use it.
    let alice_on_b = fetch::webfinger(&b.ctx, "alice", &a.domain).await.unwrap();
    follows::follow(&b.ctx, &bob, &alice_on_b).await.unwrap();
    eventually(
        Duration::from_secs(30),
        "alice's server accepted bob",
        || async {
            let mut conn = b.pool.get().await.unwrap();
            Follow::find(&mut conn, bob.id, alice_on_b.id)
                .await
                .unwrap()
                .is_some_and(|f| f.accepted)
        },
    )
    .await;
    let posted = api::status(&a, &alice_token, "Worksheets are up", "public").await;
    let uri = posted["uri"].as_str().unwrap().to_string();
    let on_b = eventually(
        Duration::from_secs(30),
        "alice's post reached B",
        || async {
            let mut conn = b.pool.get().await.unwrap();
            staffroom::db::statuses::Status::find_by_uri(&mut conn, &uri)
                .await
                .unwrap()
        },
    )
    .await;
    let seen = api::get(
        &b,
        &format!("/api/v1/statuses/{}", on_b.id),
        Some(&bob_token),
    )
    .await;
    assert_eq!(
        seen.body["account"]["display_name"], "Ms Alice :apple:",
        "{}",
        seen.body
    );
    let shown: Vec<&str> = seen.body["account"]["emojis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shortcode"].as_str().unwrap())
        .collect();
    assert_eq!(shown, vec!["apple"], "{}", seen.body);
    assert_eq!(seen.body["account"]["emojis"][0]["url"], url.as_str());
}
