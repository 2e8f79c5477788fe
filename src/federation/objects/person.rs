//! Local accounts and the instance actor as ActivityStreams actors.

use crate::{
    db::accounts::Account,
    federation::protocol::{
        actor::{Actor, Endpoints, PublicKey},
        context::actor_context,
    },
    urls::Urls,
};

/// An avatar or header as Mastodon sends it in an actor.
fn image(urls: &Urls, key: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "Image",
        "mediaType": crate::media::store::content_type(key).unwrap_or("image/jpeg"),
        "url": urls.media_file(key),
    })
}

/// A local account as the `Person` document remote servers fetch.
pub fn local_account_to_actor(account: &Account, urls: &Urls) -> Actor {
    let name = &account.username;
    let id = urls.actor(name);
    Actor {
        context: Some(actor_context()),
        kind: account.actor_type.clone(),
        preferred_username: name.clone(),
        // Mastodon sends an empty name rather than none; its parser accepts both.
        name: Some(account.display_name.clone()),
        summary: Some(account.note.clone()),
        inbox: urls.inbox(name),
        outbox: Some(urls.outbox(name)),
        followers: Some(urls.followers(name)),
        following: Some(urls.following(name)),
        featured: Some(urls.featured(name)),
        featured_tags: Some(urls.featured_tags(name)),
        endpoints: Some(Endpoints {
            shared_inbox: Some(urls.shared_inbox()),
        }),
        public_key: PublicKey {
            id: urls.key_id(name),
            owner: id.clone(),
            public_key_pem: account.public_key_pem.clone(),
        },
        url: Some(urls.profile(name)),
        manually_approves_followers: account.locked,
        discoverable: Some(account.discoverable),
        indexable: Some(account.indexable),
        published: Some(account.created_at),
        icon: account.avatar_key.as_deref().map(|k| image(urls, k)),
        image: account.header_key.as_deref().map(|k| image(urls, k)),
        tag: Vec::new(),
        attachment: Vec::new(),
        also_known_as: Vec::new(),
        attributed_to: (account.actor_type == "Group").then(|| urls.moderators(name)),
        posting_restricted_to_mods: (account.actor_type == "Group").then_some(false),
        moved_to: None,
        id,
    }
}

/// The actor document with what account migration adds: its aliases and where it
/// moved to (services::moving).
pub fn with_moving(actor: Actor, moving: crate::services::moving::Moving) -> Actor {
    Actor {
        also_known_as: moving.aliases,
        moved_to: moving.moved_to,
        ..actor
    }
}

/// The actor document with `Emoji` tags for our custom emoji its name and bio use
/// (`services::published::actor_extras`), as Mastodon sends them: other servers show
/// `:shortcode:` in the name as the image.
pub fn with_emojis(mut actor: Actor, emojis: &[crate::db::emojis::Emoji], urls: &Urls) -> Actor {
    for e in emojis.iter().filter(|e| e.domain.is_none()) {
        let url = crate::services::emojis::url(e, urls);
        actor.tag.push(serde_json::json!({
            "id": url,
            "type": "Emoji",
            "name": format!(":{}:", e.shortcode),
            "updated": e.updated_at,
            "icon": { "type": "Image", "mediaType": e.content_type, "url": url },
        }));
    }
    actor
}

/// Our actor document with everything it says beyond the account row.
pub fn local_actor_document(
    account: &Account,
    extras: crate::services::published::ActorExtras,
    urls: &Urls,
) -> Actor {
    with_emojis(
        with_moving(local_account_to_actor(account, urls), extras.moving),
        &extras.emojis,
        urls,
    )
}

/// A tag actor's document (services::tag_actors): a `Service`, which Mastodon shows
/// as an automated account anyone can follow, going by `handle` (the hashtag's name),
/// its page the hashtag's, and a bio that says what following it does.
pub fn tag_actor(actor: Actor, handle: &str, urls: &Urls) -> Actor {
    let tag = actor
        .preferred_username
        .strip_prefix(crate::services::tag_actors::USERNAME_PREFIX)
        .unwrap_or(&actor.preferred_username)
        .to_string();
    let page = urls.tag(&tag);
    Actor {
        kind: "Service".into(),
        preferred_username: handle.to_string(),
        name: Some(format!("#{tag}")),
        summary: Some(format!(
            "<p>Boosts the public posts tagged <a href=\"{page}\" class=\"mention hashtag\" rel=\"tag\">#<span>{tag}</span></a> that {} sees. Follow to see them in your home timeline.</p>",
            urls.domain()
        )),
        url: Some(page),
        featured: None,
        featured_tags: None,
        manually_approves_followers: false,
        discoverable: Some(false),
        indexable: Some(false),
        ..actor
    }
}

/// The instance actor (`Application`), which signs our fetches. Like Mastodon's, it
/// approves followers manually and is not discoverable; its name is the domain.
pub fn instance_actor(urls: &Urls, public_key_pem: &str) -> Actor {
    let id = urls.instance_actor();
    Actor {
        context: Some(actor_context()),
        kind: "Application".into(),
        preferred_username: urls.domain().to_string(),
        name: None,
        summary: None,
        inbox: urls.instance_inbox(),
        outbox: Some(urls.instance_outbox()),
        followers: None,
        following: None,
        featured: None,
        featured_tags: None,
        endpoints: Some(Endpoints {
            shared_inbox: Some(urls.shared_inbox()),
        }),
        public_key: PublicKey {
            id: urls.instance_key_id(),
            owner: id.clone(),
            public_key_pem: public_key_pem.to_string(),
        },
        url: Some(format!("{}/about", urls.base())),
        manually_approves_followers: true,
        discoverable: None,
        indexable: None,
        published: None,
        icon: None,
        image: None,
        tag: Vec::new(),
        attachment: Vec::new(),
        also_known_as: Vec::new(),
        attributed_to: None,
        posting_restricted_to_mods: None,
        moved_to: None,
        id,
    }
}
