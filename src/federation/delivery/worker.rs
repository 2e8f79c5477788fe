//! The sending side of the queue: one claim loop per process feeding bounded,
//! concurrent, signed POSTs.

use super::schedule::{classify, retry_delay, Outcome};
use crate::{
    config::DeliverySettings,
    db::{deliveries, DbPool},
    federation::{client::HttpClient, signatures},
    urls::Urls,
};
use anyhow::Context;
use chrono::Utc;
use openssl::pkey::{PKey, Private};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tokio::sync::{mpsc, watch, Notify, Semaphore};

/// A host is marked unavailable only after this many failures in a row (and after
/// failing for `unavailable_after`).
const MIN_FAILURES_FOR_UNAVAILABLE: i32 = 8;
/// Largest response body we read from an inbox.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;
const IDLE_POLL: Duration = Duration::from_millis(500);

struct SigningKey {
    key: PKey<Private>,
    key_id: String,
}

struct Activity {
    /// `None`: the instance actor.
    account_id: Option<crate::db::AccountId>,
    body: Arc<str>,
}

pub struct Deliverer {
    pool: DbPool,
    client: HttpClient,
    settings: DeliverySettings,
    urls: Urls,
    wake: Arc<Notify>,
    permits: Arc<Semaphore>,
    in_flight: Mutex<HashMap<String, usize>>,
    keys: Mutex<HashMap<crate::db::AccountId, Arc<SigningKey>>>,
    activities: Mutex<HashMap<i64, Arc<Activity>>>,
    failing: Mutex<HashSet<String>>,
    blocks: Arc<crate::federation::domains::DomainBlocks>,
    instance_key: Arc<SigningKey>,
    sent: std::sync::atomic::AtomicU64,
    failed: std::sync::atomic::AtomicU64,
}

impl Deliverer {
    pub fn new(
        pool: DbPool,
        client: HttpClient,
        settings: DeliverySettings,
        urls: Urls,
        wake: Arc<Notify>,
        blocks: Arc<crate::federation::domains::DomainBlocks>,
        instance_key: Arc<PKey<Private>>,
    ) -> Arc<Self> {
        let instance_key = Arc::new(SigningKey {
            key: (*instance_key).clone(),
            key_id: urls.instance_key_id(),
        });
        Arc::new(Deliverer {
            instance_key,
            permits: Arc::new(Semaphore::new(settings.concurrency)),
            pool,
            client,
            settings,
            urls,
            wake,
            in_flight: Mutex::new(HashMap::new()),
            keys: Mutex::new(HashMap::new()),
            activities: Mutex::new(HashMap::new()),
            failing: Mutex::new(HashSet::new()),
            blocks,
            sent: 0.into(),
            failed: 0.into(),
        })
    }

    /// Claims time for one send: twice the request timeout, plus slack.
    fn lease(&self) -> Duration {
        self.settings.timeout * 2 + Duration::from_secs(5)
    }

    /// Runs until `shutdown` turns true, then waits for requests in flight.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let (done_tx, done_rx) = mpsc::unbounded_channel::<i64>();
        let flusher = tokio::spawn(self.clone().flush_delivered(done_rx));
        let reporter = tokio::spawn(self.clone().report(shutdown.clone()));
        let mut last_gc = Instant::now();
        if let Err(e) = self.refresh_failing().await {
            tracing::warn!(error = %format!("{e:#}"), "delivery: cannot read failing hosts");
        }
        loop {
            if *shutdown.borrow() {
                break;
            }
            let free = self.permits.available_permits();
            if free == 0 {
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            let claimed = match self.claim(free.min(500)).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "delivery: claiming failed; retrying shortly");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if claimed.is_empty() {
                if last_gc.elapsed() > Duration::from_secs(60) {
                    last_gc = Instant::now();
                    self.collect_garbage().await;
                }
                tokio::select! {
                    _ = self.wake.notified() => {}
                    _ = tokio::time::sleep(IDLE_POLL) => {}
                    _ = shutdown.changed() => {}
                }
                continue;
            }
            for delivery in claimed {
                let Ok(permit) = self.permits.clone().acquire_owned().await else {
                    break;
                };
                *self
                    .in_flight
                    .lock()
                    .unwrap()
                    .entry(delivery.host.clone())
                    .or_insert(0) += 1;
                let this = self.clone();
                let done = done_tx.clone();
                tokio::spawn(async move {
                    let host = delivery.host.clone();
                    this.deliver(delivery, done).await;
                    drop(permit);
                    {
                        let mut in_flight = this.in_flight.lock().unwrap();
                        if let Some(n) = in_flight.get_mut(&host) {
                            *n -= 1;
                            if *n == 0 {
                                in_flight.remove(&host);
                            }
                        }
                    }
                    this.wake.notify_one();
                });
            }
        }
        // Let requests in flight finish; what does not finish keeps its lease and is retried later.
        let all = self.settings.concurrency as u32;
        let _ = tokio::time::timeout(
            self.settings.timeout + Duration::from_secs(1),
            self.permits.acquire_many(all),
        )
        .await;
        drop(done_tx);
        let _ = flusher.await;
        reporter.abort();
        tracing::info!("delivery: stopped");
    }

    async fn claim(&self, limit: usize) -> anyhow::Result<Vec<deliveries::Claimed>> {
        let busy = self.in_flight.lock().unwrap().clone();
        let mut conn = self.pool.get().await?;
        let claimed = deliveries::claim(
            &mut conn,
            limit,
            self.settings.per_host,
            &busy,
            self.lease(),
            self.settings.probe_interval,
        )
        .await?;
        // Bodies are read once per activity, not once per delivery.
        let missing: Vec<i64> = {
            let cache = self.activities.lock().unwrap();
            let mut ids: Vec<i64> = claimed
                .iter()
                .map(|c| c.outgoing_activity_id)
                .filter(|id| !cache.contains_key(id))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        if !missing.is_empty() {
            let rows = deliveries::activity_bodies(&mut conn, &missing).await?;
            let mut cache = self.activities.lock().unwrap();
            if cache.len() > 10_000 {
                cache.clear();
            }
            for (id, account_id, _uri, body) in rows {
                cache.insert(
                    id,
                    Arc::new(Activity {
                        account_id,
                        body: body.into(),
                    }),
                );
            }
        }
        Ok(claimed)
    }

    async fn signing_key(
        &self,
        account_id: Option<crate::db::AccountId>,
    ) -> anyhow::Result<Arc<SigningKey>> {
        let Some(account_id) = account_id else {
            return Ok(self.instance_key.clone());
        };
        if let Some(k) = self.keys.lock().unwrap().get(&account_id) {
            return Ok(k.clone());
        }
        let mut conn = self.pool.get().await?;
        let account = crate::db::accounts::Account::find(&mut conn, account_id)
            .await?
            .context("the sending account is gone")?;
        let pem = account
            .private_key_pem
            .context("the sending account has no private key")?;
        let key = Arc::new(SigningKey {
            key: PKey::private_key_from_pem(pem.as_bytes())?,
            key_id: self.urls.key_id(&account.username),
        });
        self.keys.lock().unwrap().insert(account_id, key.clone());
        Ok(key)
    }

    async fn deliver(&self, delivery: deliveries::Claimed, done: mpsc::UnboundedSender<i64>) {
        let activity = self
            .activities
            .lock()
            .unwrap()
            .get(&delivery.outgoing_activity_id)
            .cloned();
        let Some(activity) = activity else {
            // Its activity was removed (the sender's account deleted): nothing to send.
            let _ = done.send(delivery.id);
            return;
        };
        if self.blocks.is_blocked(&self.pool, &delivery.host).await {
            tracing::info!(host = %delivery.host, inbox = %delivery.inbox_url, "delivery dropped by the domain policy");
            let _ = done.send(delivery.id);
            return;
        }
        let started = Instant::now();
        let result = self.post(&delivery.inbox_url, &activity).await;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let now = Utc::now();
        let outcome = match &result {
            Ok((status, retry_after)) => classify(*status, retry_after.as_deref(), now),
            Err(_) => Outcome::Retry { retry_after: None },
        };
        let status = result.as_ref().map(|(s, _)| *s).unwrap_or(0);
        match outcome {
            Outcome::Delivered => {
                self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                crate::metrics::delivery(crate::metrics::Delivery::Delivered);
                tracing::debug!(inbox = %delivery.inbox_url, status, elapsed_ms, "delivered");
                let _ = done.send(delivery.id);
                if self.failing.lock().unwrap().remove(&delivery.host) {
                    self.record(async |conn| {
                        deliveries::host_recovered(conn, &delivery.host).await
                    })
                    .await;
                    tracing::info!(host = %delivery.host, "delivery: host is answering again");
                }
            }
            Outcome::Refused => {
                self.failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                crate::metrics::delivery(crate::metrics::Delivery::Refused);
                tracing::warn!(inbox = %delivery.inbox_url, status, attempts = delivery.attempts + 1, "delivery refused for good; dropped");
                let _ = done.send(delivery.id);
            }
            Outcome::Retry { retry_after } => {
                self.failed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let error = match &result {
                    Ok((status, _)) => format!("HTTP {status}"),
                    Err(e) => format!("{e:#}"),
                };
                let attempts = delivery.attempts + 1;
                let age = (now - delivery.created_at).to_std().unwrap_or_default();
                let delay =
                    retry_after.unwrap_or_else(|| retry_delay(attempts, self.settings.retry_base));
                if age + delay > self.settings.max_age {
                    crate::metrics::delivery(crate::metrics::Delivery::GivenUp);
                    tracing::warn!(inbox = %delivery.inbox_url, attempts, error = %error, "delivery given up after retrying for the maximum time");
                    let _ = done.send(delivery.id);
                } else {
                    let next = now + chrono::Duration::from_std(delay).unwrap_or_default();
                    crate::metrics::delivery(crate::metrics::Delivery::Retried);
                    tracing::info!(inbox = %delivery.inbox_url, attempts, error = %error, retry_in_s = delay.as_secs(), "delivery failed; will retry");
                    self.record(async |conn| {
                        deliveries::reschedule(conn, delivery.id, attempts, next, &error).await
                    })
                    .await;
                }
                self.failing.lock().unwrap().insert(delivery.host.clone());
                let s = &self.settings;
                let unavailable = self
                    .record(async |conn| {
                        deliveries::host_failed(
                            conn,
                            &delivery.host,
                            &error,
                            MIN_FAILURES_FOR_UNAVAILABLE,
                            s.unavailable_after,
                            s.probe_interval,
                        )
                        .await
                    })
                    .await;
                if unavailable == Some(true) && !delivery.probe {
                    tracing::warn!(host = %delivery.host, "delivery: host marked unavailable; its deliveries wait and it is probed now and then");
                }
            }
        }
    }

    /// Runs one bookkeeping query; a failure is logged, and the delivery's lease
    /// expiring makes it due again, so nothing is lost.
    async fn record<T>(
        &self,
        query: impl AsyncFnOnce(&mut diesel_async::AsyncPgConnection) -> diesel::QueryResult<T>,
    ) -> Option<T> {
        let result = async {
            let mut conn = self.pool.get().await?;
            anyhow::Ok(query(&mut conn).await?)
        }
        .await;
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "delivery: bookkeeping failed");
                None
            }
        }
    }

    async fn post(
        &self,
        inbox: &str,
        activity: &Activity,
    ) -> anyhow::Result<(u16, Option<String>)> {
        let url = url::Url::parse(inbox)?;
        self.client.check(&url)?;
        let key = self.signing_key(activity.account_id).await?;
        let host = crate::federation::client::host_of(&url).context("inbox without host")?;
        let date = signatures::http_date(Utc::now());
        let digest = signatures::digest(activity.body.as_bytes());
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        let content_type = "application/activity+json";
        let signature = signatures::sign(
            &key.key,
            &key.key_id,
            "POST",
            &path,
            &[
                ("host", &host),
                ("date", &date),
                ("digest", &digest),
                ("content-type", content_type),
            ],
        )?;
        let response = self
            .client
            .inner()
            .post(url.clone())
            .header("Host", &host)
            .header("Date", &date)
            .header("Digest", &digest)
            .header("Content-Type", content_type)
            .header("Signature", signature)
            .body(activity.body.as_bytes().to_vec())
            .send()
            .await?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        // Read (a bounded amount of) the body so the connection can be reused.
        let _ = HttpClient::read_limited(inbox, response, MAX_RESPONSE_BYTES).await;
        Ok((status, retry_after))
    }

    /// Removes delivered rows in batches: one statement per batch, not per delivery.
    async fn flush_delivered(self: Arc<Self>, mut done: mpsc::UnboundedReceiver<i64>) {
        let mut batch = Vec::new();
        while let Some(id) = done.recv().await {
            batch.push(id);
            while batch.len() < 1000 {
                match done.try_recv() {
                    Ok(id) => batch.push(id),
                    Err(_) => break,
                }
            }
            let ids = std::mem::take(&mut batch);
            loop {
                match self.pool.get().await {
                    Ok(mut conn) => match deliveries::remove(&mut conn, &ids).await {
                        Ok(_) => break,
                        Err(e) => {
                            tracing::warn!(error = %e, "delivery: cannot remove delivered rows; retrying")
                        }
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "delivery: no database connection to remove delivered rows; retrying")
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    async fn refresh_failing(&self) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        let hosts = deliveries::failing_hosts(&mut conn, 100_000).await?;
        *self.failing.lock().unwrap() = hosts.into_iter().map(|h| h.host).collect();
        Ok(())
    }

    async fn collect_garbage(&self) {
        if let Ok(mut conn) = self.pool.get().await {
            match deliveries::remove_finished_activities(&mut conn).await {
                Ok(n) if n > 0 => {
                    tracing::debug!(removed = n, "delivery: finished activities removed")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "delivery: cannot remove finished activities"),
            }
        }
        self.activities.lock().unwrap().clear();
        let _ = self.refresh_failing().await;
    }

    /// One line a minute while there is anything to say.
    async fn report(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(Duration::from_secs(60)) => {}
                _ = shutdown.changed() => return,
            }
            let sent = self.sent.swap(0, std::sync::atomic::Ordering::Relaxed);
            let failed = self.failed.swap(0, std::sync::atomic::Ordering::Relaxed);
            let Ok(mut conn) = self.pool.get().await else {
                continue;
            };
            let Ok(f) = deliveries::figures(&mut conn).await else {
                continue;
            };
            let failing_hosts = deliveries::count_failing_hosts(&mut conn)
                .await
                .unwrap_or(0);
            if sent + failed + f.pending as u64 > 0 {
                let oldest_s = f
                    .oldest
                    .map(|o| (Utc::now() - o).num_seconds())
                    .unwrap_or(0);
                tracing::info!(
                    sent_last_minute = sent,
                    failed_last_minute = failed,
                    pending = f.pending,
                    due = f.due,
                    retrying = f.retrying,
                    failing_hosts,
                    oldest_pending_s = oldest_s,
                    "delivery queue"
                );
            }
        }
    }
}
