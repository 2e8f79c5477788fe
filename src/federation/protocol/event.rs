//! Hashtag chats on the wire: the chat as an `Event` (FEP-8a8e, as Mobilizon and
//! Gancio send them; Mastodon shows one as a post with its name and link), and an
//! occurrence's transcript as an `OrderedCollection` of its questions, each an
//! `OrderedCollection` of the question and its answers.

use super::note::Tag;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// `timezone` is Mobilizon's term (FEP-8a8e names it so), in its namespace.
pub fn event_context() -> Value {
    json!([
        super::context::ACTIVITYSTREAMS,
        {
            "Hashtag": "as:Hashtag",
            "mz": "https://joinmobilizon.org/ns#",
            "timezone": { "@id": "mz:timezone", "@type": "http://www.w3.org/2001/XMLSchema#string" }
        }
    ])
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    /// The description as HTML, with a line saying when it recurs.
    pub content: String,
    pub media_type: String,
    /// The next occurrence (or the one under way; the last, once all are over).
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    /// The IANA name of the chat's time zone.
    pub timezone: String,
    /// The chat's page (live during an occurrence).
    pub url: String,
    pub attributed_to: String,
    pub published: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// The chat's hashtag (as a post's `Hashtag` tag).
    pub tag: Vec<EventTag>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct EventTag {
    #[serde(rename = "type")]
    pub kind: String,
    pub href: String,
    pub name: String,
}

impl From<Tag> for EventTag {
    fn from(t: Tag) -> EventTag {
        EventTag {
            kind: t.kind.to_string(),
            href: t.href,
            name: t.name,
        }
    }
}

/// A cancelled chat, answered where its `Event` was (410) and sent in its `Delete`.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EventTombstone {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub former_type: &'static str,
}

/// One occurrence of a chat, afterwards: its questions in order, and who took part
/// (`attributedTo`: the host first, then everyone who answered, in order of their
/// first answer).
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Transcript {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    /// The chat's `Event` (AS2 `context`).
    #[serde(rename = "context")]
    pub chat: String,
    pub url: String,
    pub start_time: DateTime<Utc>,
    pub end_time: DateTime<Utc>,
    pub attributed_to: Vec<String>,
    pub total_items: u64,
    pub ordered_items: Vec<TranscriptQuestion>,
}

/// A question (`name` "Q1") as an `OrderedCollection`: the question's post first,
/// then its answers' posts, oldest first.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct TranscriptQuestion {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub total_items: u64,
    pub ordered_items: Vec<String>,
}
