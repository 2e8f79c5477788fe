//! `/metrics` in Prometheus' text format, on its own address only.

mod common;

use common::{api, free_port, TestApp};

#[tokio::test(flavor = "multi_thread")]
async fn metrics_are_served_on_their_own_address_only() {
    let port = free_port();
    let address = format!("127.0.0.1:{port}");
    let app = TestApp::spawn_with(&[("STAFFROOM_METRICS_ADDRESS", &address)]).await;
    app.create_user("ada").await;
    let token = api::token(&app, "ada").await;
    api::status(&app, &token, "A post to count a request", "public").await;
    // An unsigned POST to the inbox is refused, and counted as such.
    let refused = app
        .client
        .post(format!("{}/inbox", app.address))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let res = app
        .client
        .get(format!("http://{address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    for line in [
        "# TYPE staffroom_delivery_queue_depth gauge",
        "staffroom_delivery_queue_depth 0",
        "staffroom_mail_queue_depth 0",
        "staffroom_inbox_activities_total{result=\"refused\"} 1",
        "staffroom_inbox_activities_total{result=\"accepted\"} 0",
        "staffroom_deliveries_total{outcome=\"delivered\"}",
        "# TYPE staffroom_http_request_duration_seconds histogram",
        "staffroom_http_request_duration_seconds_bucket{status=\"2xx\",le=\"+Inf\"}",
        "staffroom_http_request_duration_seconds_count{status=\"4xx\"}",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    let ok: u64 = text
        .lines()
        .find(|l| l.starts_with("staffroom_http_request_duration_seconds_count{status=\"2xx\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap();
    assert!(ok >= 1, "the post was counted: {text}");

    // Not on the public address.
    assert_eq!(app.get("/metrics", None).await.status(), 404);
    app.stop().await;
}
