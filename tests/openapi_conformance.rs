//! Every answer of the client API conforms to Mastodon's own description of it.
//!
//! schemathesis (a property-based API tester we did not write) reads the OpenAPI
//! description generated from Mastodon's documentation (tests/fixtures/mastodon-openapi)
//! and sends generated requests, valid and invalid, to a live server with real data.
//! It checks that no request makes a server error and that every answer's body and
//! content type match the entity Mastodon documents for that status code.

mod common;

use common::TestApp;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

/// `scripts/test` installs schemathesis into this virtualenv.
fn schemathesis() -> PathBuf {
    let venv = std::env::var("STAFFROOM_SCHEMATHESIS_VENV")
        .unwrap_or_else(|_| "/tmp/staffroom-schemathesis-venv".into());
    let bin = PathBuf::from(venv).join("bin/schemathesis");
    assert!(
        bin.exists(),
        "schemathesis is not installed at {}: run the tests with scripts/test (it installs it)",
        bin.display()
    );
    bin
}

/// The operations Staffroom implements, as the description names them.
/// (method, path, operationId in the description)
const OPERATIONS: &[(&str, &str, &str)] = &[
    ("GET", "/api/v1/instance", "getInstance"),
    ("GET", "/api/v2/instance", "getInstanceV2"),
    ("GET", "/api/v1/custom_emojis", "getCustomEmojis"),
    ("GET", "/api/v1/preferences", "getPreferences"),
    (
        "GET",
        "/api/v1/accounts/verify_credentials",
        "getAccountsVerifyCredentials",
    ),
    ("GET", "/api/v1/accounts/lookup", "getAccountLookup"),
    (
        "GET",
        "/api/v1/accounts/relationships",
        "getAccountRelationships",
    ),
    ("GET", "/api/v1/accounts/{id}", "getAccount"),
    ("GET", "/api/v1/statuses/{id}", "getStatus"),
    ("GET", "/api/v1/statuses/{id}/context", "getStatusContext"),
    ("GET", "/api/v1/timelines/home", "getTimelineHome"),
    ("POST", "/api/v1/statuses", "createStatus"),
    (
        "POST",
        "/api/v1/statuses/{id}/favourite",
        "postStatusFavourite",
    ),
    (
        "POST",
        "/api/v1/statuses/{id}/unfavourite",
        "postStatusUnfavourite",
    ),
    ("POST", "/api/v1/apps", "createApp"),
    (
        "GET",
        "/api/v1/apps/verify_credentials",
        "getAppsVerifyCredentials",
    ),
    ("POST", "/oauth/token", "postOauthToken"),
    ("POST", "/oauth/revoke", "postOauthRevoke"),
    (
        "GET",
        "/.well-known/oauth-authorization-server",
        "getWellKnownOauthAuthorizationServer",
    ),
    ("GET", "/oauth/userinfo", "getOauthUserinfo"),
    ("GET", "/api/v1/timelines/public", "getTimelinePublic"),
    (
        "GET",
        "/api/v1/timelines/tag/{hashtag}",
        "getTimelinesTagByHashtag",
    ),
    (
        "GET",
        "/api/v1/accounts/{id}/statuses",
        "getAccountStatuses",
    ),
    (
        "GET",
        "/api/v1/accounts/{id}/followers",
        "getAccountFollowers",
    ),
    (
        "GET",
        "/api/v1/accounts/{id}/following",
        "getAccountFollowing",
    ),
    (
        "GET",
        "/api/v1/statuses/{id}/favourited_by",
        "getStatusFavouritedBy",
    ),
    (
        "GET",
        "/api/v1/statuses/{id}/reblogged_by",
        "getStatusRebloggedBy",
    ),
    (
        "POST",
        "/api/v1/statuses/{id}/bookmark",
        "postStatusBookmark",
    ),
    (
        "POST",
        "/api/v1/statuses/{id}/unbookmark",
        "postStatusUnbookmark",
    ),
    ("GET", "/api/v1/bookmarks", "getBookmarks"),
    ("GET", "/api/v1/favourites", "getFavourites"),
    ("GET", "/api/v1/notifications", "getNotifications"),
    ("GET", "/api/v1/notifications/{id}", "getNotification"),
    (
        "POST",
        "/api/v1/notifications/{id}/dismiss",
        "postNotificationDismiss",
    ),
    (
        "GET",
        "/api/v1/notifications/unread_count",
        "getNotificationsUnreadCount",
    ),
    ("GET", "/api/v1/markers", "getMarkers"),
    ("POST", "/api/v1/markers", "createMarker"),
    ("POST", "/api/v1/accounts/{id}/follow", "postAccountFollow"),
    (
        "POST",
        "/api/v1/accounts/{id}/unfollow",
        "postAccountUnfollow",
    ),
    ("GET", "/api/v1/follow_requests", "getFollowRequests"),
    ("PUT", "/api/v1/statuses/{id}", "updateStatus"),
    (
        "PATCH",
        "/api/v1/accounts/update_credentials",
        "patchAccountsUpdateCredentials",
    ),
];

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> Value {
    let res = app
        .client
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn client_api_answers_conform_to_mastodons_description() {
    let bin = schemathesis();
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = staffroom::services::tokens::create(
        &app.pool,
        "alice",
        "test",
        "read write follow profile",
    )
    .await
    .unwrap();
    let bob = staffroom::services::tokens::create(&app.pool, "bob", "test", "read write follow")
        .await
        .unwrap();

    // Real data, so list and entity answers are full entities rather than empty lists.
    let bob_account = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/accounts/verify_credentials",
        &bob,
        Value::Null,
    )
    .await;
    let bob_id = bob_account["id"].as_str().unwrap().to_string();
    api(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        json!({}),
    )
    .await;
    let question = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/statuses",
        &bob,
        json!({"status": "How do you teach fractions? #maths #edchat"}),
    )
    .await;
    let question_id = question["id"].as_str().unwrap().to_string();
    let reply = json!({"status": "@bob Pizza slices!", "in_reply_to_id": question_id, "spoiler_text": "food"});
    let reply = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/statuses",
        &alice,
        reply,
    )
    .await;
    // Notifications for alice, so the notification endpoints answer real entities.
    api(
        &app,
        reqwest::Method::POST,
        &format!(
            "/api/v1/statuses/{}/favourite",
            reply["id"].as_str().unwrap()
        ),
        &bob,
        json!({}),
    )
    .await;
    api(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/statuses/{}/reblog", reply["id"].as_str().unwrap()),
        &bob,
        json!({}),
    )
    .await;
    api(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/statuses/{question_id}/favourite"),
        &alice,
        json!({}),
    )
    .await;

    let dir = tempfile::tempdir().unwrap();
    // Path ids are pinned to real records for part of the cases; the rest are generated.
    let config = format!(
        "[[operations]]\ninclude-path-regex = \"^/api/v1/statuses/\\\\{{id\\\\}}\"\nparameters = {{ \"path.id\" = \"{question_id}\" }}\n\n\
         [[operations]]\ninclude-path-regex = \"^/api/v1/accounts/\\\\{{id\\\\}}\"\nparameters = {{ \"path.id\" = \"{bob_id}\" }}\n"
    );
    let config_path = dir.path().join("schemathesis.toml");
    std::fs::write(&config_path, config).unwrap();

    let spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/mastodon-openapi/schema.json"
    );
    let mut cmd = Command::new(&bin);
    cmd.current_dir(dir.path())
        .arg("--config-file")
        .arg(&config_path)
        .args(["run", spec, "--url", &app.address])
        .args([
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
        ])
        .args([
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--workers",
            "2",
            "--no-color",
            "--output-truncate",
            "false",
        ])
        .args([
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "10",
        ])
        .arg("--header")
        .arg(format!("Authorization: Bearer {alice}"));
    for (_, _, operation_id) in OPERATIONS {
        cmd.args(["--include-operation-id", operation_id]);
    }
    let output = tokio::task::spawn_blocking(move || cmd.output().expect("schemathesis runs"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schemathesis found non-conforming answers:\n{stdout}\n{stderr}"
    );
    // It really exercised every operation: a filter that matched nothing would pass vacuously.
    let tested = format!("Tested: {}", OPERATIONS.len());
    assert!(
        stdout.contains(&tested),
        "schemathesis did not test all {} operations:\n{stdout}",
        OPERATIONS.len()
    );
    app.stop().await;
}
