//! What every request handler and worker shares.

use crate::{config::Settings, db::DbPool, urls::Urls};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppContext {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub urls: Urls,
    /// The instance actor's public key, published at `/actor`.
    pub instance_public_key_pem: Arc<str>,
}
