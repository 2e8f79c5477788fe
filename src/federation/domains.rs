//! Domain blocks: a school can refuse to federate with a server. The list lives in
//! the database (so `staffroom domain block` works while `serve` runs) and in memory,
//! refreshed every few seconds.

use crate::{
    db::{domain_blocks, DbPool},
    error::{Error, Result},
};
use std::{
    collections::BTreeSet,
    sync::RwLock,
    time::{Duration, Instant},
};

const REFRESH: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct DomainBlocks {
    state: RwLock<(BTreeSet<String>, Option<Instant>)>,
}

/// A host as blocks are written: lower case, without a port.
pub fn normalise(host: &str) -> Option<String> {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) && !h.contains(':') => h.to_string(),
        _ => host,
    };
    let valid = !host.is_empty() && host.len() <= 253 && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    valid.then_some(host)
}

impl DomainBlocks {
    /// Whether `host` (or a domain above it) is blocked, as of a few seconds ago.
    pub async fn is_blocked(&self, pool: &DbPool, host: &str) -> bool {
        let stale = self.state.read().unwrap().1.is_none_or(|at| at.elapsed() > REFRESH);
        if stale {
            if let Ok(mut conn) = pool.get().await {
                if let Ok(rows) = domain_blocks::list(&mut conn).await {
                    *self.state.write().unwrap() = (rows.into_iter().map(|(d, _)| d).collect(), Some(Instant::now()));
                }
            }
        }
        normalise(host).is_some_and(|h| self.contains(&h))
    }

    /// Like `is_blocked`, from what is in memory (for code holding a transaction).
    pub fn is_blocked_cached(&self, url: &str) -> bool {
        url::Url::parse(url).ok().and_then(|u| u.host_str().and_then(normalise)).is_some_and(|h| self.contains(&h))
    }

    /// Whether the normalised `host` or a domain above it is in the list.
    fn contains(&self, host: &str) -> bool {
        let state = self.state.read().unwrap();
        let mut candidate = host;
        loop {
            if state.0.contains(candidate) {
                return true;
            }
            match candidate.split_once('.') {
                Some((_, parent)) if parent.contains('.') => candidate = parent,
                _ => return false,
            }
        }
    }

    /// Whether the host of `url` is blocked.
    pub async fn is_blocked_url(&self, pool: &DbPool, url: &str) -> bool {
        match url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_string)) {
            Some(host) => self.is_blocked(pool, &host).await,
            None => false,
        }
    }

}

/// `staffroom domain block HOST`: also drops what is queued for it.
pub async fn block(pool: &DbPool, host: &str) -> Result<(bool, usize)> {
    let host = normalise(host).ok_or_else(|| Error::bad_request(format!("{host:?} is not a host name: give it as mastodon.example")))?;
    let mut conn = pool.get().await?;
    let added = domain_blocks::insert(&mut conn, &host).await?;
    let dropped = crate::db::deliveries::remove_for_domain(&mut conn, &host).await?;
    Ok((added, dropped))
}

pub async fn unblock(pool: &DbPool, host: &str) -> Result<bool> {
    let host = normalise(host).ok_or_else(|| Error::bad_request(format!("{host:?} is not a host name")))?;
    let mut conn = pool.get().await?;
    Ok(domain_blocks::delete(&mut conn, &host).await?)
}

pub async fn list(pool: &DbPool) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    let mut conn = pool.get().await?;
    Ok(domain_blocks::list(&mut conn).await?)
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn hosts_are_normalised() {
        assert_eq!(normalise("Spam.Example").as_deref(), Some("spam.example"));
        assert_eq!(normalise("spam.example:8443").as_deref(), Some("spam.example"));
        assert_eq!(normalise("127.0.0.1:8080").as_deref(), Some("127.0.0.1"));
        assert_eq!(normalise("https://x"), None);
        assert_eq!(normalise(""), None);
    }
}
