//! Work a `serve` process repeats until it stops: closing polls, sending unanswered
//! Follows again, the daily media clean-up. One loop for all of them, so each stops
//! at the same signal and none can forget to.

use std::{future::Future, time::Duration};
use tokio::sync::watch;

/// Runs `work` after `first`, then every `period`, until `stopped` turns true (or its
/// sender goes). A round that fails logs its own error: the next round comes anyway.
pub fn every<F, Fut>(
    first: Duration,
    period: Duration,
    mut stopped: watch::Receiver<bool>,
    mut work: F,
) where
    F: FnMut() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut wait = first;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                changed = stopped.changed() => if changed.is_err() || *stopped.borrow() { return },
            }
            wait = period;
            work().await;
        }
    });
}
