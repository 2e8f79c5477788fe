//! Link cards (issue 14): a post's first link gets Mastodon's `card` from the page's
//! OpenGraph tags, fetched in the background from a real HTTP server; a page with
//! nothing to say makes no card.

mod common;

use common::{api, eventually, TestApp};
use std::{
    io::{Read, Write},
    net::TcpListener,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

/// A small web server answering every request with `page` (HTML); counts requests.
fn web_server(page: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}", page.len());
        }
    });
    (address, hits)
}

const ARTICLE: &str = r#"<!doctype html><html><head><title>ignored</title>
<meta property="og:title" content="Teaching fractions with pizza">
<meta property="og:description" content="A lesson plan for year 4">
<meta property="og:image" content="/cover.jpg">
<meta property="og:site_name" content="Maths Weekly"></head><body>…</body></html>"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_first_link_gets_a_card_in_the_background() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let (site, hits) = web_server(ARTICLE);
    let (empty_site, empty_hits) = web_server("<html><body>no metadata</body></html>");

    let posted = api::status(
        &app,
        &token,
        &format!("Good read: {site}/fractions #maths"),
        "public",
    )
    .await;
    let id = posted["id"].as_str().unwrap().to_string();
    let card = eventually(Duration::from_secs(20), "the card was made", || async {
        let c = api::get(&app, &format!("/api/v1/statuses/{id}/card"), Some(&token)).await;
        c.body.get("title").is_some().then_some(c.body)
    })
    .await;
    assert_eq!(card["title"], "Teaching fractions with pizza");
    assert_eq!(card["description"], "A lesson plan for year 4");
    assert_eq!(card["provider_name"], "Maths Weekly");
    assert_eq!(card["image"], format!("{site}/cover.jpg"));
    assert_eq!(card["type"], "link");
    let status = api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await;
    assert_eq!(status.body["card"]["url"], format!("{site}/fractions"));

    // A second post of the same link shares the card: the page is not asked again.
    let again = api::status(
        &app,
        &token,
        &format!("Still good: {site}/fractions"),
        "public",
    )
    .await;
    let again_id = again["id"].as_str().unwrap().to_string();
    eventually(
        Duration::from_secs(20),
        "the second post has the card",
        || async {
            api::get(&app, &format!("/api/v1/statuses/{again_id}"), Some(&token))
                .await
                .body["card"]["title"]
                == "Teaching fractions with pizza"
        },
    )
    .await;
    assert_eq!(hits.load(Ordering::SeqCst), 1, "the page was fetched once");

    // A page with nothing to say: it is asked, and no card comes of it.
    let plain = api::status(&app, &token, &format!("See {empty_site}/nothing"), "public").await;
    let plain_id = plain["id"].as_str().unwrap().to_string();
    eventually(
        Duration::from_secs(20),
        "the page without metadata was asked",
        || async { empty_hits.load(Ordering::SeqCst) == 1 },
    )
    .await;
    let shown = api::get(
        &app,
        &format!("/api/v1/statuses/{plain_id}/card"),
        Some(&token),
    )
    .await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body, serde_json::json!({}));

    // The web pages show the card (here the local timeline, open to visitors).
    let html = app
        .client
        .get(format!("{}/public/local", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Teaching fractions with pizza"), "{html}");
}
