//! Request parameters as Mastodon apps send them: form-encoded or JSON bodies.

use crate::error::{Error, Result};
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;

pub fn parse<T: DeserializeOwned + Default>(req: &HttpRequest, body: &[u8]) -> Result<T> {
    if body.is_empty() {
        return Ok(T::default());
    }
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.contains("json") {
        serde_json::from_slice(body).map_err(|e| {
            Error::new(
                crate::error::ErrorKind::BadRequest,
                format!("Validation failed: {e}"),
            )
        })
    } else {
        serde_urlencoded::from_bytes(body).map_err(|e| {
            Error::new(
                crate::error::ErrorKind::BadRequest,
                format!("Validation failed: {e}"),
            )
        })
    }
}

/// A request's parameters as one JSON object, whatever the app sent: a JSON body, or
/// a form body and the query string read as Rails reads them (`a[]=x` an array,
/// `a[][k]=v` an array of objects — a repeated key starts the next one —, `a[0][k]=v`
/// objects by index). For parameters shaped like Mastodon's nested ones
/// (`keywords_attributes`), which `serde_urlencoded` cannot read.
pub fn rails(req: &HttpRequest, body: &[u8]) -> Result<serde_json::Value> {
    use serde_json::{Map, Value};
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.contains("json") && !body.is_empty() {
        let v: Value = serde_json::from_slice(body).map_err(|e| {
            Error::new(
                crate::error::ErrorKind::BadRequest,
                format!("Validation failed: {e}"),
            )
        })?;
        return match v {
            Value::Object(_) => Ok(v),
            _ => Err(Error::new(
                crate::error::ErrorKind::BadRequest,
                "Validation failed: the body must be a JSON object",
            )),
        };
    }
    let pairs = url::form_urlencoded::parse(req.query_string().as_bytes())
        .chain(url::form_urlencoded::parse(body));
    let mut out = Map::new();
    // Indexed objects (`a[0][k]`) are gathered here, then turned into arrays in index order.
    let mut indexed: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, Map<String, Value>>,
    > = Default::default();
    for (key, value) in pairs {
        let value = Value::String(value.into_owned());
        let Some(open) = key.find('[') else {
            out.insert(key.into_owned(), value);
            continue;
        };
        let name = key[..open].to_string();
        let rest: Vec<&str> = key[open..]
            .split(']')
            .filter(|p| !p.is_empty())
            .map(|p| p.trim_start_matches('['))
            .collect();
        match rest.as_slice() {
            [] | [""] => {
                if let Value::Array(items) =
                    out.entry(name).or_insert_with(|| Value::Array(Vec::new()))
                {
                    items.push(value);
                }
            }
            ["", field] => {
                let Value::Array(items) =
                    out.entry(name).or_insert_with(|| Value::Array(Vec::new()))
                else {
                    continue;
                };
                let starts_new = match items.last() {
                    Some(Value::Object(last)) => last.contains_key(*field),
                    _ => true,
                };
                if starts_new {
                    items.push(Value::Object(Map::new()));
                }
                if let Some(Value::Object(last)) = items.last_mut() {
                    last.insert(field.to_string(), value);
                }
            }
            [index, field] => {
                indexed
                    .entry(name)
                    .or_default()
                    .entry(index.to_string())
                    .or_default()
                    .insert(field.to_string(), value);
            }
            _ => {}
        }
    }
    for (name, by_index) in indexed {
        let mut entries: Vec<(String, Map<String, Value>)> = by_index.into_iter().collect();
        entries.sort_by_key(|(i, _)| i.parse::<i64>().unwrap_or(i64::MAX));
        out.insert(
            name,
            Value::Array(entries.into_iter().map(|(_, m)| Value::Object(m)).collect()),
        );
    }
    Ok(Value::Object(out))
}

/// Reading a [`rails`] object's fields as Mastodon does.
pub mod field {
    use serde_json::Value;

    pub fn text(v: &Value, name: &str) -> Option<String> {
        match v.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// Rails' truthiness (`true`, `1`, `on` …); `None` when absent or blank.
    pub fn flag(v: &Value, name: &str) -> Option<bool> {
        match v.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_i64() != Some(0)),
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(!matches!(
                s.to_ascii_lowercase().as_str(),
                "false" | "0" | "off" | "no" | "f"
            )),
            _ => None,
        }
    }

    /// An array of strings (a single value counts as one).
    pub fn texts(v: &Value, name: &str) -> Option<Vec<String>> {
        match v.get(name)? {
            Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .or_else(|| i.as_i64().map(|n| n.to_string()))
                    })
                    .collect(),
            ),
            Value::String(s) => Some(vec![s.clone()]),
            _ => None,
        }
    }

    /// `expires_in`: absent `None`; blank or null `Some(None)` (no expiry); else seconds.
    pub fn seconds(v: &Value, name: &str) -> Result<Option<Option<i64>>, String> {
        match v.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Some(None)),
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .map(|n| Some(Some(n as i64)))
                .map_err(|_| format!("{name} must be a number of seconds")),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(|n| Some(Some(n as i64)))
                .ok_or_else(|| format!("{name} must be a number of seconds")),
            Some(_) => Err(format!("{name} must be a number of seconds")),
        }
    }
}
