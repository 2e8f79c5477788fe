//! The inbox's refusals, logged: one structured line per refused activity (status,
//! reason, activity id, actor, sending host), so an administrator can see why a
//! server's deliveries fail without asking its administrator. A busy or hostile
//! sender cannot flood the log: each host gets `LINES_PER_MINUTE` lines a minute,
//! and the first line of the next minute says how many were left out.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

pub const LINES_PER_MINUTE: u32 = 10;
const WINDOW: Duration = Duration::from_secs(60);
/// Hosts remembered at once; past this the table starts afresh (at worst a few
/// extra lines).
const MAX_HOSTS: usize = 10_000;

/// A refusal as the log shows it.
pub struct Refusal<'a> {
    pub host: &'a str,
    pub status: u16,
    pub reason: &'a str,
    pub activity_id: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub kind: Option<&'a str>,
}

struct Window {
    started: Instant,
    lines: u32,
    suppressed: u64,
}

fn windows() -> &'static Mutex<HashMap<String, Window>> {
    static WINDOWS: OnceLock<Mutex<HashMap<String, Window>>> = OnceLock::new();
    WINDOWS.get_or_init(Default::default)
}

/// Whether this host may log another line now, and how many were left out before it.
fn admit(host: &str, now: Instant) -> Option<u64> {
    let mut windows = windows().lock().unwrap_or_else(|p| p.into_inner());
    if windows.len() >= MAX_HOSTS && !windows.contains_key(host) {
        windows.clear();
    }
    let window = windows.entry(host.to_string()).or_insert(Window {
        started: now,
        lines: 0,
        suppressed: 0,
    });
    if now.saturating_duration_since(window.started) >= WINDOW {
        let suppressed = window.suppressed;
        *window = Window {
            started: now,
            lines: 1,
            suppressed: 0,
        };
        return Some(suppressed);
    }
    if window.lines < LINES_PER_MINUTE {
        window.lines += 1;
        return Some(0);
    }
    window.suppressed += 1;
    None
}

pub fn log(refusal: Refusal<'_>) {
    let Some(suppressed) = admit(refusal.host, Instant::now()) else {
        return;
    };
    tracing::info!(
        status = refusal.status,
        reason = %refusal.reason,
        activity_id = %refusal.activity_id.unwrap_or_default(),
        actor = %refusal.actor.unwrap_or_default(),
        kind = %refusal.kind.unwrap_or_default(),
        host = %refusal.host,
        suppressed,
        "inbox refused an activity"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_host_gets_its_lines_and_hears_what_was_left_out() {
        let start = Instant::now();
        for _ in 0..LINES_PER_MINUTE {
            assert_eq!(admit("noisy.test", start), Some(0));
        }
        assert_eq!(admit("noisy.test", start), None);
        assert_eq!(admit("noisy.test", start), None);
        assert_eq!(
            admit("quiet.test", start),
            Some(0),
            "another host is unaffected"
        );
        assert_eq!(
            admit("noisy.test", start + WINDOW),
            Some(2),
            "the next minute's first line counts the left-out ones"
        );
    }
}
