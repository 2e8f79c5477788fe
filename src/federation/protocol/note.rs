//! Posts: `Note` (and `Question`, `Article`, `Page`, which we store readable), as
//! Mastodon sends and reads them.

use super::helpers::{first_id, ids, lenient_bool, lenient_string, one_or_many};
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct IncomingNote {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "first_id")]
    pub attributed_to: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub content: Option<String>,
    #[serde(default)]
    pub content_map: Option<BTreeMap<String, Value>>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub summary: Option<String>,
    #[serde(default, deserialize_with = "lenient_bool")]
    pub sensitive: bool,
    #[serde(default, deserialize_with = "first_id")]
    pub in_reply_to: Option<String>,
    // A malformed date must not cost the whole post.
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub published: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub updated: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "first_id")]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "ids")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "ids")]
    pub cc: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub tag: Vec<Value>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub attachment: Vec<Value>,
}

/// The note types we store. Others (Event, Video, …) arrive later with media.
pub const STORED_TYPES: [&str; 4] = ["Note", "Question", "Article", "Page"];

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub summary: Option<String>,
    pub in_reply_to: Option<String>,
    pub published: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<DateTime<Utc>>,
    pub url: String,
    pub attributed_to: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub sensitive: bool,
    pub content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_map: Option<BTreeMap<String, String>>,
    pub attachment: Vec<Attachment>,
    pub tag: Vec<NoteTag>,
    pub replies: Replies,
    /// A poll's options (`type` is then `Question`): `oneOf` for a single choice,
    /// `anyOf` for several, as Mastodon sends them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<PollOption>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any_of: Option<Vec<PollOption>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<DateTime<Utc>>,
    /// When the poll closed (only once it has).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voters_count: Option<i64>,
}

/// One option of a `Question`: its text and how many voted for it.
#[derive(Serialize, Debug, Clone)]
pub struct PollOption {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub replies: OptionReplies,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OptionReplies {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub total_items: i64,
}

/// A vote on another server's poll, as Mastodon sends it: a `Note` whose `name` is
/// the chosen option, replying to the `Question`, addressed only to its author.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Vote {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub attributed_to: String,
    pub in_reply_to: String,
    pub to: Vec<String>,
}

/// An image of one of our notes, as Mastodon sends it.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub media_type: String,
    pub url: String,
    /// The alt text (`null` when there is none, as Mastodon sends it).
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blurhash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i32>,
    pub focal_point: [f32; 2],
}

/// A `Mention` (`href` the actor id, `name` `@user@host`) or a `Hashtag` (`href` the
/// tag page, `name` `#tag`) of one of our notes.
#[derive(Serialize, Debug, Clone)]
pub struct Tag {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub href: String,
    pub name: String,
}

/// A tag of one of our notes: a mention or hashtag, or a custom emoji.
#[derive(Serialize, Debug, Clone)]
#[serde(untagged)]
pub enum NoteTag {
    Link(Tag),
    Emoji(EmojiTag),
}

/// One of our custom emoji as Mastodon sends it: `{id, type: Emoji, name: ":code:",
/// updated, icon: {type: Image, mediaType, url}}`.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EmojiTag {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub updated: DateTime<Utc>,
    pub icon: EmojiIcon,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct EmojiIcon {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub media_type: String,
    pub url: String,
}

/// The stub `replies` collection Mastodon sends with every note.
#[derive(Serialize, Debug, Clone)]
pub struct Replies {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub first: RepliesPage,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct RepliesPage {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub next: String,
    pub part_of: String,
    pub items: Vec<Value>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Tombstone {
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}
