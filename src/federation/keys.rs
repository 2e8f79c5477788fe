//! Public keys of remote actors, cached in memory after their first use so that
//! verifying an incoming signature costs no database round trip; and whether a
//! remote actor is followed from here. Both are kept in step across the `serve`
//! processes of an instance through `crate::cluster`.

use crate::{
    cluster::{Change, Link},
    db::AccountId,
};
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
    link: Link,
}

/// Enough for every actor a school's instance hears from; beyond it the cache starts over.
const MAX_KEYS: usize = 50_000;

impl KeyCache {
    pub fn new(link: Link) -> Self {
        KeyCache { keys: RwLock::default(), link }
    }

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

    /// Forgets the keys of `owner` here and on every other node (its actor was
    /// refetched, rotated its keys, or was deleted).
    pub fn remove_owner(&self, owner: &str) {
        self.remove_owner_here(owner);
        self.link.announce(Change::ActorKeys { owner: owner.to_string() });
    }

    pub(crate) fn remove_owner_here(&self, owner: &str) {
        self.keys.write().unwrap().retain(|_, k| k.owner != owner);
    }

    pub(crate) fn clear(&self) {
        self.keys.write().unwrap().clear();
    }
}

/// Whether a remote actor is followed from here: the inbox asks it of every
/// incoming post. A follow change forgets the entry on every node (`forget`, through
/// the cluster); while this node cannot hear the others, nothing is answered from
/// memory.
#[derive(Default)]
pub struct FollowedCache {
    entries: RwLock<HashMap<AccountId, (bool, std::time::Instant)>>,
    link: Link,
}

impl FollowedCache {
    /// A backstop only: a reader that loaded an answer just before a change
    /// committed elsewhere, and stored it just after the change was heard, keeps a
    /// wrong answer at most this long.
    const TTL: std::time::Duration = std::time::Duration::from_secs(600);

    pub fn new(link: Link) -> Self {
        FollowedCache { entries: RwLock::default(), link }
    }

    pub fn get(&self, actor: AccountId) -> Option<bool> {
        if !self.link.in_sync() {
            return None;
        }
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

    /// Call after committing a change to who follows `actor`: every node forgets it.
    pub fn forget(&self, actor: AccountId) {
        self.forget_here(actor);
        self.link.announce(Change::Followed(actor));
    }

    pub(crate) fn forget_here(&self, actor: AccountId) {
        self.entries.write().unwrap().remove(&actor);
    }

    pub(crate) fn clear(&self) {
        self.entries.write().unwrap().clear();
    }
}
