//! What every request handler and worker shares.

use crate::{config::Settings, db::DbPool, federation::client::HttpClient, urls::Urls};
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct AppContext {
    pub pool: DbPool,
    pub settings: Arc<Settings>,
    pub urls: Urls,
    /// The instance actor's public key, published at `/actor`.
    pub instance_public_key_pem: Arc<str>,
    /// The instance actor's private key: it signs our fetches.
    pub instance_key: Arc<openssl::pkey::PKey<openssl::pkey::Private>>,
    /// Remote keys already checked, by key id: verifying needs no database round trip.
    pub keys: Arc<crate::federation::keys::KeyCache>,
    /// Remote actors followed from here (the inbox's most frequent question).
    pub followed: Arc<crate::federation::keys::FollowedCache>,
    /// The one client for requests to other servers.
    pub client: HttpClient,
    /// Servers we refuse to federate with.
    pub blocks: Arc<crate::federation::domains::DomainBlocks>,
    /// Inbox requests per remote host (federation/limits.rs).
    pub inbox_rate: Arc<crate::federation::limits::HostRateLimiter>,
    /// Stores incoming posts in groups (federation/intake.rs).
    pub posts: crate::federation::intake::PostWriter,
    /// Wakes the delivery worker after a transaction queued deliveries.
    pub delivery_wake: Arc<Notify>,
    /// Wakes the mail worker after a transaction queued mail (services/mail.rs).
    pub mail_wake: Arc<Notify>,
    /// Every streamed event of the instance, as the cluster hears it (any process's).
    pub events: tokio::sync::broadcast::Sender<crate::services::events::Event>,
    /// The streaming API's subscribers in this process (api/streaming.rs).
    pub streams: Arc<crate::api::streaming::Hub>,
    /// Failed password sign-ins, for rate limiting (services/oauth.rs).
    pub logins: Arc<crate::services::oauth::LoginLimiter>,
    /// Tells the other `serve` processes of this instance what changed
    /// (`ctx.cluster.publish(Change::…)`); holds the caches above.
    pub cluster: Arc<crate::cluster::Cluster>,
    /// Where uploaded media files are kept (media/store.rs).
    pub media: Arc<crate::media::store::MediaStore>,
}

impl AppContext {
    /// Call after committing a transaction that queued deliveries outside a service.
    pub fn deliveries_queued(&self) {
        self.dispatch(crate::services::events::Outcome::none().delivering(1));
    }

    /// What follows a committed change (services/events.rs).
    pub fn dispatch(&self, outcome: crate::services::events::Outcome) {
        crate::services::events::dispatch(self, outcome)
    }
}
