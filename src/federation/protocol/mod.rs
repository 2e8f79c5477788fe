//! Wire types: serde structs that mirror the JSON other servers send and expect.
//! No behaviour lives here.

pub mod activities;
pub mod activity;
pub mod actor;
pub mod collection;
pub mod context;
pub mod event;
pub mod helpers;
pub mod note;
