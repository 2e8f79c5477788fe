//! The `Account` entity.

use crate::{db::accounts::Account, urls::Urls};
use serde_json::{json, Value};

pub struct Counts {
    pub followers: i64,
    pub following: i64,
    pub statuses: i64,
}

impl From<&crate::db::account_lists::AccountCounts> for Counts {
    fn from(c: &crate::db::account_lists::AccountCounts) -> Counts {
        Counts {
            followers: c.followers,
            following: c.following,
            statuses: c.statuses,
        }
    }
}

/// An account's avatar and header URLs: our files, another server's URLs (linked,
/// as their attachments are), or Mastodon's placeholder paths, which apps expect.
pub fn images(a: &Account, urls: &Urls) -> (String, String) {
    let avatar = match (&a.avatar_key, &a.avatar_remote_url) {
        (Some(key), _) => urls.media_file(key),
        (None, Some(remote)) => remote.clone(),
        (None, None) => format!("{}/avatars/original/missing.png", urls.base()),
    };
    let header = match (&a.header_key, &a.header_remote_url) {
        (Some(key), _) => urls.media_file(key),
        (None, Some(remote)) => remote.clone(),
        (None, None) => format!("{}/headers/original/missing.png", urls.base()),
    };
    (avatar, header)
}

pub fn account(a: &Account, urls: &Urls, counts: Option<&Counts>) -> Value {
    let acct = match &a.domain {
        Some(d) => format!("{}@{d}", a.username),
        None => a.username.clone(),
    };
    let (avatar, header) = images(a, urls);
    json!({
        "id": a.id.to_string(),
        "username": a.username,
        "acct": acct,
        "display_name": a.display_name,
        "locked": a.locked,
        "bot": a.actor_type == "Service" || a.actor_type == "Application",
        "discoverable": a.discoverable,
        "indexable": a.indexable,
        "hide_collections": false,
        "noindex": false,
        "roles": [],
        "group": a.actor_type == "Group",
        "created_at": a.created_at.format("%Y-%m-%dT00:00:00.000Z").to_string(),
        "note": a.note,
        "url": urls.profile_url(a),
        "uri": urls.actor_id(a),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": counts.map(|c| c.followers).unwrap_or(0),
        "following_count": counts.map(|c| c.following).unwrap_or(0),
        "statuses_count": counts.map(|c| c.statuses).unwrap_or(0),
        "last_status_at": null,
        "emojis": [],
        "fields": [],
    })
}

/// Mastodon's `Role` entity for one of the built-in roles: apps show admin tools
/// by its permission bits, which are the ones services::roles enforces.
pub fn role(role: crate::db::users::Role) -> Value {
    use crate::services::roles;
    json!({
        "id": roles::mastodon_id(role),
        "name": roles::display_name(role),
        "permissions": roles::permissions(role).to_string(),
        "color": "",
        "highlighted": role != crate::db::users::Role::Member,
    })
}
