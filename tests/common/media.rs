//! Uploads as apps send them (`multipart/form-data`), and images to upload.

use super::TestApp;
use serde_json::Value;
use std::io::Cursor;

/// A `multipart/form-data` body as browsers and apps send it.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> (String, Vec<u8>) {
    let files: Vec<(&str, &str, &str, &[u8])> = file
        .into_iter()
        .map(|(filename, ct, bytes)| ("file", filename, ct, bytes))
        .collect();
    multipart_with(fields, &files)
}

/// The same with any number of files: (field, file name, type, bytes).
pub fn multipart_with(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----staffroom-test-boundary-7c1d";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    for (field, filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// `POST /api/v2/media` on `app`.
pub async fn upload(
    app: &TestApp,
    token: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
    description: &str,
) -> (u16, Value) {
    upload_to(
        &app.address,
        token,
        filename,
        content_type,
        bytes,
        description,
    )
    .await
}

/// `POST /api/v2/media` on the server at `address`.
pub async fn upload_to(
    address: &str,
    token: &str,
    filename: &str,
    content_type: &str,
    bytes: &[u8],
    description: &str,
) -> (u16, Value) {
    let (ct, body) = multipart(
        &[("description", description)],
        Some((filename, content_type, bytes)),
    );
    let res = reqwest::Client::new()
        .post(format!("{address}/api/v2/media"))
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

pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 3 % 256) as u8, 128])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}
