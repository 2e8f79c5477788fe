//! Public keys of remote actors, cached in memory after their first use so that
//! verifying an incoming signature costs no database round trip.

use crate::db::AccountId;
use openssl::pkey::{PKey, Public};
use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

#[derive(Clone)]
pub struct CachedKey {
    pub account_id: AccountId,
    /// The owner's stored account, so an incoming activity needs no look-up.
    pub account: Option<Arc<crate::db::accounts::Account>>,
    /// The key owner's actor id.
    pub owner: String,
    pub key: Arc<PKey<Public>>,
}

#[derive(Default)]
pub struct KeyCache {
    keys: RwLock<HashMap<String, CachedKey>>,
}

/// Enough for every actor a school's instance hears from; beyond it the cache starts over.
const MAX_KEYS: usize = 50_000;

impl KeyCache {
    pub fn get(&self, key_id: &str) -> Option<CachedKey> {
        self.keys.read().unwrap().get(key_id).cloned()
    }

    pub fn insert(&self, key_id: &str, key: CachedKey) {
        let mut keys = self.keys.write().unwrap();
        if keys.len() >= MAX_KEYS {
            keys.clear();
        }
        keys.insert(key_id.to_string(), key);
    }

    pub fn remove_owner(&self, owner: &str) {
        self.keys.write().unwrap().retain(|_, k| k.owner != owner);
    }
}

/// Whether a remote actor is followed from here, remembered for a short while: the
/// inbox asks it of every incoming post. Local follow changes forget the entry at
/// once; another `serve` process on the same database may be up to `TTL` behind.
#[derive(Default)]
pub struct FollowedCache {
    entries: RwLock<HashMap<AccountId, (bool, std::time::Instant)>>,
}

impl FollowedCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(30);

    pub fn get(&self, actor: AccountId) -> Option<bool> {
        let entries = self.entries.read().unwrap();
        entries.get(&actor).filter(|(_, at)| at.elapsed() < Self::TTL).map(|(followed, _)| *followed)
    }

    pub fn insert(&self, actor: AccountId, followed: bool) {
        let mut entries = self.entries.write().unwrap();
        if entries.len() >= MAX_KEYS {
            entries.clear();
        }
        entries.insert(actor, (followed, std::time::Instant::now()));
    }

    pub fn forget(&self, actor: AccountId) {
        self.entries.write().unwrap().remove(&actor);
    }
}
