//! The `Tag` entity: name, URL, the last seven days of use (newest first, numbers as
//! strings, as Mastodon sends them) and, for a signed-in reader, `following` and
//! `featuring`; and `FeaturedTag`.

use crate::{services::tags::TagView, urls::Urls};
use serde_json::{json, Value};

pub fn tag(t: &TagView, urls: &Urls) -> Value {
    let history: Vec<Value> = t
        .history
        .iter()
        .map(|d| json!({ "day": (d.day * 86_400).to_string(), "uses": d.uses.to_string(), "accounts": d.accounts.to_string() }))
        .collect();
    // There is no table of tags, so no numeric id: the name is unique and stable.
    let mut v =
        json!({ "id": t.name, "name": t.name, "url": urls.tag(&t.name), "history": history });
    if let Some(following) = t.following {
        v["following"] = Value::Bool(following);
    }
    if let Some(featuring) = t.featuring {
        v["featuring"] = Value::Bool(featuring);
    }
    v
}

/// The `FeaturedTag` entity: `statuses_count` as a string and `last_status_at` as a
/// date, as Mastodon sends them; `url` is the hashtag's page here.
pub fn featured(f: &crate::db::tags::Featured, urls: &Urls) -> Value {
    json!({
        "id": f.id.to_string(),
        "name": f.name,
        "url": urls.tag(&f.name),
        "statuses_count": f.statuses.to_string(),
        "last_status_at": f.last_status_at.map(|t| t.format("%Y-%m-%d").to_string()),
    })
}
