//! The `MediaAttachment` entity.

use crate::{db::media::Media, urls::Urls};
use serde_json::{json, Value};

fn size(w: Option<i32>, h: Option<i32>) -> Value {
    match (w, h) {
        (Some(w), Some(h)) if w > 0 && h > 0 => json!({
            "width": w,
            "height": h,
            "size": format!("{w}x{h}"),
            "aspect": f64::from(w) / f64::from(h),
        }),
        _ => Value::Null,
    }
}

pub fn media_attachment(m: &Media, urls: &Urls) -> Value {
    // Other servers' files are not copied here (yet): apps load them from their origin.
    let url = m
        .file_key
        .as_deref()
        .map(|k| urls.media_file(k))
        .or_else(|| m.remote_url.clone());
    let preview = m
        .thumbnail_key
        .as_deref()
        .map(|k| urls.media_file(k))
        .or_else(|| m.remote_url.clone());
    let mut meta = serde_json::Map::new();
    let original = size(m.width, m.height);
    if !original.is_null() {
        meta.insert("original".into(), original);
    }
    let small = size(m.thumbnail_width, m.thumbnail_height);
    if !small.is_null() {
        meta.insert("small".into(), small);
    }
    meta.insert("focus".into(), json!({ "x": m.focus_x, "y": m.focus_y }));
    json!({
        "id": m.id.to_string(),
        "type": m.kind,
        "url": url,
        "preview_url": preview,
        "remote_url": m.remote_url,
        "preview_remote_url": null,
        "text_url": null,
        "meta": meta,
        "description": m.description,
        "blurhash": m.blurhash,
    })
}
