//! Link cards (issue 14): a post's first link gets Mastodon's `card` from the page's
//! OpenGraph tags, fetched in the background from a real HTTP server; a page with
//! nothing to say makes no card. A page advertising oEmbed gets the rest from its
//! answer (an embed only when its HTML is one safe iframe); a hostile answer is
//! refused and the card falls back to what the page says.

mod common;

use common::{api, eventually, web_server::WebServer, TestApp};
use serde_json::{json, Value};
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

/// A page with no OpenGraph at all: only a `<title>` and its oEmbed discovery link.
fn page_with_oembed(title: &str, oembed_path: &str) -> String {
    format!(
        r#"<!doctype html><html><head><title>{title}</title>
<link rel="alternate" type="application/json+oembed" href="{oembed_path}" title="oEmbed"></head><body>…</body></html>"#
    )
}

/// Posts `text` as alice and waits for its card (a usable one is expected).
async fn card_of_post(app: &TestApp, token: &str, text: &str) -> Value {
    let posted = api::status(app, token, text, "public").await;
    let id = posted["id"]
        .as_str()
        .expect("the post was made")
        .to_string();
    eventually(Duration::from_secs(20), "the card was made", || async {
        let c = api::get(app, &format!("/api/v1/statuses/{id}/card"), Some(token)).await;
        c.body.get("title").is_some().then_some(c.body)
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oembed_answer_fills_the_card_and_a_hostile_one_is_refused() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let site = WebServer::start();
    let player = r#"<iframe width="640" height="360" src="https://video.example/embed/7" frameborder="0" allowfullscreen onload="steal()"></iframe>"#;
    let answer = json!({
        "version": "1.0",
        "type": "video",
        "title": "Fractions, the video",
        "author_name": "Ms Lee",
        "author_url": site.url("/@lee"),
        "provider_name": "Video Example",
        "provider_url": site.url("/"),
        "thumbnail_url": site.url("/thumbs/7.jpg"),
        "thumbnail_width": 480,
        "thumbnail_height": 360,
        "html": player,
        "width": 640,
        "height": 360,
    });
    site.serve(
        "/watch/7",
        200,
        "text/html; charset=utf-8",
        page_with_oembed("Watch · Video Example", "/oembed?url=7").as_bytes(),
    );
    site.serve(
        "/oembed?url=7",
        200,
        "application/json+oembed",
        answer.to_string().as_bytes(),
    );

    let card = card_of_post(
        &app,
        &token,
        &format!("Watch this: {}", site.url("/watch/7")),
    )
    .await;
    assert_eq!(card["title"], "Fractions, the video", "{card}");
    assert_eq!(card["type"], "video", "{card}");
    assert_eq!(card["author_name"], "Ms Lee");
    assert_eq!(card["author_url"], site.url("/@lee"));
    assert_eq!(card["provider_name"], "Video Example");
    assert_eq!(card["provider_url"], site.url("/"));
    assert_eq!(card["image"], site.url("/thumbs/7.jpg"));
    assert_eq!(
        (card["width"].as_i64(), card["height"].as_i64()),
        (Some(640), Some(360))
    );
    let html = card["html"].as_str().unwrap();
    assert!(
        html.starts_with("<iframe ") && html.ends_with("</iframe>"),
        "{html}"
    );
    assert!(
        html.contains(r#"src="https://video.example/embed/7""#),
        "{html}"
    );
    assert!(
        !html.contains("onload"),
        "the embed kept a script hook: {html}"
    );

    // Hostile answers: each is asked for, refused, and the post keeps the card its
    // page gives (the `<title>`), as a plain link.
    let mut big = answer.clone();
    big["title"] = "x".repeat(600 * 1024).into();
    let mut scripted = answer.clone();
    scripted["type"] = "rich".into();
    scripted["html"] = r#"<script src="https://evil.example/x.js"></script><iframe src="javascript:alert(1)"></iframe>"#.into();
    let cases: [(&str, &str, Vec<u8>, bool); 4] = [
        (
            "oversized",
            "application/json",
            big.to_string().into_bytes(),
            false,
        ),
        (
            "wrong-type",
            "text/html",
            answer.to_string().into_bytes(),
            false,
        ),
        (
            "not-oembed",
            "application/json",
            br#"{"type":"script","html":"<script>alert(1)</script>"}"#.to_vec(),
            false,
        ),
        // Understood, but its embed cannot be made safe: the rest of it is used.
        (
            "unsafe-embed",
            "application/json+oembed",
            scripted.to_string().into_bytes(),
            true,
        ),
    ];
    for (name, content_type, body, partly_used) in cases {
        let (page, oembed) = (format!("/{name}"), format!("/oembed/{name}"));
        let title = format!("The {name} page");
        site.serve(
            &page,
            200,
            "text/html",
            page_with_oembed(&title, &oembed).as_bytes(),
        );
        site.serve(&oembed, 200, content_type, &body);
        let card = card_of_post(&app, &token, &format!("See {}", site.url(&page))).await;
        assert_eq!(
            site.hits(&oembed),
            1,
            "{name}: the oEmbed answer was asked for"
        );
        assert_eq!(card["type"], "link", "{name}: {card}");
        assert_eq!(card["html"], "", "{name}: {card}");
        if partly_used {
            assert_eq!(card["title"], "Fractions, the video", "{name}: {card}");
            assert_eq!(card["author_name"], "Ms Lee", "{name}: {card}");
        } else {
            assert_eq!(card["title"], title, "{name}: {card}");
            assert_eq!(card["author_name"], "", "{name}: {card}");
            assert_eq!(card["provider_name"], "", "{name}: {card}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_development_mode_an_oembed_link_to_a_private_address_is_not_followed() {
    use staffroom::{
        federation::client::{HttpClient, TestNetwork},
        services::{cards, statuses},
    };
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let token = api::token(&app, "alice").await;
    // The production rules, with one test server taken as public (on 127.0.0.2):
    // 127.0.0.1 stays a private address, as it is outside development mode.
    let mut ctx = app.ctx.clone();
    ctx.client = HttpClient::for_tests(
        TestNetwork {
            hosts: vec![],
            permit: Some("127.0.0.2".parse().unwrap()),
        },
        Duration::from_secs(10),
    )
    .unwrap();
    let public = WebServer::start_on("127.0.0.2");
    let private = WebServer::start();
    let answer = json!({ "version": "1.0", "type": "link", "title": "Said by oEmbed", "author_name": "Ms Lee" });
    for server in [&public, &private] {
        server.serve(
            "/oembed",
            200,
            "application/json",
            answer.to_string().as_bytes(),
        );
    }
    public.serve(
        "/inside",
        200,
        "text/html",
        page_with_oembed("Points inside", &private.url("/oembed")).as_bytes(),
    );
    public.serve(
        "/outside",
        200,
        "text/html",
        page_with_oembed("Points outside", "/oembed").as_bytes(),
    );

    let mut made = Vec::new();
    for path in ["/outside", "/inside"] {
        let status = statuses::post(&ctx, &alice, common::public_post("A link follows"))
            .await
            .unwrap();
        let html = format!(r#"<p><a href="{}">read</a></p>"#, public.url(path));
        cards::attach_later(&ctx, status.id, &html);
        let card = eventually(Duration::from_secs(20), "the card was made", || async {
            let c = api::get(
                &app,
                &format!("/api/v1/statuses/{}/card", status.id),
                Some(&token),
            )
            .await;
            c.body.get("title").is_some().then_some(c.body)
        })
        .await;
        made.push(card);
    }
    // Positive control: an oEmbed answer on a public address is read.
    assert_eq!(made[0]["title"], "Said by oEmbed", "{}", made[0]);
    assert_eq!(made[0]["author_name"], "Ms Lee");
    assert_eq!(public.hits("/oembed"), 1);
    // One on a private address is never asked; the page's own card stands.
    assert_eq!(made[1]["title"], "Points inside", "{}", made[1]);
    assert_eq!(made[1]["author_name"], "", "{}", made[1]);
    assert_eq!(
        private.hits("/oembed"),
        0,
        "a private address was contacted"
    );
}
