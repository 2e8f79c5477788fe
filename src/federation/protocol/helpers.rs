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
    Ok(match Option::<Value>::deserialize(d)?.unwrap_or(Value::Null) {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    })
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
