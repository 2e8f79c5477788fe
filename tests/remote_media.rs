//! Other servers' images (issue 14): copied into our media store through the guarded
//! client, from a real HTTP server playing the origin. Apps and pages then load
//! them from us (`url`, `preview_url`) while `remote_url` keeps the origin; the
//! copies keep to `STAFFROOM_MEDIA_CACHE_MB` (oldest out), are fetched again when a
//! page asks for one let go, go with their post, and `staffroom media prune` removes
//! them; outside development mode a private address is never fetched.

mod common;

use chrono::Utc;
use common::{api, eventually, remote, staffroom_command, web_server::WebServer, TestApp};
use serde_json::{json, Value};
use std::{io::Cursor, time::Duration};

const WAIT: Duration = Duration::from_secs(30);

/// A photo-like image (noise compresses badly, so copies have a size worth
/// budgeting), the same bytes for the same seed.
fn noise_jpeg(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Jpeg)
        .unwrap();
    out
}

/// `jpeg` with an EXIF segment and a comment, as a phone's photo carries where it
/// was taken.
fn with_metadata(jpeg: &[u8], comment: &str) -> Vec<u8> {
    let exif: &[u8] = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\0\0\0\0\0";
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(exif);
    out.extend_from_slice(&[0xFF, 0xFE]);
    out.extend_from_slice(&((comment.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(comment.as_bytes());
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// What our copy of `bytes` takes: the same processing the server does.
fn copy_size(bytes: &[u8]) -> u64 {
    let p = staffroom::media::process::process(bytes, None).unwrap();
    (p.original.bytes.len() + p.thumbnail.bytes.len()) as u64
}

/// rita, on her own server, sends a public post mentioning alice with these
/// attachments; returns the post's id here.
async fn deliver(app: &TestApp, rita: &remote::RemoteActor, n: u32, attachments: Value) -> String {
    let note_id = format!("{}/statuses/{n}", rita.id());
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": rita.id(),
        "object": {
            "id": note_id, "type": "Note", "attributedTo": rita.id(),
            "content": format!("<p>Our pond, picture {n}</p>"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [format!("{}/users/alice", app.address)],
            "tag": [{ "type": "Mention", "href": format!("{}/users/alice", app.address) }],
            "published": "2026-12-01T10:00:00Z",
            "attachment": attachments,
        },
    })
    .to_string();
    let res = rita
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create,
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    let mut conn = app.pool.get().await.unwrap();
    let stored = staffroom::db::statuses::Status::find_by_uri(&mut conn, &note_id)
        .await
        .unwrap()
        .expect("the post is stored");
    stored.id.to_string()
}

fn image(url: &str, alt: &str) -> Value {
    json!({ "type": "Document", "mediaType": "image/jpeg", "url": url, "name": alt, "width": 600, "height": 400 })
}

async fn attachments(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let status = api::get(app, &format!("/api/v1/statuses/{id}"), Some(token)).await;
    assert_eq!(status.status, 200, "{}", status.body);
    status.body["media_attachments"].as_array().unwrap().clone()
}

/// Waits until the post's first image is (or is not) our copy; returns it.
async fn copied(app: &TestApp, token: &str, id: &str, yes: bool) -> Value {
    let ours = format!("{}/media/", app.address);
    eventually(
        WAIT,
        &format!("post {id}'s image copied: {yes}"),
        || async {
            let a = attachments(app, token, id).await.remove(0);
            (a["url"].as_str().unwrap().starts_with(&ours) == yes).then_some(a)
        },
    )
    .await
}

async fn status_of(url: &str) -> u16 {
    reqwest::get(url).await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_image_is_copied_served_from_here_and_goes_with_its_post() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let rita = remote::start("rita");
    let origin = WebServer::start();
    let photo = with_metadata(&noise_jpeg(600, 400, 1), "GPS 51.5074 N, 0.1278 W");
    origin.serve("/files/pond.jpg", 200, "image/jpeg", &photo);
    origin.serve(
        "/files/page.png",
        200,
        "image/png",
        b"<html><script>alert(1)</script></html>",
    );

    let id = deliver(
        &app,
        &rita,
        1,
        json!([
            image(&origin.url("/files/pond.jpg"), "Pond dipping"),
            image(&origin.url("/files/page.png"), "Not an image")
        ]),
    )
    .await;
    let a = copied(&app, &token, &id, true).await;
    assert_eq!(a["remote_url"], origin.url("/files/pond.jpg"), "{a}");
    assert_eq!(a["description"], "Pond dipping");
    let (url, preview) = (
        a["url"].as_str().unwrap().to_string(),
        a["preview_url"].as_str().unwrap().to_string(),
    );
    assert!(
        preview.starts_with(&format!("{}/media/", app.address)) && preview != url,
        "{a}"
    );
    let served = reqwest::get(&url).await.unwrap();
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    let bytes = served.bytes().await.unwrap();
    let decoded = image::load_from_memory(&bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (600, 400));
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("Exif") && !text.contains("GPS"),
        "nothing of the origin's metadata is kept"
    );
    assert_eq!(origin.hits("/files/pond.jpg"), 1, "fetched once");

    // The HTML file posing as an image is refused: it stays a link to its origin.
    let fake = attachments(&app, &token, &id).await.remove(1);
    let fake_id: i64 = fake["id"].as_str().unwrap().parse().unwrap();
    eventually(WAIT, "the page posing as an image was refused", || async {
        let mut conn = app.pool.get().await.unwrap();
        staffroom::db::media::Media::find(&mut conn, fake_id)
            .await
            .unwrap()
            .unwrap()
            .cache_failed_at
            .is_some()
    })
    .await;
    assert_eq!(origin.hits("/files/page.png"), 1);
    let fake = attachments(&app, &token, &id).await.remove(1);
    assert_eq!(fake["url"], origin.url("/files/page.png"), "{fake}");

    // A visitor's page shows our copy, with its alt text, and the other as a link.
    let page = app
        .client
        .get(format!("{}/public", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(r#"img src="{preview}" alt="Pond dipping""#)),
        "{page}"
    );
    assert!(
        !page.contains(r#"src="/media/remote/"#)
            && page.contains(&format!(r#"href="{}""#, origin.url("/files/page.png"))),
        "{page}"
    );

    // rita deletes the post: our copy goes with it.
    let delete = json!({
        "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}/statuses/1#delete", rita.id()), "type": "Delete",
        "actor": rita.id(), "object": format!("{}/statuses/1", rita.id()), "to": ["https://www.w3.org/ns/activitystreams#Public"],
    })
    .to_string();
    assert_eq!(status_of(&url).await, 200, "served until the post goes");
    let res = rita
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &delete,
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    eventually(WAIT, "the copy was deleted", || async {
        status_of(&url).await == 404 && status_of(&preview).await == 404
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn copies_keep_to_their_budget_and_a_page_fetches_one_again() {
    let photos: Vec<Vec<u8>> = (1..=3).map(|seed| noise_jpeg(600, 400, seed)).collect();
    let sizes: Vec<u64> = photos.iter().map(|p| copy_size(p)).collect();
    // Room for two copies, not three.
    let budget = sizes[0] + sizes[1] + sizes[2] / 2;
    assert!(
        sizes.iter().all(|s| s * 2 <= budget && s * 3 > budget),
        "{sizes:?}"
    );
    let mb = format!("{:.6}", budget as f64 / 1024.0 / 1024.0);
    let app = TestApp::spawn_with(&[("STAFFROOM_MEDIA_CACHE_MB", &mb)]).await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let rita = remote::start("rita");
    let origin = WebServer::start();
    let mut ids = Vec::new();
    for (n, photo) in photos.iter().enumerate() {
        let path = format!("/files/{n}.jpg");
        origin.serve(&path, 200, "image/jpeg", photo);
        let id = deliver(
            &app,
            &rita,
            n as u32 + 1,
            json!([image(&origin.url(&path), &format!("Picture {n}"))]),
        )
        .await;
        copied(&app, &token, &id, true).await;
        ids.push(id);
    }
    // The third copy made room by letting the oldest go: its files are gone and apps
    // are given the origin's address again.
    let first = copied(&app, &token, &ids[0], false).await;
    assert_eq!(first["url"], origin.url("/files/0.jpg"));
    assert_eq!(first["remote_url"], origin.url("/files/0.jpg"));
    for id in &ids[1..] {
        assert!(
            attachments(&app, &token, id).await[0]["url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}/media/", app.address)),
            "the newer copies stay"
        );
    }

    // A visitor's page asks us for it: it is fetched again, copied, and served
    // (making room in turn by letting the second go).
    let page = app
        .client
        .get(format!("{}/public", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let media_id = first["id"].as_str().unwrap();
    let lazy = format!("/media/remote/{media_id}/small");
    assert!(
        page.contains(&format!(r#"img src="{lazy}" alt="Picture 0""#)),
        "{page}"
    );
    let res = app
        .client
        .get(format!("{}{lazy}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        image::load_from_memory(&res.bytes().await.unwrap())
            .unwrap()
            .width(),
        600
    );
    assert_eq!(origin.hits("/files/0.jpg"), 2, "fetched again once");
    copied(&app, &token, &ids[0], true).await;
    copied(&app, &token, &ids[1], false).await;
    assert_eq!(
        app.client
            .get(format!("{}/media/remote/{media_id}/original", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        origin.hits("/files/0.jpg"),
        2,
        "the full size came from the copy"
    );
    assert_eq!(
        app.client
            .get(format!("{}/media/remote/{media_id}/huge", app.address))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // staffroom media prune --older-than 0 removes every copy (with progress); the
    // rows stay, pointing at their origin.
    let urls: Vec<String> = {
        let mut out = Vec::new();
        for id in [&ids[0], &ids[2]] {
            out.push(
                attachments(&app, &token, id).await[0]["url"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        out
    };
    let out = staffroom_command(&[
        ("DATABASE_URL", &app.db.url),
        ("STAFFROOM_DOMAIN", &app.domain),
        (
            "STAFFROOM_DATA_DIR",
            app.ctx.settings.data_dir.to_str().unwrap(),
        ),
        ("STAFFROOM_DEV", "true"),
    ])
    .args(["media", "prune", "--older-than", "0"])
    .output()
    .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("Removed 2 copies of remote images"),
        "{stdout}"
    );
    assert!(
        stderr.contains("pruning copies of remote images older than 0 days: 2 of 2"),
        "{stderr}"
    );
    for url in urls {
        assert_eq!(status_of(&url).await, 404, "{url}");
    }
    for id in &ids {
        let a = attachments(&app, &token, id).await.remove(0);
        assert_eq!(a["url"], a["remote_url"], "{a}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn outside_dev_mode_an_image_on_a_private_address_is_never_fetched() {
    use staffroom::federation::client::{HttpClient, TestNetwork};
    // No copies in the background: they are made below with a production client.
    let app = TestApp::spawn_with(&[("STAFFROOM_MEDIA_CACHE_MB", "0")]).await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let rita = remote::start("rita");
    // 127.0.0.1 is the school's own network; 127.0.0.2 stands in for a public server.
    let inside = WebServer::start();
    let outside = WebServer::start_on("127.0.0.2");
    let photo = noise_jpeg(300, 200, 7);
    inside.serve("/a.jpg", 200, "image/jpeg", &photo);
    outside.serve("/a.jpg", 200, "image/jpeg", &photo);
    let port = |s: &WebServer| s.base.rsplit(':').next().unwrap().to_string();
    // https, as a real server's link would be: only the address rule stops the second.
    let urls = [
        format!("http://inside.test:{}/a.jpg", port(&inside)),
        format!("https://127.0.0.1:{}/a.jpg", port(&inside)),
        format!("http://outside.test:{}/a.jpg", port(&outside)),
    ];
    let id = deliver(
        &app,
        &rita,
        1,
        Value::Array(urls.iter().map(|u| image(u, "a")).collect()),
    )
    .await;
    let media = attachments(&app, &token, &id).await;
    assert!(
        media.iter().zip(&urls).all(|(m, u)| m["url"] == u.as_str()),
        "with STAFFROOM_MEDIA_CACHE_MB=0 nothing is copied: {media:?}"
    );

    let network = TestNetwork {
        hosts: vec![
            ("outside.test".into(), "127.0.0.2".parse().unwrap()),
            ("inside.test".into(), "127.0.0.1".parse().unwrap()),
        ],
        permit: Some("127.0.0.2".parse().unwrap()),
    };
    let mut ctx = app.ctx.clone();
    let mut settings = (*ctx.settings).clone();
    settings.media_cache_bytes = 64 * 1024 * 1024;
    ctx.settings = std::sync::Arc::new(settings);
    ctx.client = HttpClient::for_tests(network, Duration::from_secs(5)).unwrap();
    let media_id = |i: usize| media[i]["id"].as_str().unwrap().parse::<i64>().unwrap();

    // A name that resolves to loopback passes the URL check; the connection is refused.
    let by_name = staffroom::services::media_cache::copy(&ctx, media_id(0))
        .await
        .unwrap_err();
    assert!(
        by_name.to_string().contains("private or local address"),
        "{by_name}"
    );
    let by_address = staffroom::services::media_cache::copy(&ctx, media_id(1))
        .await
        .unwrap_err();
    assert!(
        by_address.to_string().contains("private or local address"),
        "{by_address}"
    );
    // Control: the permitted server's image is copied through the same client.
    let copied = staffroom::services::media_cache::copy(&ctx, media_id(2))
        .await
        .unwrap();
    assert!(copied.file_key.is_some() && copied.cached_at.is_some());
    assert_eq!(outside.hits("/a.jpg"), 1);
    assert_eq!(
        attachments(&app, &token, &id).await[2]["url"]
            .as_str()
            .unwrap(),
        format!("{}/media/{}", app.address, copied.file_key.unwrap())
    );

    assert_eq!(
        inside.hits("/a.jpg"),
        0,
        "the inside server was never reached"
    );
    assert_eq!(
        reqwest::get(inside.url("/a.jpg")).await.unwrap().status(),
        200
    );
    assert_eq!(
        inside.hits("/a.jpg"),
        1,
        "the inside server counts what reaches it"
    );
}
