//! The `Poll` entity.

use crate::db::polls::Poll;
use serde_json::{json, Value};

const TIME: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// A poll as Mastodon shows it: counts per option hidden (`null`) until it ends
/// when its author asked so; `voted` and `own_votes` for a signed-in viewer.
pub fn poll(p: &Poll, own_votes: &[i16], voted: bool) -> Value {
    let show_totals = p.expired() || !p.hide_totals;
    json!({
        "id": p.id.to_string(),
        "expires_at": p.expires_at.map(|t| t.format(TIME).to_string()),
        "expired": p.expired(),
        "multiple": p.multiple,
        "votes_count": p.votes_count(),
        "voters_count": p.voters_count,
        "voted": voted,
        "own_votes": own_votes,
        "options": p.options.iter().zip(&p.tallies).map(|(title, n)| json!({
            "title": title,
            "votes_count": if show_totals { json!(n) } else { Value::Null },
        })).collect::<Vec<_>>(),
        "emojis": [],
    })
}
