//! What a teacher or an admin does, shared by the CLI, the client API, the web pages
//! and federation. Services own transactions; routes stay thin.

pub mod accounts;
pub mod cards;
pub mod conversations;
pub mod emojis;
pub mod events;
pub mod follows;
pub mod groups;
pub mod instance;
pub mod media;
pub mod oauth;
pub mod moderation;
pub mod notifications;
pub mod pins;
pub mod polls;
pub mod published;
pub mod registrations;
pub mod relationships;
pub mod roles;
pub mod search;
pub mod sessions;
pub mod status_views;
pub mod statuses;
pub mod streaming;
pub mod tags;
pub mod visibility;
pub mod timelines;
pub mod tokens;
