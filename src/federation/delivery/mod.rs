//! The durable outgoing queue. Services enqueue an activity with its target inboxes
//! inside their own transaction (`enqueue`); the `Deliverer` running in `serve`
//! claims due deliveries, signs each at send time and posts it, retrying with
//! backoff for days. Nothing is kept only in memory: `kill -9` loses nothing.

pub mod schedule;
pub mod worker;

use crate::{
    db::{accounts::Account, deliveries},
    error::{Error, Result},
    federation::client::host_of,
    urls::Urls,
};
use diesel_async::AsyncPgConnection;
use std::collections::BTreeSet;

pub use worker::Deliverer;

/// Queues `activity` from a local `sender` to each distinct inbox. Inboxes on this
/// instance are skipped (local recipients are served from the database), and so
/// are URLs that are not http(s). Returns the number of deliveries queued.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    urls: &Urls,
    sender: &Account,
    activity_uri: &str,
    activity: &serde_json::Value,
    inboxes: impl IntoIterator<Item = String>,
) -> Result<usize> {
    enqueue_as(conn, urls, Some(sender.id), activity_uri, activity, inboxes).await
}

/// `enqueue`, signed by the instance actor (a forwarded report's `Flag`).
pub async fn enqueue_from_instance(
    conn: &mut AsyncPgConnection,
    urls: &Urls,
    activity_uri: &str,
    activity: &serde_json::Value,
    inboxes: impl IntoIterator<Item = String>,
) -> Result<usize> {
    enqueue_as(conn, urls, None, activity_uri, activity, inboxes).await
}

async fn enqueue_as(
    conn: &mut AsyncPgConnection,
    urls: &Urls,
    sender: Option<crate::db::AccountId>,
    activity_uri: &str,
    activity: &serde_json::Value,
    inboxes: impl IntoIterator<Item = String>,
) -> Result<usize> {
    let own_host = urls.domain().to_ascii_lowercase();
    let distinct: BTreeSet<String> = inboxes.into_iter().collect();
    let mut targets = Vec::with_capacity(distinct.len());
    for inbox in distinct {
        let Ok(url) = url::Url::parse(&inbox) else {
            tracing::warn!(%inbox, "not queueing a delivery to an unparsable inbox URL");
            continue;
        };
        let Some(host) = host_of(&url) else { continue };
        if !matches!(url.scheme(), "http" | "https") || host.eq_ignore_ascii_case(&own_host) {
            continue;
        }
        targets.push((inbox, host.to_ascii_lowercase()));
    }
    if targets.is_empty() {
        return Ok(0);
    }
    let body = serde_json::to_string(activity).map_err(Error::internal)?;
    deliveries::insert(conn, sender, activity_uri, &body, &targets).await?;
    Ok(targets.len())
}

/// What `staffroom queue status` shows.
pub struct QueueStatus {
    pub figures: deliveries::QueueFigures,
    pub failing_hosts: Vec<deliveries::FailingHost>,
    pub failing_host_count: i64,
    pub busiest_hosts: Vec<(String, i64)>,
}

pub async fn status(pool: &crate::db::DbPool) -> Result<QueueStatus> {
    let mut conn = pool.get().await?;
    Ok(QueueStatus {
        figures: deliveries::figures(&mut conn).await?,
        failing_hosts: deliveries::failing_hosts(&mut conn, 20).await?,
        failing_host_count: deliveries::count_failing_hosts(&mut conn).await?,
        busiest_hosts: deliveries::pending_by_host(&mut conn, 10).await?,
    })
}

/// Makes everything pending for `host` due now and clears its failing mark.
pub async fn retry_host(pool: &crate::db::DbPool, host: &str) -> Result<usize> {
    let host = host.trim().to_ascii_lowercase();
    if host.is_empty() || host.contains('/') {
        return Err(Error::bad_request(
            "give the host as it appears in the inbox URL, e.g. mastodon.example or 127.0.0.1:8080",
        ));
    }
    let mut conn = pool.get().await?;
    Ok(deliveries::retry_host(&mut conn, &host).await?)
}
