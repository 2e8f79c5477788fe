//! What a teacher or an admin does, shared by the CLI, the client API, the web pages
//! and federation. Services own transactions; routes stay thin.

pub mod accounts;
pub mod cards;
pub mod chats;
pub mod conversations;
pub mod emojis;
pub mod events;
pub mod filters;
pub mod follows;
pub mod groups;
pub mod instance;
pub mod lists;
pub mod mail;
pub mod media;
pub mod media_cache;
pub mod moderation;
pub mod moving;
pub mod notifications;
pub mod oauth;
pub mod pins;
pub mod polls;
pub mod portability;
pub mod published;
pub mod registrations;
pub mod relationships;
pub mod relays;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod status_views;
pub mod statuses;
pub mod streaming;
pub mod tag_actors;
pub mod tags;
pub mod timelines;
pub mod tokens;
pub mod visibility;

/// Mastodon's 422 for invalid input: "Validation failed: …".
pub(crate) fn validation_failed(message: impl Into<String>) -> crate::error::Error {
    crate::error::Error::new(
        crate::error::ErrorKind::Unprocessable,
        format!("Validation failed: {}", message.into()),
    )
}

/// A title (of a list, a filter): trimmed, not blank, at most `max` characters.
pub(crate) fn checked_title(title: &str, max: usize) -> crate::error::Result<String> {
    let title = title.trim();
    if title.is_empty() {
        return Err(validation_failed("Title can't be blank"));
    }
    if title.chars().count() > max {
        return Err(validation_failed(format!(
            "Title is too long (maximum is {max} characters)"
        )));
    }
    Ok(title.to_string())
}
