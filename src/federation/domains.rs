//! Domain policy: a school can refuse to federate with a server (blocks), or, in
//! allowlist mode, federate only with listed partner servers (allows). Both lists
//! live in the database (so `staffroom domain block|allow` work while `serve` runs)
//! and in memory: loaded before `serve` answers anything, and reloaded when any
//! process announces a change (`crate::cluster`), so every node obeys at once.

use crate::{
    cluster::{self, Change, Link},
    config::FederationMode,
    db::{domain_allows, domain_blocks, DbPool},
    error::{Error, Result},
};
use diesel_async::AsyncPgConnection;
use std::{
    collections::BTreeSet,
    sync::{
        atomic::{AtomicBool, Ordering},
        RwLock,
    },
    time::{Duration, Instant},
};

/// How often the lists are reread while announcements may be missed (this node's
/// listening connection is down, or a reload failed).
const REFRESH: Duration = Duration::from_secs(5);

/// What the policy holds in memory.
struct Lists {
    blocked: BTreeSet<String>,
    allowed: BTreeSet<String>,
    loaded: Instant,
}

/// The domain policy. "Blocked" below means refused: on the block list, or, in
/// allowlist mode, not on the allow list. Only `load` makes one, so it never
/// answers from lists it has not read.
pub struct DomainBlocks {
    mode: FederationMode,
    state: RwLock<Lists>,
    /// A reload failed: what is in memory may be behind the database.
    stale: AtomicBool,
    link: Link,
}

/// A host as blocks are written: lower case, without a port.
pub fn normalise(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') => {
            h.to_string()
        }
        _ => host,
    };
    let valid = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    valid.then_some(host)
}

impl DomainBlocks {
    /// Reads both lists from the database.
    pub async fn load(pool: &DbPool, mode: FederationMode, link: Link) -> Result<Self> {
        Ok(DomainBlocks {
            mode,
            state: RwLock::new(read(pool).await?),
            stale: AtomicBool::new(false),
            link,
        })
    }

    pub async fn reload(&self, pool: &DbPool) -> Result<()> {
        let lists = read(pool).await?;
        *self.state.write().unwrap() = lists;
        self.stale.store(false, Ordering::Release);
        Ok(())
    }

    /// For announced changes: a failed reload is retried by the next `is_blocked`.
    pub(crate) async fn reload_or_mark_stale(&self, pool: &DbPool) {
        if let Err(e) = self.reload(pool).await {
            self.stale.store(true, Ordering::Release);
            tracing::warn!(error = %e, "cannot reload the domain policy; retrying every few seconds");
        }
    }

    /// Whether `host` is refused.
    pub async fn is_blocked(&self, pool: &DbPool, host: &str) -> bool {
        let behind = self.stale.load(Ordering::Acquire) || !self.link.in_sync();
        if behind && self.state.read().unwrap().loaded.elapsed() > REFRESH {
            let _ = self.reload(pool).await;
        }
        self.refuses(host)
    }

    /// Whether a delivery to `inbox_url` is refused, from what is in memory (the
    /// caller is queueing it inside a transaction). Each refusal is logged: a
    /// delivery that silently goes nowhere is a mystery to whoever runs the server.
    pub fn is_blocked_cached(&self, inbox_url: &str) -> bool {
        let host = url::Url::parse(inbox_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        let refused = match &host {
            Some(host) => self.refuses(host),
            None => self.mode == FederationMode::Allowlist,
        };
        if refused {
            tracing::info!(host = host.as_deref().unwrap_or_default(), inbox = %inbox_url, mode = ?self.mode, "delivery dropped by the domain policy");
        }
        refused
    }

    /// Whether the policy refuses `host`. A host that is not a host name is refused
    /// only in allowlist mode.
    fn refuses(&self, host: &str) -> bool {
        let state = self.state.read().unwrap();
        match normalise(host) {
            Some(h) => {
                listed(&state.blocked, &h)
                    || (self.mode == FederationMode::Allowlist && !listed(&state.allowed, &h))
            }
            None => self.mode == FederationMode::Allowlist,
        }
    }

    /// Whether the host of `url` is blocked.
    pub async fn is_blocked_url(&self, pool: &DbPool, url: &str) -> bool {
        match url::Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
        {
            Some(host) => self.is_blocked(pool, &host).await,
            None => self.mode == FederationMode::Allowlist,
        }
    }
}

async fn read(pool: &DbPool) -> Result<Lists> {
    let mut conn = pool.get().await?;
    let blocked = domain_blocks::list(&mut conn).await?;
    let allowed = domain_allows::list(&mut conn).await?;
    Ok(Lists {
        blocked: blocked.into_iter().map(|(d, _)| d).collect(),
        allowed: allowed.into_iter().map(|(d, _)| d).collect(),
        loaded: Instant::now(),
    })
}

/// Whether the normalised `host` or a domain above it is in `list`.
fn listed(list: &BTreeSet<String>, host: &str) -> bool {
    let mut candidate = host;
    loop {
        if list.contains(candidate) {
            return true;
        }
        match candidate.split_once('.') {
            Some((_, parent)) if parent.contains('.') => candidate = parent,
            _ => return false,
        }
    }
}

/// `staffroom domain block HOST`: also drops what is queued for it.
pub async fn block(pool: &DbPool, host: &str) -> Result<(bool, usize)> {
    let mut conn = pool.get().await?;
    block_in(&mut conn, host).await
}

/// `block` on the caller's connection (in its transaction, the announcement goes
/// out at commit).
pub async fn block_in(conn: &mut AsyncPgConnection, host: &str) -> Result<(bool, usize)> {
    let host = host_arg(host)?;
    let added = domain_blocks::insert(conn, &host).await?;
    cluster::announce(conn, &Change::DomainPolicy).await?;
    let dropped = crate::db::deliveries::remove_for_domain(conn, &host).await?;
    Ok((added, dropped))
}

pub async fn unblock(pool: &DbPool, host: &str) -> Result<bool> {
    let mut conn = pool.get().await?;
    unblock_in(&mut conn, host).await
}

pub async fn unblock_in(conn: &mut AsyncPgConnection, host: &str) -> Result<bool> {
    let host = host_arg(host)?;
    let removed = domain_blocks::delete(conn, &host).await?;
    cluster::announce(conn, &Change::DomainPolicy).await?;
    Ok(removed)
}

pub(crate) fn host_arg(host: &str) -> Result<String> {
    normalise(host).ok_or_else(|| {
        Error::bad_request(format!(
            "{host:?} is not a host name: give it as school.example"
        ))
    })
}

/// `staffroom domain allow HOST`: a partner server for allowlist mode.
pub async fn allow(pool: &DbPool, host: &str) -> Result<bool> {
    let mut conn = pool.get().await?;
    allow_in(&mut conn, host).await
}

pub async fn allow_in(conn: &mut AsyncPgConnection, host: &str) -> Result<bool> {
    let host = host_arg(host)?;
    let added = domain_allows::insert(conn, &host).await?;
    cluster::announce(conn, &Change::DomainPolicy).await?;
    Ok(added)
}

/// `staffroom domain disallow HOST`: in allowlist mode, also drops what is queued for it.
pub async fn disallow(pool: &DbPool, host: &str, mode: FederationMode) -> Result<(bool, usize)> {
    let mut conn = pool.get().await?;
    disallow_in(&mut conn, host, mode).await
}

pub async fn disallow_in(
    conn: &mut AsyncPgConnection,
    host: &str,
    mode: FederationMode,
) -> Result<(bool, usize)> {
    let host = host_arg(host)?;
    let removed = domain_allows::delete(conn, &host).await?;
    cluster::announce(conn, &Change::DomainPolicy).await?;
    let dropped = if removed && mode == FederationMode::Allowlist {
        crate::db::deliveries::remove_for_domain(conn, &host).await?
    } else {
        0
    };
    Ok((removed, dropped))
}

pub async fn list_allowed(pool: &DbPool) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    let mut conn = pool.get().await?;
    Ok(domain_allows::list(&mut conn).await?)
}

pub async fn list(pool: &DbPool) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    let mut conn = pool.get().await?;
    Ok(domain_blocks::list(&mut conn).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(mode: FederationMode, blocked: &[&str], allowed: &[&str]) -> DomainBlocks {
        let lists = Lists {
            blocked: blocked.iter().map(|s| s.to_string()).collect(),
            allowed: allowed.iter().map(|s| s.to_string()).collect(),
            loaded: Instant::now(),
        };
        DomainBlocks {
            mode,
            state: RwLock::new(lists),
            stale: AtomicBool::new(false),
            link: Link::default(),
        }
    }

    #[test]
    fn open_mode_refuses_only_blocked_servers_and_their_subdomains() {
        let p = policy(
            FederationMode::Open,
            &["spam.example"],
            &["partner.example"],
        );
        assert!(p.is_blocked_cached("https://spam.example/users/a"));
        assert!(p.is_blocked_cached("https://eu.spam.example/inbox"));
        assert!(!p.is_blocked_cached("https://notspam.example/inbox"));
        assert!(!p.is_blocked_cached("https://anyone.example/inbox"));
    }

    #[test]
    fn allowlist_mode_refuses_everyone_not_listed_and_blocks_still_win() {
        let p = policy(
            FederationMode::Allowlist,
            &["bad.partner.example"],
            &["partner.example", "school.example"],
        );
        assert!(!p.is_blocked_cached("https://partner.example/inbox"));
        assert!(!p.is_blocked_cached("https://social.school.example:8443/users/b"));
        assert!(p.is_blocked_cached("https://bad.partner.example/inbox"));
        assert!(p.is_blocked_cached("https://mastodon.social/inbox"));
        assert!(p.is_blocked_cached("https://school.example.evil.example/inbox"));
        assert!(p.is_blocked_cached("not a url"));
    }

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(normalise("Spam.Example").as_deref(), Some("spam.example"));
        assert_eq!(
            normalise("spam.example:8443").as_deref(),
            Some("spam.example")
        );
        assert_eq!(normalise("127.0.0.1:8080").as_deref(), Some("127.0.0.1"));
        assert_eq!(normalise("https://x"), None);
        assert_eq!(normalise(""), None);
    }
}
