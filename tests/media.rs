//! Uploads over real HTTP (issue 14): hostile files refused with a clear error and
//! leaving nothing behind, a good one stored and served with the right headers,
//! attached to a post and shown in its `Note`. (Mastodon.py and Pillow check the
//! rest across two servers: tests/clients.rs.)

mod common;

use common::{api, TestApp};
use serde_json::Value;
use std::io::Cursor;

/// A `multipart/form-data` body as browsers and apps send it.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----staffroom-test-boundary-7c1d";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    if let Some((filename, content_type, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn upload(app: &TestApp, token: &str, filename: &str, content_type: &str, bytes: &[u8], description: &str) -> (u16, Value) {
    let (ct, body) = multipart(&[("description", description)], Some((filename, content_type, bytes)));
    let res = app.client.post(format!("{}/api/v2/media", app.address)).bearer_auth(token).header("content-type", ct).body(body).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 128]));
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

/// A 1×1 PNG whose header (checksum fixed) claims 100,000×100,000 pixels.
fn bomb() -> Vec<u8> {
    let mut b = png(1, 1);
    b[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    b[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let mut crc = !0u32;
    for &byte in &b[12..29] {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    b[29..33].copy_from_slice(&(!crc).to_be_bytes());
    b
}

async fn media_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.unwrap();
    staffroom::db::schema::media_attachments::table.count().get_result(&mut conn).await.unwrap()
}

fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().map(|e| if e.path().is_dir() { files_under(&e.path()) } else { 1 }).sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_files_are_refused_and_leave_nothing_behind() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let media_dir = app.ctx.settings.data_dir.join("media");
    let good = png(300, 200);
    let half = &good[..good.len() / 2];
    let cases: [(&str, &str, &[u8], &str); 5] = [
        ("bomb.png", "image/png", &bomb(), "100000×100000 pixels"),
        ("photo.jpg", "image/jpeg", &good, "the file is a PNG image but was sent as image/jpeg"),
        ("half.png", "image/png", half, "the image cannot be read"),
        ("cat.png", "image/png", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>", "not a JPEG, PNG, WebP or GIF image"),
        ("empty.png", "image/png", b"", "the file is empty"),
    ];
    for (name, ct, bytes, says) in cases {
        let (status, body) = upload(&app, &token, name, ct, bytes, "hostile").await;
        assert_eq!(status, 422, "{name}: {body}");
        assert!(body["error"].as_str().unwrap_or_default().contains(says), "{name}: {body}");
    }
    assert_eq!(media_rows(&app).await, 0, "a refused upload left a row");
    assert_eq!(files_under(&media_dir), 0, "a refused upload left a file");

    // Positive control: the same route keeps a good image, as a row and two files.
    let (status, body) = upload(&app, &token, "wall.png", "image/png", &good, "A fraction wall").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(media_rows(&app).await, 1);
    assert_eq!(files_under(&media_dir), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_image_is_served_attached_and_sent_in_the_note() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let token = api::token(&app, "alice").await;
    let (status, media) = upload(&app, &token, "wall.png", "image/png", &png(3000, 1000), "Fraction wall in room 12").await;
    assert_eq!(status, 200, "{media}");
    assert_eq!(media["meta"]["original"]["width"], 1920);
    assert_eq!(media["meta"]["original"]["height"], 640);
    assert_eq!(media["meta"]["small"]["width"], 640);
    let id = media["id"].as_str().unwrap();

    let res = app.client.get(media["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("max-age=31536000"));
    let served = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((served.width(), served.height()), (1920, 640));

    // Someone else cannot read or describe alice's upload, nor attach it.
    let bob = api::token(&app, "bob").await;
    assert_eq!(api::get(&app, &format!("/api/v1/media/{id}"), Some(&bob)).await.status, 404);
    let stolen = api::post(&app, "/api/v1/statuses", &bob, &[("status", "mine now"), ("media_ids[]", id)]).await;
    assert_eq!(stolen.status, 422, "{}", stolen.body);
    assert_eq!(api::get(&app, &format!("/api/v1/media/{id}"), Some(&token)).await.status, 200);

    let post = api::post(&app, "/api/v1/statuses", &token, &[("status", ""), ("media_ids[]", id), ("visibility", "public")]).await;
    assert_eq!(post.status, 200, "{}", post.body);
    let attached = &post.body["media_attachments"][0];
    assert_eq!(attached["id"], id);
    assert_eq!(attached["description"], "Fraction wall in room 12");
    assert_eq!(attached["blurhash"], media["blurhash"]);

    let uri = post.body["uri"].as_str().unwrap();
    let note: Value = app.client.get(uri).header("accept", "application/activity+json").send().await.unwrap().json().await.unwrap();
    let a = &note["attachment"][0];
    assert_eq!(a["type"], "Document", "{note}");
    assert_eq!(a["mediaType"], "image/jpeg");
    assert_eq!(a["url"], media["url"]);
    assert_eq!(a["name"], "Fraction wall in room 12");
    assert_eq!(a["blurhash"], media["blurhash"]);
    assert_eq!((a["width"].as_i64(), a["height"].as_i64()), (Some(1920), Some(640)));

    // Deleting the post deletes its files.
    let deleted = app.client.delete(format!("{}/api/v1/statuses/{}", app.address, post.body["id"].as_str().unwrap())).bearer_auth(&token).send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(app.client.get(media["url"].as_str().unwrap()).send().await.unwrap().status(), 404);
}
