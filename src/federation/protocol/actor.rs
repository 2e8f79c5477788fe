//! Actor documents (`Person`, `Application`, `Service`, `Group`), as Mastodon serves
//! and reads them.

use super::helpers::{first_id, ids, lenient_string, one_or_many};
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Value>,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    /// Optional in ActivityPub; Mastodon sends it, some software does not.
    #[serde(default)]
    pub preferred_username: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_string"
    )]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_string"
    )]
    pub summary: Option<String>,
    pub inbox: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub featured: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub featured_tags: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "first_id"
    )]
    pub url: Option<String>,
    #[serde(default)]
    pub manually_approves_followers: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexable: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "deserialize_skip_error"
    )]
    pub published: Option<DateTime<Utc>>,
    /// The avatar (`Image` with `mediaType` and `url`) and the header, as Mastodon
    /// sends them; read leniently with `helpers::image_url`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Value>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub tag: Vec<Value>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub attachment: Vec<Value>,
    /// The other actors this one says it is (account migration).
    #[serde(
        default,
        deserialize_with = "ids",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub also_known_as: Vec<String>,
    /// A group's moderators: the collection listing them (Lemmy's form).
    #[serde(
        default,
        deserialize_with = "first_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub attributed_to: Option<String>,
    /// Lemmy's: whether only moderators may post in a group (ours: members may).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posting_restricted_to_mods: Option<bool>,
    /// Where it moved to.
    #[serde(
        default,
        deserialize_with = "first_id",
        skip_serializing_if = "Option::is_none"
    )]
    pub moved_to: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_inbox: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: String,
    pub public_key_pem: String,
}
