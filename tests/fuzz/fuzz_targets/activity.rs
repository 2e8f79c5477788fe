//! An inbox body, as the inbox reads it: the depth and count limits, the activity
//! envelope, then its object as a post (sanitised, tags read) and as an actor.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use staffroom::{
    db::{accounts::Account, AccountId},
    federation::{fetch, limits, objects::note::incoming_note},
    urls::Urls,
};

fn author(uri: &str) -> Account {
    let now = chrono::Utc::now();
    Account {
        id: AccountId(1),
        username: "remote".into(),
        domain: url::Url::parse(uri).ok().and_then(|u| u.host_str().map(str::to_string)),
        display_name: String::new(),
        note: String::new(),
        locked: false,
        discoverable: true,
        actor_type: "Person".into(),
        uri: Some(uri.to_string()),
        url: None,
        inbox_url: None,
        shared_inbox_url: None,
        outbox_url: None,
        followers_url: Some(format!("{uri}/followers")),
        following_url: None,
        public_key_pem: String::new(),
        private_key_pem: None,
        created_at: now,
        updated_at: now,
        last_fetched_at: None,
        public_key_id: None,
        suspended_at: None,
        silenced_at: None,
        sensitized_at: None,
        indexable: false,
        avatar_key: None,
        header_key: None,
        avatar_remote_url: None,
        header_remote_url: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(activity) = limits::parse_activity(data) else { return };
    if let Value::Object(object) = &activity.object {
        // Claim the note's own author, so the checks after parsing run too.
        let uri = object.get("attributedTo").and_then(Value::as_str).unwrap_or("https://remote.example/users/a");
        let _ = incoming_note(&activity.object, &author(uri), None, &Urls::new("https", "staffroom.example"));
        let _ = fetch::actor_from_document(activity.object.clone());
    }
});
