//! Media files: processing uploads (`process.rs`) and the store that keeps and
//! serves them (`store.rs`). What a teacher does with media is in services/media.rs.

pub mod process;
pub mod serve;
pub mod store;
