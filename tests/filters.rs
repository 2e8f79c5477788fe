//! Filters over real HTTP (issue 15): v2 filters with keywords and posts, the v1 API
//! on the same rows, and what they do: a `hide` keyword takes posts out of home
//! (pages stay full), notifications and the stream; a `warn` one marks them as
//! Mastodon's `filtered`; whole words, content warnings and image descriptions
//! match as on Mastodon; an expired filter stops applying.

mod common;

use common::{api, media, sse::Sse, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

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

fn find<'a>(a: &'a api::Answer, text: &str) -> Option<&'a Value> {
    a.body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["content"].as_str().unwrap().contains(text))
}

/// alice follows bob.
async fn room() -> (TestApp, String, String, String) {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let bob_id = id(
        &api::get(&app, "/api/v1/accounts/lookup?acct=bob", Some(&alice))
            .await
            .body,
    );
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/accounts/{bob_id}/follow"),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    (app, alice, bob, bob_id)
}

async fn filter(app: &TestApp, token: &str, form: &[(&str, &str)]) -> Value {
    let a = api::post(app, "/api/v2/filters", token, form).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

#[tokio::test(flavor = "multi_thread")]
async fn filters_are_made_changed_and_read_through_v2_and_v1() {
    let (app, alice, bob, _) = room().await;
    let made = filter(
        &app,
        &alice,
        &[
            ("title", "School admin"),
            ("context[]", "home"),
            ("context[]", "notifications"),
            ("filter_action", "hide"),
            ("keywords_attributes[][keyword]", "Ofsted"),
            ("keywords_attributes[][whole_word]", "true"),
            ("keywords_attributes[][keyword]", "inspection"),
            ("keywords_attributes[][whole_word]", "false"),
        ],
    )
    .await;
    assert_eq!(made["title"], "School admin");
    assert_eq!(made["context"], json!(["home", "notifications"]));
    assert_eq!(made["filter_action"], "hide");
    assert_eq!(made["expires_at"], Value::Null);
    let keywords: Vec<(&str, bool)> = made["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["keyword"].as_str().unwrap(),
                k["whole_word"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(keywords, [("Ofsted", true), ("inspection", false)]);
    let fid = id(&made);

    // JSON, as masto sends it: drop one keyword, change another, add a third; warn now.
    let inspection = id(&made["keywords"][1]);
    let ofsted = id(&made["keywords"][0]);
    let changed = api::json(
        &app,
        Method::PUT,
        &format!("/api/v2/filters/{fid}"),
        &alice,
        &json!({
            "filter_action": "warn",
            "keywords_attributes": [
                { "id": inspection, "_destroy": true },
                { "id": ofsted, "whole_word": false },
                { "keyword": "league tables" },
            ],
        }),
    )
    .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["filter_action"], "warn");
    let keywords: Vec<(&str, bool)> = changed.body["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["keyword"].as_str().unwrap(),
                k["whole_word"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(keywords, [("Ofsted", false), ("league tables", true)]);

    // Keywords and posts on their own endpoints.
    let k = api::post(
        &app,
        &format!("/api/v2/filters/{fid}/keywords"),
        &alice,
        &[("keyword", "SATs"), ("whole_word", "true")],
    )
    .await;
    assert_eq!(k.status, 200, "{}", k.body);
    let kid = id(&k.body);
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v2/filters/{fid}/keywords"),
            Some(&alice)
        )
        .await
        .ids()
        .len(),
        3
    );
    let k = api::send(
        &app,
        Method::PUT,
        &format!("/api/v2/filters/keywords/{kid}"),
        &alice,
        &[("keyword", "SATs results")],
    )
    .await;
    assert_eq!(k.body["keyword"], "SATs results");
    assert_eq!(
        api::send(
            &app,
            Method::DELETE,
            &format!("/api/v2/filters/keywords/{kid}"),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v2/filters/keywords/{kid}"),
            Some(&alice)
        )
        .await
        .status,
        404
    );
    let post = api::status(&app, &bob, "A post to filter by itself", "public").await;
    let fs = api::post(
        &app,
        &format!("/api/v2/filters/{fid}/statuses"),
        &alice,
        &[("status_id", &id(&post))],
    )
    .await;
    assert_eq!(
        (fs.status, fs.body["status_id"].as_str()),
        (200, post["id"].as_str()),
        "{}",
        fs.body
    );
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v2/filters/statuses/{}", id(&fs.body)),
            Some(&alice)
        )
        .await
        .status,
        200
    );
    let shown = api::get(
        &app,
        &format!("/api/v1/statuses/{}", id(&post)),
        Some(&alice),
    )
    .await;
    assert_eq!(
        shown.body["filtered"][0]["status_matches"],
        json!([id(&post)]),
        "{}",
        shown.body
    );

    // Bad input is refused with Mastodon's 422 and changes nothing.
    for bad in [
        vec![("title", ""), ("context[]", "home")],
        vec![("title", "x"), ("context[]", "everywhere")],
        vec![("title", "x")],
        vec![
            ("title", "x"),
            ("context[]", "home"),
            ("filter_action", "explode"),
        ],
        vec![
            ("title", "x"),
            ("context[]", "home"),
            ("expires_in", "soon"),
        ],
    ] {
        let a = api::post(&app, "/api/v2/filters", &alice, &bad).await;
        assert_eq!(a.status, 422, "{bad:?}: {}", a.body);
    }
    assert_eq!(
        api::get(&app, "/api/v2/filters", Some(&alice)).await.ids(),
        [fid.clone()]
    );
    // Someone else's filter does not exist for them.
    assert_eq!(
        api::get(&app, &format!("/api/v2/filters/{fid}"), Some(&bob))
            .await
            .status,
        404
    );

    // v1: each keyword a filter; one made there is a v2 filter with one keyword.
    let v1 = api::get(&app, "/api/v1/filters", Some(&alice)).await;
    let phrases: Vec<&str> = v1
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["phrase"].as_str().unwrap())
        .collect();
    assert_eq!(phrases, ["Ofsted", "league tables"]);
    assert_eq!(v1.body[0]["irreversible"], false);
    assert_eq!(v1.body[0]["context"], json!(["home", "notifications"]));
    let old = api::post(
        &app,
        "/api/v1/filters",
        &alice,
        &[
            ("phrase", "detention"),
            ("context[]", "public"),
            ("irreversible", "true"),
            ("whole_word", "false"),
        ],
    )
    .await;
    assert_eq!(old.status, 200, "{}", old.body);
    assert_eq!(
        (
            old.body["phrase"].as_str(),
            old.body["irreversible"].as_bool(),
            old.body["whole_word"].as_bool()
        ),
        (Some("detention"), Some(true), Some(false))
    );
    let all = api::get(&app, "/api/v2/filters", Some(&alice)).await;
    let made_by_v1 = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["title"] == "detention")
        .expect("a v2 filter")
        .clone();
    assert_eq!(made_by_v1["filter_action"], "hide");
    // A v1 change to what the whole filter says is refused when the filter has other keywords.
    let refused = api::send(
        &app,
        Method::PUT,
        &format!("/api/v1/filters/{}", id(&v1.body[0])),
        &alice,
        &[("phrase", "Ofsted"), ("context[]", "public")],
    )
    .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    let renamed = api::send(
        &app,
        Method::PUT,
        &format!("/api/v1/filters/{}", id(&old.body)),
        &alice,
        &[("phrase", "detentions"), ("context[]", "home")],
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        (
            renamed.body["phrase"].as_str(),
            renamed.body["context"].clone()
        ),
        (Some("detentions"), json!(["home"]))
    );
    assert_eq!(
        api::send(
            &app,
            Method::DELETE,
            &format!("/api/v1/filters/{}", id(&old.body)),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v2/filters/{}", id(&made_by_v1)),
            Some(&alice)
        )
        .await
        .status,
        404,
        "its last keyword gone, the filter went"
    );

    assert_eq!(
        api::send(
            &app,
            Method::DELETE,
            &format!("/api/v2/filters/{fid}"),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    assert!(api::get(&app, "/api/v2/filters", Some(&alice))
        .await
        .ids()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn hide_takes_posts_out_of_home_and_notifications_and_warn_marks_them() {
    let (app, alice, bob, _) = room().await;
    filter(
        &app,
        &alice,
        &[
            ("title", "No homework talk"),
            ("context[]", "home"),
            ("context[]", "notifications"),
            ("filter_action", "hide"),
            ("keywords_attributes[][keyword]", "homework"),
        ],
    )
    .await;
    let warn = filter(
        &app,
        &alice,
        &[
            ("title", "Spoilers for the play"),
            ("context[]", "home"),
            ("context[]", "public"),
            ("filter_action", "warn"),
            ("keywords_attributes[][keyword]", "Macbeth"),
        ],
    )
    .await;

    let (_, pic) = media::upload(
        &app,
        &bob,
        "board.png",
        "image/png",
        &media::png(4, 4),
        "The homework on the whiteboard",
    )
    .await;
    api::status(&app, &bob, "Plain post one", "public").await;
    api::status(&app, &bob, "HOMEWORK is due on Friday", "public").await;
    api::status(&app, &bob, "Homeworkers unite (not a whole word)", "public").await;
    api::post(
        &app,
        "/api/v1/statuses",
        &bob,
        &[
            ("status", "Nothing to see"),
            ("spoiler_text", "homework talk"),
        ],
    )
    .await;
    api::post(
        &app,
        "/api/v1/statuses",
        &bob,
        &[("status", "A photo"), ("media_ids[]", &id(&pic))],
    )
    .await;
    api::status(&app, &bob, "Macbeth tickets on sale", "public").await;
    api::status(&app, &bob, "@alice your homework please", "public").await;
    api::status(&app, &bob, "@alice see you tomorrow", "public").await;
    api::status(&app, &alice, "My own homework plan", "public").await;
    api::status(&app, &bob, "Plain post two", "public").await;

    let home = api::get(&app, "/api/v1/timelines/home", Some(&alice)).await;
    let shown = contents(&home);
    for hidden in [
        "HOMEWORK is due",
        "Nothing to see",
        "A photo",
        "your homework please",
    ] {
        assert!(
            !shown.iter().any(|c| c.contains(hidden)),
            "{hidden:?} is hidden: {shown:?}"
        );
    }
    for kept in [
        "Plain post one",
        "Homeworkers unite",
        "Macbeth tickets",
        "see you tomorrow",
        "My own homework plan",
        "Plain post two",
    ] {
        assert!(
            shown.iter().any(|c| c.contains(kept)),
            "{kept:?} is shown: {shown:?}"
        );
    }
    let marked = find(&home, "Macbeth tickets").unwrap();
    assert_eq!(
        marked["filtered"][0]["filter"]["title"], "Spoilers for the play",
        "{marked}"
    );
    assert_eq!(marked["filtered"][0]["filter"]["filter_action"], "warn");
    assert_eq!(marked["filtered"][0]["keyword_matches"], json!(["Macbeth"]));
    assert_eq!(
        find(&home, "Plain post two").unwrap()["filtered"],
        json!([])
    );

    // Pages stay full: two posts a page although hidden ones lie between them.
    let first = api::get(&app, "/api/v1/timelines/home?limit=2", Some(&alice)).await;
    assert_eq!(first.ids().len(), 2);
    let mut seen = first.ids();
    let mut next = first.link_to("next");
    while let Some(url) = next {
        let page = api::get(&app, &url, Some(&alice)).await;
        if page.ids().is_empty() {
            break;
        }
        seen.extend(page.ids());
        next = page.link_to("next");
    }
    assert_eq!(
        seen,
        home.ids(),
        "paging by two shows what one page shows, in order"
    );

    // Public has no `hide` filter: the homework post is there, the play's marked.
    let public = api::get(&app, "/api/v1/timelines/public", Some(&alice)).await;
    assert!(find(&public, "HOMEWORK is due").is_some());
    assert_eq!(
        find(&public, "Macbeth tickets").unwrap()["filtered"][0]["filter"]["id"],
        warn["id"]
    );

    // Notifications: the mention with the keyword is gone, the other one is there.
    let notifications = api::get(&app, "/api/v1/notifications?types[]=mention", Some(&alice)).await;
    let texts: Vec<&str> = notifications
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["status"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("see you tomorrow"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_filtered_keyword_never_reaches_the_stream_and_filter_changes_are_announced() {
    let (app, alice, bob, _) = room().await;
    let hide = filter(
        &app,
        &alice,
        &[
            ("title", "Ofsted"),
            ("context[]", "home"),
            ("filter_action", "hide"),
            ("keywords_attributes[][keyword]", "Ofsted"),
        ],
    )
    .await;
    filter(
        &app,
        &alice,
        &[
            ("title", "Play"),
            ("context[]", "home"),
            ("filter_action", "warn"),
            ("keywords_attributes[][keyword]", "Macbeth"),
        ],
    )
    .await;
    let mut stream = Sse::open(&app.address, &alice, "/api/v1/streaming/user").await;

    api::status(&app, &bob, "The Ofsted visit is next week", "public").await;
    api::status(&app, &bob, "Macbeth rehearsal at four", "public").await;
    api::status(&app, &bob, "An unfiltered post", "public").await;
    let heard = stream.statuses_until("An unfiltered post").await;
    let texts: Vec<&str> = heard
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 2, "the Ofsted post never streams: {texts:?}");
    assert!(texts[0].contains("Macbeth rehearsal"));
    assert_eq!(
        heard[0]["filtered"][0]["filter"]["title"], "Play",
        "{}",
        heard[0]
    );
    assert_eq!(heard[1]["filtered"], json!([]));

    // Deleting the hide filter is announced, and the next such post streams.
    assert_eq!(
        api::send(
            &app,
            Method::DELETE,
            &format!("/api/v2/filters/{}", id(&hide)),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    let (payload, _) = stream.until_event("filters_changed").await;
    assert_eq!(payload, "undefined");
    api::status(&app, &bob, "Ofsted again", "public").await;
    let heard = stream.updates_until("Ofsted again").await;
    assert_eq!(heard.len(), 1, "{heard:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_filter_stops_hiding() {
    let (app, alice, bob, _) = room().await;
    let made = filter(
        &app,
        &alice,
        &[
            ("title", "For now"),
            ("context[]", "home"),
            ("filter_action", "hide"),
            ("expires_in", "2"),
            ("keywords_attributes[][keyword]", "parents evening"),
        ],
    )
    .await;
    assert!(made["expires_at"].is_string(), "{made}");
    api::status(&app, &bob, "Parents evening sign-up", "public").await;
    api::status(&app, &bob, "Another post", "public").await;
    let home = api::get(&app, "/api/v1/timelines/home", Some(&alice)).await;
    assert!(find(&home, "Another post").is_some());
    assert!(
        find(&home, "Parents evening").is_none(),
        "hidden while the filter lasts: {:?}",
        contents(&home)
    );
    common::eventually(
        Duration::from_secs(15),
        "the expired filter no longer hides",
        || async {
            find(
                &api::get(&app, "/api/v1/timelines/home", Some(&alice)).await,
                "Parents evening",
            )
            .is_some()
        },
    )
    .await;
    // Still listed (apps show expired filters to renew them).
    assert_eq!(
        api::get(&app, "/api/v2/filters", Some(&alice)).await.ids(),
        [id(&made)]
    );
}
