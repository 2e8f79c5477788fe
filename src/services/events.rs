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
//! PostgreSQL delivers at commit; the cluster's listener (src/cluster.rs) turns those
//! into [`Event::Notified`] on `ctx.events`, beside the events every process announces.

use crate::{
    context::AppContext,
    db::{AccountId, StatusId},
};

/// One change, named by ids (cheap to clone onto the stream).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    PostCreated {
        status: StatusId,
        author: AccountId,
    },
    PostEdited {
        status: StatusId,
        author: AccountId,
    },
    PostDeleted {
        status: StatusId,
        author: AccountId,
    },
    Favourited {
        status: StatusId,
        account: AccountId,
    },
    Unfavourited {
        status: StatusId,
        account: AccountId,
    },
    Reblogged {
        reblog: StatusId,
        original: StatusId,
        account: AccountId,
    },
    Unreblogged {
        reblog: StatusId,
        original: StatusId,
        account: AccountId,
    },
    Followed {
        follower: AccountId,
        target: AccountId,
    },
    FollowRequested {
        follower: AccountId,
        target: AccountId,
    },
    FollowAccepted {
        follower: AccountId,
        target: AccountId,
    },
    FollowRejected {
        follower: AccountId,
        target: AccountId,
    },
    Unfollowed {
        follower: AccountId,
        target: AccountId,
    },
    Blocked {
        account: AccountId,
        target: AccountId,
    },
    Unblocked {
        account: AccountId,
        target: AccountId,
    },
    ProfileUpdated {
        account: AccountId,
    },
    /// A remote actor's document was stored (fetched, or sent in an Update): keys
    /// cached for it go, so a rotated key is fetched again. `uri` is its actor id.
    ActorRefreshed {
        account: AccountId,
        uri: String,
    },
    /// `uri` is the actor id, which the key cache is keyed by.
    ActorDeleted {
        account: AccountId,
        uri: String,
    },
    /// A notification row was written (by the database triggers).
    Notified {
        account: AccountId,
        notification: i64,
    },
    /// The account's filters changed (services::filters): streams say
    /// `filters_changed` and read its filters again.
    FiltersChanged {
        account: AccountId,
    },
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
        Outcome {
            events: vec![event],
            deliveries: 0,
        }
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
        follow_up(ctx, &event);
        // What streams goes to every `serve` process of the instance, this one
        // included, through the cluster's NOTIFY; each publishes it on `ctx.events`
        // when it hears it, so all of them stream it once and in the same order.
        if event.streams() {
            ctx.cluster.happened(event);
        } else {
            // The rest stays in this process: its listeners (tests, caches) still hear it.
            let _ = ctx.events.send(event);
        }
    }
}

impl Event {
    /// Whether streaming clients hear of this (`api/streaming.rs`). Notifications
    /// are announced by the database triggers that write them, not from here.
    pub fn streams(&self) -> bool {
        matches!(
            self,
            Event::PostCreated { .. }
                | Event::PostEdited { .. }
                | Event::PostDeleted { .. }
                | Event::Reblogged { .. }
                | Event::Unreblogged { .. }
                | Event::FiltersChanged { .. }
        )
    }

    /// The event as ids in a notification's payload (`None`: it does not cross).
    pub fn encode(&self) -> Option<String> {
        Some(match *self {
            Event::PostCreated { status, author } => {
                format!("post_created {} {}", status.0, author.0)
            }
            Event::PostEdited { status, author } => {
                format!("post_edited {} {}", status.0, author.0)
            }
            Event::PostDeleted { status, author } => {
                format!("post_deleted {} {}", status.0, author.0)
            }
            Event::Reblogged {
                reblog,
                original,
                account,
            } => format!("reblogged {} {} {}", reblog.0, original.0, account.0),
            Event::Unreblogged {
                reblog,
                original,
                account,
            } => format!("unreblogged {} {} {}", reblog.0, original.0, account.0),
            Event::FiltersChanged { account } => format!("filters_changed {}", account.0),
            _ => return None,
        })
    }

    pub fn decode(payload: &str) -> Option<Event> {
        let mut words = payload.split(' ');
        let kind = words.next()?;
        let ids: Vec<i64> = words.map(|w| w.parse().ok()).collect::<Option<_>>()?;
        Some(match (kind, ids.as_slice()) {
            ("post_created", &[s, a]) => Event::PostCreated {
                status: StatusId(s),
                author: AccountId(a),
            },
            ("post_edited", &[s, a]) => Event::PostEdited {
                status: StatusId(s),
                author: AccountId(a),
            },
            ("post_deleted", &[s, a]) => Event::PostDeleted {
                status: StatusId(s),
                author: AccountId(a),
            },
            ("reblogged", &[r, o, a]) => Event::Reblogged {
                reblog: StatusId(r),
                original: StatusId(o),
                account: AccountId(a),
            },
            ("unreblogged", &[r, o, a]) => Event::Unreblogged {
                reblog: StatusId(r),
                original: StatusId(o),
                account: AccountId(a),
            },
            ("filters_changed", &[a]) => Event::FiltersChanged {
                account: AccountId(a),
            },
            _ => return None,
        })
    }

    /// A notification the `notify()` trigger announced: `<account_id>:<notification_id>`.
    pub fn decode_notification(payload: &str) -> Option<Event> {
        let (account, id) = payload.split_once(':')?;
        Some(Event::Notified {
            account: AccountId(account.parse().ok()?),
            notification: id.parse().ok()?,
        })
    }
}

/// Work a change starts in the background, in the process where it happened: the
/// tag actors of a new post's hashtags announce it, and withdraw their announce of
/// a deleted one (services::tag_actors). Every way a post is stored (written here,
/// received, fetched, relayed) ends in a `PostCreated` here.
fn follow_up(ctx: &AppContext, event: &Event) {
    match *event {
        Event::PostCreated { status, .. } => super::tag_actors::post_created(ctx, status),
        Event::PostDeleted { status, .. } => super::tag_actors::post_deleted(ctx, status),
        _ => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_events_survive_the_trip() {
        for event in [
            Event::PostCreated {
                status: StatusId(1),
                author: AccountId(2),
            },
            Event::PostEdited {
                status: StatusId(3),
                author: AccountId(4),
            },
            Event::PostDeleted {
                status: StatusId(5),
                author: AccountId(6),
            },
            Event::Reblogged {
                reblog: StatusId(7),
                original: StatusId(8),
                account: AccountId(9),
            },
            Event::Unreblogged {
                reblog: StatusId(10),
                original: StatusId(11),
                account: AccountId(12),
            },
            Event::FiltersChanged {
                account: AccountId(13),
            },
        ] {
            assert!(event.streams());
            assert_eq!(Event::decode(&event.encode().unwrap()), Some(event));
        }
        assert_eq!(
            Event::Followed {
                follower: AccountId(1),
                target: AccountId(2)
            }
            .encode(),
            None
        );
        assert_eq!(Event::decode("post_created 1"), None);
        assert_eq!(Event::decode("post_created 1 x"), None);
        assert_eq!(
            Event::decode_notification("12:34"),
            Some(Event::Notified {
                account: AccountId(12),
                notification: 34
            })
        );
        assert_eq!(Event::decode_notification("12"), None);
    }
}
