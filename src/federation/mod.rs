//! ActivityPub: wire types (`protocol/`), conversions between our rows and those
//! types (`objects/`), and the endpoints remote servers call.

pub mod activities;
pub mod client;
pub mod delivery;
pub mod discovery;
pub mod domains;
pub mod fetch;
pub mod follow_resend;
pub mod inbox;
pub mod intake;
pub mod keys;
pub mod limits;
pub mod message_signatures;
pub mod objects;
pub mod protocol;
pub mod refusals;
pub mod routes;
pub mod signatures;
pub mod structured_fields;

/// The media type of ActivityStreams documents we serve.
pub const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

/// Whether a request's `Accept` header asks for ActivityStreams rather than a page.
/// Mastodon answers JSON for `application/activity+json`, for `application/ld+json`
/// (with or without the ActivityStreams profile) and for plain `application/json`.
pub fn wants_activity_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    accept.split(',').any(|part| {
        let media = part
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        matches!(
            media.as_str(),
            "application/activity+json" | "application/ld+json" | "application/json"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::wants_activity_json;

    #[test]
    fn content_negotiation_matches_mastodon() {
        assert!(wants_activity_json(Some("application/activity+json")));
        assert!(wants_activity_json(Some(
            r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#
        )));
        assert!(wants_activity_json(Some(
            "text/html;q=0.5, application/activity+json"
        )));
        assert!(wants_activity_json(Some("application/json")));
        assert!(!wants_activity_json(Some(
            "text/html,application/xhtml+xml,*/*;q=0.8"
        )));
        assert!(!wants_activity_json(Some("*/*")));
        assert!(!wants_activity_json(None));
    }
}
