//! Several `serve` processes of one instance on one database ("nodes"): each keeps
//! caches in memory (the domain policy, verified remote keys, who is followed from
//! here), and a change made through one node must reach the others' caches at once.
//! This module carries those changes over PostgreSQL LISTEN/NOTIFY on one channel:
//! NOTIFY sent inside a transaction is delivered when it commits (and never if it
//! rolls back), which is exactly when other nodes should forget what they knew.
//!
//! Publishing a change (say from the side-effects dispatcher, after commit):
//!
//! ```ignore
//! ctx.cluster.publish(Change::Followed(account.id)).await?;      // after commit
//! ctx.cluster.publish_in(conn, Change::DomainPolicy).await?;     // inside a transaction
//! ```
//!
//! Both apply the change here at once, and every node (this one too) applies it
//! again when the notification arrives after commit; applying twice is harmless,
//! and the second time corrects a cache that was refilled from the database
//! between the change and its commit. Caches that notice a change where no
//! connection is at hand (`FollowedCache::forget`, `KeyCache::remove_owner`) hand
//! it to their [`Link`], and the listening task sends it.
//!
//! Each node runs one task that listens on a dedicated connection (not from the
//! pool: LISTEN belongs to a session). If that connection drops, notifications may
//! be missed: until it is back, caches distrust what they hold (`Link::in_sync`),
//! and on reconnecting every cache is treated as stale.
//!
//! The same connection hears what streaming clients are told: events every node
//! announces with [`Cluster::happened`] (ids only, as `Change::Happened`) and the
//! notifications the database triggers announce on their own channel. Both are
//! published on [`Cluster::events`] when heard, on every node, the announcing one
//! included, so each streams every event once and all in the commit order.

use crate::{
    config::FederationMode,
    db::{changes, AccountId, DbPool},
    error::{Error, Result},
    federation::{
        domains::DomainBlocks,
        keys::{FollowedCache, KeyCache},
    },
    services::events::{Event as Happening, STREAM_CAPACITY},
};
use anyhow::Context;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};
use tokio::sync::{broadcast, mpsc, watch};

/// Something one node changed that every node's caches must hear about. Payloads
/// name what changed (ids), never its content: NOTIFY carries at most 8000 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Domain blocks or allows changed: reload the policy.
    DomainPolicy,
    /// Whether this remote account is followed from here may have changed.
    Followed(AccountId),
    /// The stored actor with this id (URL) was refetched, rotated its keys, or was deleted.
    ActorKeys { owner: String },
    /// Anything may have changed: every cache starts over. Sent in place of a
    /// change too large for a notification.
    Everything,
    /// Something streaming clients hear of (services/events.rs), named by ids.
    Happened(Happening),
}

/// Below PostgreSQL's 8000-byte limit on a notification's payload.
const MAX_PAYLOAD: usize = 7900;

impl Change {
    /// The payload: a word, then what changed.
    pub fn encode(&self) -> String {
        let payload = match self {
            Change::DomainPolicy => "domain_policy".to_string(),
            Change::Followed(id) => format!("followed {}", id.0),
            Change::ActorKeys { owner } => format!("actor_keys {owner}"),
            Change::Everything => "everything".to_string(),
            Change::Happened(event) => format!("event {}", event.encode().unwrap_or_default()),
        };
        if payload.len() > MAX_PAYLOAD {
            return Change::Everything.encode();
        }
        payload
    }

    pub fn decode(payload: &str) -> Option<Change> {
        let (word, rest) = payload.split_once(' ').unwrap_or((payload, ""));
        match (word, rest) {
            ("domain_policy", "") => Some(Change::DomainPolicy),
            ("followed", id) => id.parse().ok().map(|id| Change::Followed(AccountId(id))),
            ("actor_keys", owner) if !owner.is_empty() => Some(Change::ActorKeys {
                owner: owner.to_string(),
            }),
            ("everything", "") => Some(Change::Everything),
            ("event", event) => Happening::decode(event).map(Change::Happened),
            _ => None,
        }
    }
}

/// Sends `change` to every node, from a process that keeps no caches of its own
/// (the `staffroom domain …` commands). Inside a transaction, at its commit.
pub async fn announce(conn: &mut AsyncPgConnection, change: &Change) -> Result<()> {
    changes::notify(conn, &change.encode()).await.map_err(|e| {
        Error::internal(anyhow::anyhow!(
            "cannot tell other processes about {change:?}: {e}"
        ))
    })
}

/// What a cache holds of the cluster: where to hand changes it notices, and
/// whether this node currently hears the others. The default stands alone (no one
/// to tell, nothing to miss): for caches built outside `serve`.
#[derive(Clone)]
pub struct Link {
    outbox: Option<mpsc::UnboundedSender<Change>>,
    listening: Arc<AtomicBool>,
}

impl Default for Link {
    fn default() -> Self {
        Link {
            outbox: None,
            listening: Arc::new(AtomicBool::new(true)),
        }
    }
}

impl Link {
    /// Queues `change` for the other nodes; the caller has already applied it here.
    pub fn announce(&self, change: Change) {
        if let Some(outbox) = &self.outbox {
            let _ = outbox.send(change);
        }
    }

    /// False while this node cannot hear other nodes' changes: caches must not
    /// answer from memory what another node may have changed meanwhile.
    pub fn in_sync(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }
}

/// The caches of one node and the means to keep them in step with the others.
pub struct Cluster {
    pool: DbPool,
    link: Link,
    pub blocks: Arc<DomainBlocks>,
    pub keys: Arc<KeyCache>,
    pub followed: Arc<FollowedCache>,
    /// Every streamed event of the instance, as this node hears it (api/streaming.rs reads it).
    pub events: broadcast::Sender<Happening>,
}

/// How long a quiet listening connection goes before we check that it is alive: a
/// connection cut without a reset would otherwise look like a quiet one forever.
const HEARTBEAT: Duration = Duration::from_secs(15);
const PING_TIMEOUT: Duration = Duration::from_secs(5);
const RETRY_FIRST: Duration = Duration::from_millis(250);
const RETRY_MAX: Duration = Duration::from_secs(30);

impl Cluster {
    /// Starts listening, then loads the caches that start full (the domain policy),
    /// so that no change made in between is missed and nothing is ever answered
    /// from a cache that was never loaded. The returned task runs until `stop`.
    pub async fn start(
        database_url: &str,
        pool: DbPool,
        mode: FederationMode,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<(Arc<Cluster>, tokio::task::JoinHandle<()>)> {
        let conn = connect(database_url)
            .await
            .context("cannot listen for changes made by other serve processes")?;
        let (outbox, outgoing) = mpsc::unbounded_channel();
        let link = Link {
            outbox: Some(outbox),
            listening: Arc::new(AtomicBool::new(true)),
        };
        let blocks = DomainBlocks::load(&pool, mode, link.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot load the domain policy: {e}"))?;
        let cluster = Arc::new(Cluster {
            pool,
            blocks: Arc::new(blocks),
            keys: Arc::new(KeyCache::new(link.clone())),
            followed: Arc::new(FollowedCache::new(link.clone())),
            events: broadcast::channel(STREAM_CAPACITY).0,
            link,
        });
        let task = tokio::spawn(cluster.clone().run(
            database_url.to_string(),
            conn,
            outgoing,
            stop,
        ));
        tracing::info!(
            channel = changes::CHANNEL,
            "cluster: listening for other processes' changes"
        );
        Ok((cluster, task))
    }

    /// Announces a committed change to every node, this one at once. Call it after
    /// the transaction that made the change has committed.
    pub async fn publish(&self, change: Change) -> Result<()> {
        self.apply(&change).await;
        let mut conn = self.pool.get().await?;
        announce(&mut conn, &change).await
    }

    /// Announces a change inside the caller's transaction: other nodes hear it when
    /// it commits, and not at all if it rolls back.
    pub async fn publish_in(&self, conn: &mut AsyncPgConnection, change: Change) -> Result<()> {
        self.apply(&change).await;
        announce(conn, &change).await
    }

    /// Announces a committed event to every node's streaming clients; this node's
    /// too, when it hears it back (never straight away: then it would come twice).
    pub fn happened(&self, event: Happening) {
        if event.encode().is_some() {
            self.link.announce(Change::Happened(event));
        }
    }

    /// Applies a change to this node's caches only.
    async fn apply(&self, change: &Change) {
        match change {
            Change::DomainPolicy => self.blocks.reload_or_mark_stale(&self.pool).await,
            Change::Followed(account) => self.followed.forget_here(*account),
            Change::ActorKeys { owner } => self.keys.remove_owner_here(owner),
            Change::Everything => {
                self.keys.clear();
                self.followed.clear();
                self.blocks.reload_or_mark_stale(&self.pool).await;
            }
            // Nobody may be streaming: not an error.
            Change::Happened(event) => drop(self.events.send(event.clone())),
        }
    }

    /// Sends what caches handed to the link, and applies what other nodes send.
    async fn run(
        self: Arc<Self>,
        database_url: String,
        conn: AsyncPgConnection,
        mut outgoing: mpsc::UnboundedReceiver<Change>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut conn = Some(conn);
        let mut retry = RETRY_FIRST;
        let mut next_attempt = tokio::time::Instant::now();
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let Some(listening) = conn.as_mut() else {
                tokio::select! {
                    _ = stop.changed() => break,
                    Some(change) = outgoing.recv() => self.send(change, &mut outgoing).await,
                    _ = tokio::time::sleep_until(next_attempt) => match connect(&database_url).await {
                        Ok(c) => {
                            conn = Some(c);
                            retry = RETRY_FIRST;
                            // Whatever was said while we were away is lost: start over.
                            self.apply(&Change::Everything).await;
                            self.link.listening.store(true, Ordering::Release);
                            tracing::info!("cluster: listening for other processes' changes again");
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, retry_in_ms = retry.as_millis() as u64, "cluster: cannot listen for other processes' changes");
                            next_attempt = tokio::time::Instant::now() + retry;
                            retry = (retry * 2).min(RETRY_MAX);
                        }
                    },
                }
                continue;
            };
            let event = {
                use futures_core::Stream;
                let mut heard = std::pin::pin!(listening.notifications_stream());
                tokio::select! {
                    _ = stop.changed() => Event::Stop,
                    Some(change) = outgoing.recv() => Event::Send(change),
                    n = std::future::poll_fn(|cx| heard.as_mut().poll_next(cx)) => match n {
                        Some(Ok(n)) if n.channel == changes::NOTIFICATIONS_CHANNEL => Event::Notified(n.payload),
                        Some(Ok(n)) => Event::Heard(n.payload),
                        Some(Err(e)) => Event::Lost(e.to_string()),
                        None => Event::Lost("the connection closed".into()),
                    },
                    _ = heartbeat.tick() => Event::Heartbeat,
                }
            };
            let lost = match event {
                Event::Stop => break,
                Event::Send(change) => {
                    self.send(change, &mut outgoing).await;
                    None
                }
                Event::Notified(payload) => {
                    match Happening::decode_notification(&payload) {
                        Some(event) => drop(self.events.send(event)),
                        None => {
                            tracing::warn!(%payload, "cluster: a notification announcement that does not parse")
                        }
                    }
                    None
                }
                Event::Heard(payload) => {
                    match Change::decode(&payload) {
                        Some(change) => self.apply(&change).await,
                        None => {
                            tracing::warn!(%payload, "cluster: a change this version does not know; ignored")
                        }
                    }
                    None
                }
                Event::Heartbeat => {
                    match tokio::time::timeout(PING_TIMEOUT, changes::ping(listening)).await {
                        Ok(Ok(())) => None,
                        Ok(Err(e)) => Some(e.to_string()),
                        Err(_) => Some(format!("no answer within {} s", PING_TIMEOUT.as_secs())),
                    }
                }
                Event::Lost(e) => Some(e),
            };
            if let Some(error) = lost {
                self.link.listening.store(false, Ordering::Release);
                conn = None;
                next_attempt = tokio::time::Instant::now();
                tracing::warn!(%error, "cluster: lost the connection that hears other processes' changes; caches are distrusted until it is back");
            }
        }
        // Changes noticed during the last requests still go out.
        if let Ok(change) = outgoing.try_recv() {
            self.send(change, &mut outgoing).await;
        }
    }

    /// Sends `first` and whatever else is waiting, in order, in one statement: the
    /// inbox stores posts in bursts, and each is an event for streaming.
    async fn send(&self, first: Change, outgoing: &mut mpsc::UnboundedReceiver<Change>) {
        let mut batch = vec![first];
        while batch.len() < 500 {
            match outgoing.try_recv() {
                Ok(change) => batch.push(change),
                Err(_) => break,
            }
        }
        let payloads: Vec<String> = batch.iter().map(Change::encode).collect();
        let sent = match self.pool.get().await {
            Ok(mut conn) => changes::notify_all(&mut conn, &payloads)
                .await
                .map_err(|e| Error::internal(anyhow::anyhow!("{e}"))),
            Err(e) => Err(e.into()),
        };
        if let Err(e) = sent {
            tracing::warn!(changes = batch.len(), first = ?batch[0], error = %e, "cluster: other processes were not told of changes");
        }
    }
}

enum Event {
    Stop,
    Send(Change),
    Heard(String),
    Notified(String),
    Heartbeat,
    Lost(String),
}

async fn connect(database_url: &str) -> anyhow::Result<AsyncPgConnection> {
    let mut conn = tokio::time::timeout(
        Duration::from_secs(10),
        AsyncPgConnection::establish(database_url),
    )
    .await
    .map_err(|_| anyhow::anyhow!("PostgreSQL did not answer within 10 s"))??;
    changes::listen(&mut conn).await?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_survive_the_trip_and_oversized_ones_become_everything() {
        for change in [
            Change::DomainPolicy,
            Change::Followed(AccountId(42)),
            Change::ActorKeys {
                owner: "https://school.example/users/a b".into(),
            },
            Change::Everything,
            Change::Happened(Happening::PostCreated {
                status: crate::db::StatusId(7),
                author: AccountId(8),
            }),
        ] {
            assert_eq!(Change::decode(&change.encode()), Some(change));
        }
        let long = Change::ActorKeys {
            owner: format!("https://x.example/{}", "a".repeat(MAX_PAYLOAD)),
        };
        assert_eq!(Change::decode(&long.encode()), Some(Change::Everything));
        assert_eq!(Change::decode("followed x"), None);
        assert_eq!(Change::decode("unheard_of 1"), None);
    }
}
