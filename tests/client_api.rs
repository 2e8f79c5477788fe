//! What every Mastodon app asks at start-up answers in Mastodon's shapes, and what
//! is not built yet answers emptily instead of failing.

mod common;

use common::TestApp;
use serde_json::Value;

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn start_up_endpoints_answer_as_mastodon_does() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token =
        staffroom::services::tokens::create(&app.pool, "alice", "test", "read write follow")
            .await
            .unwrap();

    let (status, v1) = get(&app, "/api/v1/instance", None).await;
    assert_eq!(status, 200);
    assert_eq!(v1["uri"], app.domain);
    assert!(
        v1["version"].as_str().unwrap().starts_with("4."),
        "apps check the Mastodon version: {}",
        v1["version"]
    );
    assert_eq!(v1["stats"]["user_count"], 1);
    assert_eq!(v1["configuration"]["statuses"]["max_characters"], 5000);
    let (status, v2) = get(&app, "/api/v2/instance", None).await;
    assert_eq!(status, 200);
    assert_eq!(v2["domain"], app.domain);
    assert_eq!(v2["registrations"]["enabled"], false);
    assert_eq!(
        get(&app, "/api/v1/custom_emojis", None).await,
        (200, serde_json::json!([]))
    );

    let (status, prefs) = get(&app, "/api/v1/preferences", Some(&token)).await;
    assert_eq!(status, 200);
    assert_eq!(prefs["posting:default:visibility"], "public");

    for path in [
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/lists",
        "/api/v1/announcements",
        "/api/v1/trends/tags",
        "/api/v2/suggestions",
    ] {
        assert_eq!(
            get(&app, path, Some(&token)).await,
            (200, serde_json::json!([])),
            "{path}"
        );
        assert_eq!(get(&app, path, None).await.0, 401, "{path} needs a token");
    }
    let (status, body) = get(&app, "/api/v1/no_such_thing", Some(&token)).await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
}
