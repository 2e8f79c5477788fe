//! The `Tag` entity: name, URL, the last seven days of use (newest first, numbers as
//! strings, as Mastodon sends them) and, for a signed-in reader, `following`.

use crate::{services::tags::TagView, urls::Urls};
use serde_json::{json, Value};

pub fn tag(t: &TagView, urls: &Urls) -> Value {
    let history: Vec<Value> = t
        .history
        .iter()
        .map(|d| json!({ "day": (d.day * 86_400).to_string(), "uses": d.uses.to_string(), "accounts": d.accounts.to_string() }))
        .collect();
    let mut v = json!({ "name": t.name, "url": urls.tag(&t.name), "history": history });
    if let Some(following) = t.following {
        v["following"] = Value::Bool(following);
    }
    v
}
