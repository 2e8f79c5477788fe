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
    time::{Duration, Instant},
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
        KeyCache {
            keys: RwLock::default(),
            link,
        }
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
        self.link.announce(Change::ActorKeys {
            owner: owner.to_string(),
        });
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
    /// `None`: forgotten at that instant (see `QUIET`).
    entries: RwLock<HashMap<AccountId, (Option<bool>, Instant)>>,
    cleared: RwLock<Option<Instant>>,
    link: Link,
}

impl FollowedCache {
    /// A backstop only, for a change whose announcement was lost.
    const TTL: Duration = Duration::from_secs(600);
    /// A reader may have asked the database just before a change committed and
    /// store its answer just after the change was heard: answers stored this soon
    /// after the actor was forgotten are used once but not remembered.
    const QUIET: Duration = Duration::from_secs(2);

    pub fn new(link: Link) -> Self {
        FollowedCache {
            entries: RwLock::default(),
            cleared: RwLock::default(),
            link,
        }
    }

    pub fn get(&self, actor: AccountId) -> Option<bool> {
        if !self.link.in_sync() {
            return None;
        }
        let entries = self.entries.read().unwrap();
        entries
            .get(&actor)
            .filter(|(_, at)| at.elapsed() < Self::TTL)
            .and_then(|(followed, _)| *followed)
    }

    pub fn insert(&self, actor: AccountId, followed: bool) {
        if self
            .cleared
            .read()
            .unwrap()
            .is_some_and(|at| at.elapsed() < Self::QUIET)
        {
            return;
        }
        let mut entries = self.entries.write().unwrap();
        if matches!(entries.get(&actor), Some((None, at)) if at.elapsed() < Self::QUIET) {
            return;
        }
        if entries.len() >= MAX_KEYS {
            entries.clear();
        }
        entries.insert(actor, (Some(followed), Instant::now()));
    }

    /// Call after committing a change to who follows `actor`: every node forgets it.
    pub fn forget(&self, actor: AccountId) {
        self.forget_here(actor);
        self.link.announce(Change::Followed(actor));
    }

    pub(crate) fn forget_here(&self, actor: AccountId) {
        self.entries
            .write()
            .unwrap()
            .insert(actor, (None, Instant::now()));
    }

    pub(crate) fn clear(&self) {
        *self.cleared.write().unwrap() = Some(Instant::now());
        self.entries.write().unwrap().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_read_around_a_change_is_not_remembered() {
        let cache = FollowedCache::default();
        cache.insert(AccountId(1), false);
        assert_eq!(cache.get(AccountId(1)), Some(false));
        cache.forget_here(AccountId(1));
        assert_eq!(cache.get(AccountId(1)), None);
        cache.insert(AccountId(1), false); // read before the change committed
        assert_eq!(
            cache.get(AccountId(1)),
            None,
            "asked again, of the database"
        );
        cache.insert(AccountId(2), true);
        assert_eq!(
            cache.get(AccountId(2)),
            Some(true),
            "other actors are unaffected"
        );
        cache.clear();
        cache.insert(AccountId(2), true);
        assert_eq!(cache.get(AccountId(2)), None);
    }
}
