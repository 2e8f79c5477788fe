//! Lenient readers for the shapes ActivityStreams allows: a value or a list, a link
//! or an embedded object.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `"x"`, `["x", "y"]`, `{"id": "x"}` or `null` → a list of ids.
pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = Option::<Value>::deserialize(d)?.unwrap_or(Value::Null);
    Ok(ids_of(&value))
}

pub fn ids_of(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items.iter().filter_map(id_of).collect(),
        Value::Object(_) => id_of(value).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// The id of a link or an embedded object.
pub fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(map) => map.get("id").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

/// A media URL as ActivityStreams gives one: a string, a `Link` (`href`), or a list
/// of either (the first usable one). Only absolute http(s) URLs of sane length.
pub fn link_url(value: &Value) -> Option<String> {
    let url = match value {
        Value::String(s) => s.clone(),
        Value::Array(a) => return a.iter().find_map(link_url),
        Value::Object(o) => o.get("href")?.as_str()?.to_string(),
        _ => return None,
    };
    let usable = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() <= 2048
        && url::Url::parse(&url).is_ok();
    usable.then_some(url)
}

/// An actor's `icon` or `image`: an `Image` object (its `url`), a bare URL, or a list.
pub fn image_url(value: &Value) -> Option<String> {
    match value {
        Value::Array(a) => a.iter().find_map(image_url),
        Value::Object(o) => link_url(o.get("url")?),
        other => link_url(other),
    }
}

/// A single id from a value that may be a list (as `attributedTo` sometimes is).
pub fn first_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = Option::<Value>::deserialize(d)?.unwrap_or(Value::Null);
    Ok(match &value {
        Value::Array(items) => items.iter().find_map(id_of),
        other => id_of(other),
    })
}

/// A list that may be sent as a single value. (activitypub_federation's
/// `deserialize_one_or_many` cannot be used for `Value` items: a whole array is
/// itself a valid single `Value`.)
pub fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(
        match Option::<Value>::deserialize(d)?.unwrap_or(Value::Null) {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        },
    )
}

/// Strings only; anything else (numbers, objects) is treated as absent.
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::String(s)) => Some(s),
        _ => None,
    })
}

/// Booleans sent as `true`/`false` or occasionally as strings.
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Bool(b)) => b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_are_read_in_every_shape_and_only_as_http_urls() {
        let url = "https://files.example/avatars/a.png";
        for shape in [
            json!(url),
            json!({ "type": "Image", "mediaType": "image/png", "url": url }),
            json!({ "type": "Image", "url": { "type": "Link", "href": url } }),
            json!([{ "type": "Image", "url": "javascript:alert(1)" }, { "type": "Image", "url": [url] }]),
        ] {
            assert_eq!(image_url(&shape).as_deref(), Some(url), "{shape}");
        }
        for bad in [
            json!({ "type": "Image" }),
            json!("data:image/png;base64,AAAA"),
            json!({ "url": format!("https://x.example/{}", "a".repeat(3000)) }),
            json!(42),
        ] {
            assert_eq!(image_url(&bad), None, "{bad}");
        }
    }
}
