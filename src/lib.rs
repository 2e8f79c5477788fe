//! Staffroom: an ActivityPub server for teachers' Personal Learning Networks.
//! Everything lives in the library so tests and benchmarks use the real thing;
//! `main.rs` only parses the command line.

pub mod api;
pub mod cluster;
pub mod config;
pub mod content;
pub mod context;
pub mod crypto;
pub mod db;
pub mod error;
pub mod federation;
pub mod health;
pub mod instance_lock;
pub mod media;
pub mod metrics;
pub mod multipart;
pub mod periodic;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod urls;
pub mod web;
