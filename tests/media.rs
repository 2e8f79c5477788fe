//! Uploads over real HTTP (issue 14): hostile files refused with a clear error and
//! leaving nothing behind, a good one stored and served with the right headers,
//! attached to a post and shown in its `Note`. (Mastodon.py and Pillow check the
//! rest across two servers: tests/clients.rs.) With `STAFFROOM_MEDIA_STORE=s3`, against
//! a real SeaweedFS: uploads land in the bucket and every node of the instance serves them.
//! WebP and (animated) GIF uploads become stills of the right type and size; with
//! `STAFFROOM_MEDIA_BASE_URL` links point at the CDN while the files stay served here;
//! a content warning and a sensitive image arrive as such on a second instance.

mod common;

use common::{
    api, free_port,
    media::{multipart_with, png, upload, upload_to},
    nodes::Instance,
    s3::SeaweedFs,
    staffroom_command, TestApp,
};
use object_store::{path::Path as ObjectPath, ObjectStoreExt};
use serde_json::Value;
use std::io::Cursor;

/// A 1×1 PNG whose header (checksum fixed) claims 100,000×100,000 pixels.
fn bomb() -> Vec<u8> {
    let mut b = png(1, 1);
    b[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    b[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let mut crc = !0u32;
    for &byte in &b[12..29] {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    b[29..33].copy_from_slice(&(!crc).to_be_bytes());
    b
}

async fn media_rows(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.unwrap();
    staffroom::db::schema::media_attachments::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            if e.path().is_dir() {
                files_under(&e.path())
            } else {
                1
            }
        })
        .sum()
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
        (
            "photo.jpg",
            "image/jpeg",
            &good,
            "the file is a PNG image but was sent as image/jpeg",
        ),
        ("half.png", "image/png", half, "the image cannot be read"),
        (
            "cat.png",
            "image/png",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
            "not a JPEG, PNG, WebP or GIF image",
        ),
        ("empty.png", "image/png", b"", "the file is empty"),
    ];
    for (name, ct, bytes, says) in cases {
        let (status, body) = upload(&app, &token, name, ct, bytes, "hostile").await;
        assert_eq!(status, 422, "{name}: {body}");
        assert!(
            body["error"].as_str().unwrap_or_default().contains(says),
            "{name}: {body}"
        );
    }
    assert_eq!(media_rows(&app).await, 0, "a refused upload left a row");
    assert_eq!(files_under(&media_dir), 0, "a refused upload left a file");

    // Positive control: the same route keeps a good image, as a row and two files.
    let (status, body) = upload(
        &app,
        &token,
        "wall.png",
        "image/png",
        &good,
        "A fraction wall",
    )
    .await;
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
    let (status, media) = upload(
        &app,
        &token,
        "wall.png",
        "image/png",
        &png(3000, 1000),
        "Fraction wall in room 12",
    )
    .await;
    assert_eq!(status, 200, "{media}");
    assert_eq!(media["meta"]["original"]["width"], 1920);
    assert_eq!(media["meta"]["original"]["height"], 640);
    assert_eq!(media["meta"]["small"]["width"], 640);
    let id = media["id"].as_str().unwrap();

    let res = app
        .client
        .get(media["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
    let served = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!((served.width(), served.height()), (1920, 640));

    // Someone else cannot read or describe alice's upload, nor attach it.
    let bob = api::token(&app, "bob").await;
    assert_eq!(
        api::get(&app, &format!("/api/v1/media/{id}"), Some(&bob))
            .await
            .status,
        404
    );
    let stolen = api::post(
        &app,
        "/api/v1/statuses",
        &bob,
        &[("status", "mine now"), ("media_ids[]", id)],
    )
    .await;
    assert_eq!(stolen.status, 422, "{}", stolen.body);
    assert_eq!(
        api::get(&app, &format!("/api/v1/media/{id}"), Some(&token))
            .await
            .status,
        200
    );

    let post = api::post(
        &app,
        "/api/v1/statuses",
        &token,
        &[
            ("status", ""),
            ("media_ids[]", id),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(post.status, 200, "{}", post.body);
    let attached = &post.body["media_attachments"][0];
    assert_eq!(attached["id"], id);
    assert_eq!(attached["description"], "Fraction wall in room 12");
    assert_eq!(attached["blurhash"], media["blurhash"]);

    let uri = post.body["uri"].as_str().unwrap();
    let note: Value = app
        .client
        .get(uri)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let a = &note["attachment"][0];
    assert_eq!(a["type"], "Document", "{note}");
    assert_eq!(a["mediaType"], "image/jpeg");
    assert_eq!(a["url"], media["url"]);
    assert_eq!(a["name"], "Fraction wall in room 12");
    assert_eq!(a["blurhash"], media["blurhash"]);
    assert_eq!(
        (a["width"].as_i64(), a["height"].as_i64()),
        (Some(1920), Some(640))
    );

    // Deleting the post deletes its files.
    let deleted = app
        .client
        .delete(format!(
            "{}/api/v1/statuses/{}",
            app.address,
            post.body["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(
        app.client
            .get(media["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

/// The store key of a file from its URL (`…/media/<key>`).
fn key_of(url: &str) -> String {
    url.split_once("/media/")
        .unwrap_or_else(|| panic!("a media URL: {url}"))
        .1
        .to_string()
}

/// `GET url`: status, `Content-Type`, body; with the headers every media file carries.
async fn served(url: &str) -> (u16, String, Vec<u8>) {
    let res = reqwest::get(url).await.unwrap();
    let status = res.status().as_u16();
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    if status == 200 {
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{url}");
        assert!(
            res.headers()["cache-control"]
                .to_str()
                .unwrap()
                .contains("max-age=31536000"),
            "{url}"
        );
    }
    (status, ct, res.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn with_s3_uploads_land_in_the_bucket_and_every_node_serves_them() {
    let s3 = SeaweedFs::start().await;
    let settings = s3.settings();
    let vars: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let instance = Instance::new(&vars).await;
    let one = instance.start_node(instance.port);
    let two = instance.start_node(free_port());
    let token = instance.teacher("alice");
    let bucket = s3.store();

    // A refused upload leaves nothing in the bucket.
    let (status, body) = upload_to(
        &one.address,
        &token,
        "cat.png",
        "image/png",
        b"<html><script>alert(1)</script></html>",
        "no",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(s3.keys().await, Vec::<String>::new());

    // Uploaded through node one: both files are objects in the bucket, with their
    // type, and node two serves them byte for byte.
    let (status, first) = upload_to(
        &one.address,
        &token,
        "wall.png",
        "image/png",
        &png(2400, 1200),
        "Fraction wall",
    )
    .await;
    assert_eq!(status, 200, "{first}");
    let (url, preview) = (
        first["url"].as_str().unwrap(),
        first["preview_url"].as_str().unwrap(),
    );
    assert_eq!(s3.keys().await, {
        let mut k = vec![key_of(url), key_of(preview)];
        k.sort();
        k
    });
    let object = bucket
        .get(&ObjectPath::from(key_of(url)))
        .await
        .expect("the original is in the bucket");
    assert_eq!(
        object
            .attributes
            .get(&object_store::Attribute::ContentType)
            .map(|v| v.as_ref()),
        Some("image/jpeg")
    );
    let in_bucket = object.bytes().await.unwrap().to_vec();
    assert_eq!(image::load_from_memory(&in_bucket).unwrap().width(), 1920);
    let on_two = format!("{}/media/{}", two.address, key_of(url));
    let (status, ct, bytes) = served(&on_two).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert!(bytes == in_bucket, "node two serves what node one stored");

    // And the other way round.
    let (status, second) = upload_to(
        &two.address,
        &token,
        "display.png",
        "image/png",
        &png(500, 400),
        "Class display",
    )
    .await;
    assert_eq!(status, 200, "{second}");
    let (status, ct, _) = served(&format!(
        "{}/media/{}",
        one.address,
        key_of(second["preview_url"].as_str().unwrap())
    ))
    .await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    assert_eq!(s3.keys().await.len(), 4);

    // Attached to a post and deleted with it: gone from the bucket, 404 on both.
    let post = reqwest::Client::new()
        .post(format!("{}/api/v1/statuses", one.address))
        .bearer_auth(&token)
        .form(&[
            ("status", "Our wall"),
            ("media_ids[]", first["id"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 200);
    let post: Value = post.json().await.unwrap();
    assert_eq!(post["media_attachments"][0]["url"], url);
    let deleted = reqwest::Client::new()
        .delete(format!(
            "{}/api/v1/statuses/{}",
            two.address,
            post["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(
        s3.keys().await.len(),
        2,
        "the post's two files are gone, the other upload's stay"
    );
    assert!(matches!(
        bucket.get(&ObjectPath::from(key_of(url))).await,
        Err(object_store::Error::NotFound { .. })
    ));
    assert_eq!(served(&on_two).await.0, 404);
    assert_eq!(served(url).await.0, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_to_start_on_a_bucket_it_cannot_use() {
    let s3 = SeaweedFs::start().await;
    let db = common::TestDb::new().await;
    let data = tempfile::tempdir().unwrap();
    let domain = format!("127.0.0.1:{}", free_port());
    let serve = |change: (&str, &str)| {
        let mut vars: Vec<(String, String)> = s3
            .settings()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        vars.extend([
            ("DATABASE_URL".to_string(), db.url.clone()),
            ("STAFFROOM_DOMAIN".into(), domain.clone()),
            ("STAFFROOM_BIND".into(), domain.clone()),
            ("STAFFROOM_DEV".into(), "true".into()),
            (
                "STAFFROOM_DATA_DIR".into(),
                data.path().to_str().unwrap().into(),
            ),
        ]);
        vars.retain(|(k, _)| k != change.0);
        vars.push((change.0.into(), change.1.into()));
        let mut cmd = staffroom_command(&[]);
        cmd.envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("serve");
        cmd
    };
    for (name, value) in [
        ("AWS_SECRET_ACCESS_KEY", "not-the-secret"),
        ("STAFFROOM_S3_BUCKET", "no-such-bucket"),
    ] {
        let out = serve((name, value)).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: serve started");
        assert!(
            stderr.contains("the media store s3://") && stderr.contains("STAFFROOM_S3_BUCKET"),
            "{name}: {stderr}"
        );
        assert!(
            !stderr.contains("not-the-secret") && !stderr.contains("staffroom-test-secret"),
            "no secret in: {stderr}"
        );
    }
    // Positive control: the same settings with the right values start.
    let node = common::ServeProcess::start(serve(("STAFFROOM_S3_BUCKET", common::s3::BUCKET)));
    assert!(node.address.starts_with("http://"));
}

/// `PATCH /api/v1/accounts/update_credentials` with these fields and files.
async fn update_credentials(
    app: &TestApp,
    token: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (u16, Value) {
    let (ct, body) = multipart_with(fields, files);
    let res = app
        .client
        .patch(format!(
            "{}/api/v1/accounts/update_credentials",
            app.address
        ))
        .bearer_auth(token)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn avatars_and_headers_are_cut_to_shape_shown_everywhere_and_replaced() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let media_dir = app.ctx.settings.data_dir.join("media");

    // A hostile avatar: refused with the reason, nothing stored, nothing changed.
    let html: &[u8] = b"<!DOCTYPE html><html><script>alert(1)</script></html>";
    let (status, body) = update_credentials(
        &app,
        &token,
        &[("display_name", "Ms Alice")],
        &[("avatar", "me.png", "image/png", html)],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("avatar: the file is not a JPEG"),
        "{body}"
    );
    assert_eq!(files_under(&media_dir), 0);
    let me = api::get(&app, "/api/v1/accounts/verify_credentials", Some(&token))
        .await
        .body;
    assert!(
        me["avatar"].as_str().unwrap().ends_with("/missing.png"),
        "{me}"
    );
    assert_ne!(
        me["display_name"], "Ms Alice",
        "a refused avatar refuses the whole change"
    );

    // Both at once, with a text field, as apps send them.
    let (status, me) = update_credentials(
        &app,
        &token,
        &[("display_name", "Ms Alice")],
        &[
            ("avatar", "me.png", "image/png", &png(900, 600)[..]),
            ("header", "class.png", "image/png", &png(3000, 2000)[..]),
        ],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["display_name"], "Ms Alice");
    let (avatar, header) = (
        me["avatar"].as_str().unwrap().to_string(),
        me["header"].as_str().unwrap().to_string(),
    );
    assert!(
        avatar.starts_with(&format!("{}/media/", app.address)),
        "{me}"
    );
    assert_eq!(me["avatar_static"], me["avatar"]);
    assert_eq!(me["header_static"], me["header"]);
    let (status, ct, bytes) = served(&avatar).await;
    assert_eq!((status, ct.as_str()), (200, "image/jpeg"));
    let img = image::load_from_memory(&bytes).unwrap();
    assert_eq!((img.width(), img.height()), (400, 400));
    let img = image::load_from_memory(&served(&header).await.2).unwrap();
    assert_eq!((img.width(), img.height()), (1500, 500));
    assert_eq!(files_under(&media_dir), 2);

    // Other servers read them in the actor, as Mastodon sends them.
    let actor: Value = app
        .get("/users/alice", Some("application/activity+json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(actor["icon"]["type"], "Image", "{actor}");
    assert_eq!(actor["icon"]["mediaType"], "image/jpeg");
    assert_eq!(actor["icon"]["url"], avatar.as_str());
    assert_eq!(actor["image"]["url"], header.as_str());
    // The profile page shows the avatar.
    let page = app.get("/@alice", None).await.text().await.unwrap();
    assert!(
        page.contains(&format!("src=\"{avatar}\"")),
        "the profile page shows the avatar"
    );

    // A new avatar replaces the old one, whose file goes; the header stays.
    let (status, me) = update_credentials(
        &app,
        &token,
        &[],
        &[("avatar", "new.png", "image/png", &png(300, 300)[..])],
    )
    .await;
    assert_eq!(status, 200, "{me}");
    assert_ne!(me["avatar"], avatar.as_str());
    assert_eq!(me["header"], header.as_str());
    assert_eq!(served(me["avatar"].as_str().unwrap()).await.0, 200);
    assert_eq!(
        served(&avatar).await.0,
        404,
        "the replaced avatar's file is gone"
    );
    assert_eq!(files_under(&media_dir), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn media_prune_removes_old_unclaimed_uploads_with_progress() {
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    use staffroom::db::schema::media_attachments as m;
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let mut uploads = Vec::new();
    for name in ["old-unclaimed", "old-posted", "new-unclaimed"] {
        let (status, body) = upload(
            &app,
            &token,
            &format!("{name}.png"),
            "image/png",
            &png(200, 100),
            name,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        uploads.push(body);
    }
    let post = api::post(
        &app,
        "/api/v1/statuses",
        &token,
        &[
            ("status", "posted"),
            ("media_ids[]", uploads[1]["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(post.status, 200, "{}", post.body);
    // Two of them were uploaded three days ago.
    let ids: Vec<i64> = uploads[..2]
        .iter()
        .map(|u| u["id"].as_str().unwrap().parse().unwrap())
        .collect();
    let mut conn = app.pool.get().await.unwrap();
    diesel::update(m::table.filter(m::id.eq_any(&ids)))
        .set(m::created_at.eq(chrono::Utc::now() - chrono::Duration::days(3)))
        .execute(&mut conn)
        .await
        .unwrap();

    let data_dir = app.ctx.settings.data_dir.to_str().unwrap().to_string();
    let prune = |days: &str| {
        staffroom_command(&[
            ("DATABASE_URL", app.db.url.as_str()),
            ("STAFFROOM_DATA_DIR", data_dir.as_str()),
        ])
        .args(["media", "prune", "--older-than", days])
        .output()
        .unwrap()
    };
    // Nothing is older than four days: nothing goes.
    let out = prune("4");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Removed 0 unattached uploads"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(media_rows(&app).await, 3);

    let out = prune("1");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 of 1"),
        "progress: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Removed 1 unattached uploads (2 files)"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(media_rows(&app).await, 2);
    assert_eq!(
        served(uploads[0]["url"].as_str().unwrap()).await.0,
        404,
        "the old unclaimed upload's file is gone"
    );
    assert_eq!(
        served(uploads[1]["url"].as_str().unwrap()).await.0,
        200,
        "a posted image stays, however old"
    );
    assert_eq!(
        served(uploads[2]["url"].as_str().unwrap()).await.0,
        200,
        "a recent upload stays"
    );

    let bad = prune("soon");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--older-than"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// A WebP of `w`×`h` (lossless, the encoder the `image` crate has).
fn webp(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 200])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::WebP)
        .unwrap();
    out
}

/// An animated GIF of `w`×`h`: a red frame, then a blue one.
fn animated_gif(w: u32, h: u32) -> Vec<u8> {
    use image::{codecs::gif::GifEncoder, Delay, Frame, Rgba, RgbaImage};
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        let frames = [[220, 0, 0, 255], [0, 0, 220, 255]].map(|c| {
            Frame::from_parts(
                RgbaImage::from_pixel(w, h, Rgba(c)),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            )
        });
        encoder.encode_frames(frames).unwrap();
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn webp_and_gif_uploads_are_kept_as_stills_of_the_right_size_and_type() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let gif = animated_gif(120, 80);
    assert_eq!(
        image::guess_format(&gif).unwrap(),
        image::ImageFormat::Gif,
        "the test's GIF is a GIF"
    );

    // A WebP photo becomes a JPEG (no transparency), resized for the thumbnail.
    let (status, media) = upload(
        &app,
        &token,
        "board.webp",
        "image/webp",
        &webp(800, 600),
        "Whiteboard",
    )
    .await;
    assert_eq!(status, 200, "{media}");
    assert_eq!(media["type"], "image");
    assert_eq!(media["meta"]["original"]["width"], 800);
    assert_eq!(media["meta"]["original"]["height"], 600);
    assert_eq!(media["meta"]["small"]["width"], 640);
    assert_eq!(media["meta"]["small"]["height"], 480);
    let (code, ct, bytes) = served(media["url"].as_str().unwrap()).await;
    assert_eq!((code, ct.as_str()), (200, "image/jpeg"));
    let shown = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((shown.width(), shown.height()), (800, 600));
    let (code, ct, _) = served(media["preview_url"].as_str().unwrap()).await;
    assert_eq!((code, ct.as_str()), (200, "image/jpeg"));

    // An animated GIF keeps its first frame (red), as a still PNG of its size.
    let (status, media) = upload(&app, &token, "wave.gif", "image/gif", &gif, "Waving").await;
    assert_eq!(status, 200, "{media}");
    assert_eq!(media["type"], "image");
    assert_eq!(media["meta"]["original"]["width"], 120);
    assert_eq!(media["meta"]["original"]["height"], 80);
    let (code, ct, bytes) = served(media["url"].as_str().unwrap()).await;
    assert_eq!((code, ct.as_str()), (200, "image/png"));
    let decoder = image::codecs::png::PngDecoder::new(Cursor::new(&bytes)).unwrap();
    assert!(
        !decoder.is_apng().unwrap(),
        "the stored GIF is a still image"
    );
    let still = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .unwrap()
        .to_rgba8();
    assert_eq!(still.dimensions(), (120, 80));
    let image::Rgba([r, g, b, _]) = *still.get_pixel(60, 40);
    assert!(
        r > 200 && g < 30 && b < 30,
        "the first (red) frame is kept, not the blue one: {r},{g},{b}"
    );

    // Labelled as the other type, each is refused: the bytes decide.
    let (status, body) = upload(&app, &token, "wave.webp", "image/webp", &gif, "").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"].as_str().unwrap_or_default().contains("GIF"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_media_base_url_links_point_at_it_and_files_are_still_served_here() {
    let base = "https://cdn.example/staffroom-media";
    let app = TestApp::spawn_with(&[("STAFFROOM_MEDIA_BASE_URL", base)]).await;
    app.create_user("alice").await;
    let token = api::token(&app, "alice").await;
    let (status, media) = upload(
        &app,
        &token,
        "wall.png",
        "image/png",
        &png(900, 300),
        "Fraction wall",
    )
    .await;
    assert_eq!(status, 200, "{media}");
    let url = media["url"].as_str().unwrap();
    let preview = media["preview_url"].as_str().unwrap();
    for link in [url, preview] {
        assert!(link.starts_with(&format!("{base}/")), "{link}");
        // What the CDN fetches from: the same key under our own /media/.
        let key = link.strip_prefix(&format!("{base}/")).unwrap();
        let (code, ct, bytes) = served(&format!("{}/media/{key}", app.address)).await;
        assert_eq!((code, ct.as_str()), (200, "image/jpeg"), "{link}");
        assert!(image::load_from_memory(&bytes).is_ok());
    }

    let post = api::post(
        &app,
        "/api/v1/statuses",
        &token,
        &[
            ("status", "Our wall"),
            ("media_ids[]", media["id"].as_str().unwrap()),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(post.status, 200, "{}", post.body);
    assert_eq!(post.body["media_attachments"][0]["url"], url);
    let note = common::ap_document(&app, post.body["uri"].as_str().unwrap()).await;
    assert_eq!(note["attachment"][0]["url"], url, "{note}");

    // Our pages load it from there, which their policy allows.
    let page = app.get("/public/local", None).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("img-src 'self' data: https://cdn.example"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("src=\"{preview}\"")), "{html}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_content_warning_and_a_sensitive_image_arrive_as_such_on_another_server() {
    use staffroom::db::statuses::Status;
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    a.create_user("alice").await;
    let bob = b.create_user("bob").await.account;
    let (alice_token, bob_token) = (api::token(&a, "alice").await, api::token(&b, "bob").await);
    let wait = std::time::Duration::from_secs(30);
    common::follow_across(&b, &bob, "alice", &a).await;

    let (status, media) = upload(
        &a,
        &alice_token,
        "spider.png",
        "image/png",
        &png(400, 300),
        "A spider on the window",
    )
    .await;
    assert_eq!(status, 200, "{media}");
    let warned = api::post(
        &a,
        "/api/v1/statuses",
        &alice_token,
        &[
            ("status", "Found in room 4 this morning"),
            ("spoiler_text", "Spiders (photo)"),
            ("sensitive", "true"),
            ("media_ids[]", media["id"].as_str().unwrap()),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(warned.status, 200, "{}", warned.body);
    assert_eq!(warned.body["spoiler_text"], "Spiders (photo)");
    assert_eq!(warned.body["sensitive"], true);
    // Positive control: a plain post from the same teacher arrives plain.
    let plain = api::status(&a, &alice_token, "Nothing to warn about", "public").await;

    let uri = warned.body["uri"].as_str().unwrap().to_string();
    let note = common::ap_document(&a, &uri).await;
    assert_eq!(note["summary"], "Spiders (photo)", "{note}");
    assert_eq!(note["sensitive"], true, "{note}");
    assert_eq!(note["attachment"][0]["name"], "A spider on the window");

    let plain_uri = plain["uri"].as_str().unwrap().to_string();
    let mut on_b = Vec::new();
    for u in [&uri, &plain_uri] {
        let copy = common::eventually(wait, "alice's post arrived at B", || async {
            let mut conn = b.pool.get().await.unwrap();
            Status::find_by_uri(&mut conn, u).await.unwrap()
        })
        .await;
        let shown = api::get(
            &b,
            &format!("/api/v1/statuses/{}", copy.id),
            Some(&bob_token),
        )
        .await;
        assert_eq!(shown.status, 200, "{}", shown.body);
        on_b.push(shown.body);
    }
    let (warned_b, plain_b) = (&on_b[0], &on_b[1]);
    assert_eq!(warned_b["spoiler_text"], "Spiders (photo)", "{warned_b}");
    assert_eq!(warned_b["sensitive"], true, "{warned_b}");
    let attached = &warned_b["media_attachments"][0];
    assert_eq!(
        attached["description"], "A spider on the window",
        "{warned_b}"
    );
    assert_eq!(attached["remote_url"], media["url"], "{warned_b}");
    assert_eq!(plain_b["spoiler_text"], "", "{plain_b}");
    assert_eq!(plain_b["sensitive"], false, "{plain_b}");
}
