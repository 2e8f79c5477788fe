//! Mastodon's API entities, shaped exactly as its documentation gives them, built
//! from our rows (internal → api).

pub mod account;
pub mod admin;
pub mod conversation;
pub mod filter;
pub mod media;
pub mod poll;
pub mod status;
pub mod tag;
