//! The `Filter`, `FilterKeyword`, `FilterStatus` and `FilterResult` entities, the v1
//! `Filter` (one keyword), and the `List` entity.

use crate::{
    db::{
        filters::{FilterRow, KeywordRow, StatusRow},
        lists::List,
    },
    services::filters::{Filter, FilterResult},
};
use serde_json::{json, Value};

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A filter without its keywords and posts (as a `FilterResult` carries it).
pub fn filter_summary(row: &FilterRow) -> Value {
    json!({
        "id": row.id.to_string(),
        "title": row.title,
        "context": row.context,
        "expires_at": row.expires_at.as_ref().map(time),
        "filter_action": row.action,
    })
}

pub fn filter(f: &Filter) -> Value {
    let mut v = filter_summary(&f.row);
    v["keywords"] = f.keywords.iter().map(keyword).collect();
    v["statuses"] = f.statuses.iter().map(filter_status).collect();
    v
}

pub fn keyword(k: &KeywordRow) -> Value {
    json!({ "id": k.id.to_string(), "keyword": k.keyword, "whole_word": k.whole_word })
}

pub fn filter_status(s: &StatusRow) -> Value {
    json!({ "id": s.id.to_string(), "status_id": s.status_id.to_string() })
}

pub fn filter_result(r: &FilterResult) -> Value {
    json!({
        "filter": filter_summary(&r.filter.row),
        "keyword_matches": if r.keyword_matches.is_empty() { Value::Null } else { json!(r.keyword_matches) },
        "status_matches": if r.status_matches.is_empty() { Value::Null } else { json!(r.status_matches.iter().map(|s| s.to_string()).collect::<Vec<_>>()) },
    })
}

/// The v1 `Filter`: one keyword, with what its filter says.
pub fn v1_filter(k: &KeywordRow, f: &FilterRow) -> Value {
    json!({
        "id": k.id.to_string(),
        "phrase": k.keyword,
        "context": f.context,
        "whole_word": k.whole_word,
        "expires_at": f.expires_at.as_ref().map(time),
        "irreversible": f.action == "hide",
    })
}

pub fn list(l: &List) -> Value {
    json!({ "id": l.id.to_string(), "title": l.title, "replies_policy": l.replies_policy, "exclusive": l.exclusive })
}
