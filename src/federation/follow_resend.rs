//! The task that sends our unanswered Follows again (services::follows::
//! resend_unanswered decides what and when); one per `serve` process.

use crate::context::AppContext;
use std::time::Duration;
use tokio::sync::watch;

/// How often the task looks for Follows due: one indexed query, cheap when none is.
const POLL: Duration = Duration::from_secs(5);

pub fn start(ctx: AppContext, stopped: watch::Receiver<bool>) {
    crate::periodic::every(POLL, POLL, stopped, move || {
        let ctx = ctx.clone();
        async move {
            if let Err(e) = crate::services::follows::resend_unanswered(&ctx).await {
                tracing::warn!(error = %e, "cannot send unanswered Follows again");
            }
        }
    });
}
