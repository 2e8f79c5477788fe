//! Every URL this instance mints, in one place: ids in ActivityPub documents,
//! WebFinger links and page links must agree exactly.

use crate::db::{accounts::Account, statuses::Status};

#[derive(Clone, Debug)]
pub struct Urls {
    /// `https://domain` (or `http://` in development), without a trailing slash.
    base: String,
    domain: String,
    /// `STAFFROOM_MEDIA_BASE_URL`, where media files are served from when not here.
    media_base: Option<String>,
}

impl Urls {
    /// The actor id of an account (ours derived, theirs stored).
    pub fn actor_id(&self, account: &Account) -> String {
        match &account.uri {
            Some(uri) if !account.is_local() => uri.clone(),
            _ => self.actor(&account.username),
        }
    }

    /// The page a person opens for an account.
    pub fn profile_url(&self, account: &Account) -> String {
        if account.is_local() {
            self.profile(&account.username)
        } else {
            account
                .url
                .clone()
                .or_else(|| account.uri.clone())
                .unwrap_or_default()
        }
    }

    /// The ActivityPub id of a stored status written by `author`.
    pub fn status_uri(&self, status: &Status, author: &Account) -> String {
        match &status.uri {
            Some(uri) => uri.clone(),
            None => self.status(&author.username, status.id),
        }
    }

    pub fn new(scheme: &str, domain: &str) -> Self {
        Urls {
            base: format!("{scheme}://{domain}"),
            domain: domain.to_string(),
            media_base: None,
        }
    }

    /// Media files served from `base` (a CDN or bucket) rather than from `/media` here.
    pub fn with_media_base(mut self, base: Option<String>) -> Self {
        self.media_base = base;
        self
    }

    /// The public URL of the media file stored under `key`.
    pub fn media_file(&self, key: &str) -> String {
        match &self.media_base {
            Some(base) => format!("{base}/{key}"),
            None => format!("{}/media/{key}", self.base),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// An invite's URL: it leads to the sign-up page with the code filled in.
    pub fn invite(&self, code: &str) -> String {
        format!("{}/invite/{code}", self.base)
    }

    pub fn actor(&self, username: &str) -> String {
        format!("{}/users/{username}", self.base)
    }

    pub fn profile(&self, username: &str) -> String {
        format!("{}/@{username}", self.base)
    }

    pub fn key_id(&self, username: &str) -> String {
        format!("{}#main-key", self.actor(username))
    }

    pub fn inbox(&self, username: &str) -> String {
        format!("{}/inbox", self.actor(username))
    }

    pub fn outbox(&self, username: &str) -> String {
        format!("{}/outbox", self.actor(username))
    }

    pub fn followers(&self, username: &str) -> String {
        format!("{}/followers", self.actor(username))
    }

    /// A group's moderators (its `attributedTo`, as Lemmy serves it).
    pub fn moderators(&self, username: &str) -> String {
        format!("{}/moderators", self.actor(username))
    }

    pub fn following(&self, username: &str) -> String {
        format!("{}/following", self.actor(username))
    }

    pub fn featured(&self, username: &str) -> String {
        format!("{}/collections/featured", self.actor(username))
    }

    pub fn featured_tags(&self, username: &str) -> String {
        format!("{}/collections/tags", self.actor(username))
    }

    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base)
    }

    pub fn instance_actor(&self) -> String {
        format!("{}/actor", self.base)
    }

    pub fn instance_key_id(&self) -> String {
        format!("{}#main-key", self.instance_actor())
    }

    pub fn instance_inbox(&self) -> String {
        format!("{}/inbox", self.instance_actor())
    }

    pub fn instance_outbox(&self) -> String {
        format!("{}/outbox", self.instance_actor())
    }

    /// A local post's ActivityPub id.
    pub fn status(&self, username: &str, id: impl std::fmt::Display) -> String {
        format!("{}/statuses/{id}", self.actor(username))
    }

    /// A local post's page.
    pub fn status_page(&self, username: &str, id: impl std::fmt::Display) -> String {
        format!("{}/@{username}/{id}", self.base)
    }

    pub fn tag(&self, name: &str) -> String {
        format!("{}/tags/{name}", self.base)
    }

    /// A hashtag chat: its page, and its `Event`'s id (content-negotiated).
    pub fn chat(&self, id: i64) -> String {
        format!("{}/chats/{id}", self.base)
    }

    /// An occurrence's transcript: its page, and its `OrderedCollection`'s id.
    pub fn chat_transcript(&self, id: i64, occurrence: &str) -> String {
        format!("{}/chats/{id}/transcripts/{occurrence}", self.base)
    }

    /// A tag's chats as an iCalendar feed.
    pub fn tag_chats_feed(&self, name: &str) -> String {
        format!("{}/tags/{name}/chats.ics", self.base)
    }

    /// Ids of activities that are not objects of their own (Follow, Like, Accept …).
    pub fn activity(&self, username: &str, kind: &str, id: impl std::fmt::Display) -> String {
        format!("{}#{kind}/{id}", self.actor(username))
    }

    pub fn authorize_interaction_template(&self) -> String {
        format!("{}/authorize_interaction?uri={{uri}}", self.base)
    }

    /// The username and id of a local post's URL, if `url` is one of ours.
    pub fn local_status<'a>(&self, url: &'a str) -> Option<(&'a str, i64)> {
        let rest = url.strip_prefix(self.base.as_str())?;
        // The post's id (`/users/NAME/statuses/ID`) or its page (`/@NAME/ID`).
        let (name, id) = match rest.strip_prefix("/users/") {
            Some(rest) => rest.split_once("/statuses/")?,
            None => rest.strip_prefix("/@")?.split_once('/')?,
        };
        Some((name, id.parse().ok()?))
    }

    /// Whether `url` is on this instance (an id we minted, whatever it names).
    pub fn is_ours(&self, url: &str) -> bool {
        url.strip_prefix(self.base.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '#', '?']))
    }

    /// The username of a local actor or profile URL, if `url` is one of ours.
    pub fn local_username<'a>(&self, url: &'a str) -> Option<&'a str> {
        let rest = url.strip_prefix(self.base.as_str())?;
        let name = rest
            .strip_prefix("/users/")
            .or_else(|| rest.strip_prefix("/@"))?;
        (!name.is_empty() && !name.contains(['/', '?', '#'])).then_some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_usernames_come_only_from_our_own_urls() {
        let urls = Urls::new("https", "school.example");
        assert_eq!(
            urls.local_username("https://school.example/users/alice"),
            Some("alice")
        );
        assert_eq!(
            urls.local_username("https://school.example/@alice"),
            Some("alice")
        );
        assert_eq!(
            urls.local_username("https://other.example/users/alice"),
            None
        );
        assert_eq!(
            urls.local_username("http://school.example/users/alice"),
            None
        );
        assert_eq!(
            urls.local_username("https://school.example/users/alice/inbox"),
            None
        );
        assert_eq!(urls.local_username("https://school.example/users/"), None);
    }
}
