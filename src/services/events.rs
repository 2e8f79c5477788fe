//! What follows a change. Services (called by the client API and by the inbox alike)
//! return what happened as [`Event`]s; after the transaction commits, [`dispatch`]
//! is the one place that acts on them: it wakes the delivery worker (the deliveries
//! themselves were queued inside the transaction), drops what the in-memory caches
//! knew about the accounts concerned, and publishes each event on the stream that
//! streaming clients will read.
//!
//! Notifications are not written here: database triggers write them as the rows that
//! cause them are stored, so the inbox's batched insert of many posts notifies in the
//! same statement. Their `notify()` function also sends
//! `pg_notify('staffroom_notifications', '<account_id>:<notification_id>')`, which
//! PostgreSQL delivers at commit; a listener can turn those into [`Event::Notified`].

use crate::{
    context::AppContext,
    db::{AccountId, StatusId},
};

/// One change, named by ids (cheap to clone onto the stream).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    PostCreated { status: StatusId, author: AccountId },
    PostEdited { status: StatusId, author: AccountId },
    PostDeleted { status: StatusId, author: AccountId },
    Favourited { status: StatusId, account: AccountId },
    Unfavourited { status: StatusId, account: AccountId },
    Reblogged { reblog: StatusId, original: StatusId, account: AccountId },
    Unreblogged { reblog: StatusId, original: StatusId, account: AccountId },
    Followed { follower: AccountId, target: AccountId },
    FollowRequested { follower: AccountId, target: AccountId },
    FollowAccepted { follower: AccountId, target: AccountId },
    FollowRejected { follower: AccountId, target: AccountId },
    Unfollowed { follower: AccountId, target: AccountId },
    Blocked { account: AccountId, target: AccountId },
    Unblocked { account: AccountId, target: AccountId },
    ProfileUpdated { account: AccountId },
    /// A remote actor's document was stored (fetched, or sent in an Update): keys
    /// cached for it go, so a rotated key is fetched again. `uri` is its actor id.
    ActorRefreshed { account: AccountId, uri: String },
    /// `uri` is the actor id, which the key cache is keyed by.
    ActorDeleted { account: AccountId, uri: String },
    /// A notification row was written (by the database triggers).
    Notified { account: AccountId, notification: i64 },
}

/// What a service did: its events, and whether it queued deliveries.
#[derive(Debug, Default)]
#[must_use = "dispatch what happened after the commit"]
pub struct Outcome {
    pub events: Vec<Event>,
    pub deliveries: usize,
}

impl Outcome {
    pub fn none() -> Outcome {
        Outcome::default()
    }

    pub fn of(event: Event) -> Outcome {
        Outcome { events: vec![event], deliveries: 0 }
    }

    pub fn with(mut self, event: Event) -> Outcome {
        self.events.push(event);
        self
    }

    pub fn delivering(mut self, deliveries: usize) -> Outcome {
        self.deliveries += deliveries;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty() && self.deliveries == 0
    }
}

/// How many events the stream keeps for a slow reader before it skips ahead.
pub const STREAM_CAPACITY: usize = 1024;

/// Does what follows a committed change. Call once per transaction, after commit.
pub fn dispatch(ctx: &AppContext, outcome: Outcome) {
    if outcome.deliveries > 0 {
        ctx.delivery_wake.notify_one();
    }
    for event in outcome.events {
        invalidate(ctx, &event);
        // No subscriber is not an error: nobody is streaming.
        let _ = ctx.events.send(event);
    }
}

/// The caches that knew something this event changes.
fn invalidate(ctx: &AppContext, event: &Event) {
    match *event {
        Event::Followed { follower, target }
        | Event::FollowRequested { follower, target }
        | Event::FollowAccepted { follower, target }
        | Event::FollowRejected { follower, target }
        | Event::Unfollowed { follower, target } => {
            ctx.followed.forget(follower);
            ctx.followed.forget(target);
        }
        Event::Blocked { account, target } | Event::Unblocked { account, target } => {
            ctx.followed.forget(account);
            ctx.followed.forget(target);
        }
        Event::ActorRefreshed { ref uri, .. } => ctx.keys.remove_owner(uri),
        Event::ActorDeleted { account, ref uri } => {
            ctx.followed.forget(account);
            ctx.keys.remove_owner(uri);
        }
        _ => {}
    }
}


/// Listens for the notifications the database triggers write (announced at commit as
/// `<account_id>:<notification_id>` on `db::changes::NOTIFICATIONS_CHANNEL`) and dispatches each as [`Event::Notified`], so
/// a notification from the inbox's batched insert streams like any other. Runs on a
/// connection of its own until `stop`; reconnects after a second when it drops.
pub fn listen_for_notifications(ctx: AppContext, database_url: String, mut stop: tokio::sync::watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                result = listen(&ctx, &database_url) => {
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "listening for notifications failed; retrying");
                    }
                }
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
        }
    });
}

async fn listen(ctx: &AppContext, database_url: &str) -> anyhow::Result<()> {
    use diesel_async::AsyncConnection;
    use futures_core::Stream;
    let mut conn = diesel_async::AsyncPgConnection::establish(database_url).await?;
    crate::db::changes::listen_for_notifications(&mut conn).await?;
    let mut stream = std::pin::pin!(conn.notifications_stream());
    while let Some(notification) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        let notification = notification?;
        let parsed = notification.payload.split_once(':').and_then(|(a, n)| Some((a.parse().ok()?, n.parse().ok()?)));
        match parsed {
            Some((account, id)) => dispatch(ctx, Outcome::of(Event::Notified { account: AccountId(account), notification: id })),
            None => tracing::warn!(payload = %notification.payload, "a notification announcement that does not parse"),
        }
    }
    Ok(())
}
