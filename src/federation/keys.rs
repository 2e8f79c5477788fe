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
