//! Conversions between our rows and ActivityStreams objects, named by direction.

pub mod note;
pub mod person;
