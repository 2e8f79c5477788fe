//! The envelope every incoming activity shares. The inbox reads this first, then
//! the handler for the activity's type reads `object` as it needs.

use super::helpers::{first_id, ids};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct IncomingActivity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "first_id")]
    pub actor: Option<String>,
    #[serde(default)]
    pub object: Value,
    #[serde(default, deserialize_with = "ids")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "ids")]
    pub cc: Vec<String>,
    /// A `Flag`'s comment.
    #[serde(default, deserialize_with = "super::helpers::lenient_string")]
    pub content: Option<String>,
    /// An `Add`'s or `Remove`'s collection; a `Move`'s new account.
    #[serde(default, deserialize_with = "first_id")]
    pub target: Option<String>,
}

/// An activity we send. `object` is an id or an embedded object, made from the wire
/// types (`activities.rs`, `note.rs`, `actor.rs`). Embedded in another (an Undo), it
/// has no context of its own.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OutgoingActivity {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub actor: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cc: Vec<String>,
    pub object: Value,
    /// The collection of an `Add` or `Remove`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
}
