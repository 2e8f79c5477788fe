//! Limits on what other servers may send us: how deep, how many, how long, how
//! often. Each is far above what a real post from Mastodon (500 characters, 4
//! attachments) or from the roomier servers (Misskey 3,000 characters and 16 files,
//! Pleroma 5,000 characters) ever reaches, so only crafted payloads hit them. The
//! table in docs/security.md lists them; change both together.

use crate::{
    error::{Error, ErrorKind},
    federation::protocol::activity::IncomingActivity,
};
use actix_web::HttpResponse;
use serde_json::Value;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Deepest nesting of arrays and objects in an incoming document. A Mastodon
/// `Create` nests about 4 levels; serde_json itself would stop at 128.
pub const MAX_JSON_DEPTH: usize = 64;
/// Addressees of one object: `to`, `cc`, `bto`, `bcc` and `audience` together. A
/// Mastodon post names its followers collection and at most the ~170 accounts that
/// fit in 500 characters.
pub const MAX_AUDIENCE: usize = 1_000;
/// Entries in `tag` (mentions, hashtags, emojis). Of these we read the first 100.
pub const MAX_TAG_ENTRIES: usize = 1_000;
/// Entries in `attachment`. Mastodon keeps the first 4 and drops the rest; Pixelfed
/// albums have up to 20, Misskey notes 16.
pub const MAX_ATTACHMENT_ENTRIES: usize = 100;
/// Bytes of HTML in `content` (or one `contentMap` value), `summary` or `name`.
/// 5,000 characters of Pleroma with links stays under 40 KB.
pub const MAX_CONTENT_BYTES: usize = 100 * 1024;

/// Why an incoming document was refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    #[error("the JSON is nested deeper than {MAX_JSON_DEPTH} levels")]
    TooDeep,
    #[error("the object names {0} addressees in to/cc/bto/bcc/audience; at most {MAX_AUDIENCE} are accepted")]
    Audience(usize),
    #[error("the object has {0} tag entries; at most {MAX_TAG_ENTRIES} are accepted")]
    Tags(usize),
    #[error("the object has {0} attachments; at most {MAX_ATTACHMENT_ENTRIES} are accepted")]
    Attachments(usize),
    #[error("the object's {0} is {1} bytes long; at most {MAX_CONTENT_BYTES} are accepted")]
    Content(&'static str, usize),
}

/// Checks the nesting depth of JSON text without parsing it (and without
/// recursion, so no input can exhaust the stack). Malformed JSON passes: the parser
/// that runs next reports it better.
pub fn check_depth(json: &[u8], max: usize) -> Result<(), LimitError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in json {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Err(LimitError::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn entries(value: Option<&Value>) -> usize {
    match value {
        Some(Value::Array(items)) => items.len(),
        Some(Value::Null) | None => 0,
        Some(_) => 1,
    }
}

fn text_len(value: Option<&Value>) -> usize {
    match value {
        Some(Value::String(s)) => s.len(),
        Some(Value::Object(map)) => map
            .values()
            .map(|v| v.as_str().map_or(0, str::len))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// Checks the counts and lengths of an activity or object, and of the object it
/// embeds (a `Create`'s note, an `Undo`'s `Follow`), before anything is stored or
/// fetched for it.
pub fn check_object(value: &Value) -> Result<(), LimitError> {
    let mut current = Some(value);
    // Two levels are as deep as any activity we act on embeds (Undo of an Announce).
    for _ in 0..3 {
        let Some(Value::Object(map)) = current else {
            return Ok(());
        };
        let audience: usize = ["to", "cc", "bto", "bcc", "audience"]
            .iter()
            .map(|k| entries(map.get(*k)))
            .sum();
        if audience > MAX_AUDIENCE {
            return Err(LimitError::Audience(audience));
        }
        let tags = entries(map.get("tag"));
        if tags > MAX_TAG_ENTRIES {
            return Err(LimitError::Tags(tags));
        }
        let attachments = entries(map.get("attachment"));
        if attachments > MAX_ATTACHMENT_ENTRIES {
            return Err(LimitError::Attachments(attachments));
        }
        for (field, map_field) in [
            ("content", "contentMap"),
            ("summary", "summaryMap"),
            ("name", "nameMap"),
        ] {
            let len = text_len(map.get(field)).max(text_len(map.get(map_field)));
            if len > MAX_CONTENT_BYTES {
                return Err(LimitError::Content(field, len));
            }
        }
        current = map.get("object");
    }
    Ok(())
}

/// Inbox requests per remote host: a token bucket each, refilled at `per_minute / 60`
/// a second and holding at most `per_minute` (so a quiet server may burst a whole
/// minute's worth at once). Memory is bounded: at most `MAX_HOSTS` buckets, and
/// full buckets (which mean the same as none) are dropped first.
pub struct HostRateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

const MAX_HOSTS: usize = 10_000;

impl HostRateLimiter {
    pub fn new(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(1));
        HostRateLimiter {
            capacity,
            per_second: capacity / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refilled(&self, (tokens, at): (f64, Instant), now: Instant) -> f64 {
        (tokens + now.saturating_duration_since(at).as_secs_f64() * self.per_second)
            .min(self.capacity)
    }

    /// How long `host` must wait before its next request is accepted, without
    /// spending anything: the inbox asks this before the costly signature check.
    pub fn wait_time(&self, host: &str) -> Option<Duration> {
        self.wait_at(host, Instant::now())
    }

    fn wait_at(&self, host: &str, now: Instant) -> Option<Duration> {
        let buckets = self.buckets.lock().unwrap();
        let tokens = buckets
            .get(host)
            .map_or(self.capacity, |b| self.refilled(*b, now));
        (tokens < 1.0).then(|| Duration::from_secs_f64((1.0 - tokens) / self.per_second))
    }

    /// Spends one request of `host`'s allowance; `Err(wait)` if none is left.
    pub fn take(&self, host: &str) -> Result<(), Duration> {
        self.take_at(host, Instant::now())
    }

    fn take_at(&self, host: &str, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap();
        if !buckets.contains_key(host) && buckets.len() >= MAX_HOSTS {
            buckets.retain(|_, b| self.refilled(*b, now) < self.capacity);
            if buckets.len() >= MAX_HOSTS {
                // Everyone is busy: forget the host with the most allowance left,
                // the one that loses least by starting afresh.
                if let Some(key) = buckets
                    .iter()
                    .max_by(|a, b| a.1 .0.total_cmp(&b.1 .0))
                    .map(|(k, _)| k.clone())
                {
                    buckets.remove(&key);
                }
            }
        }
        let tokens = buckets
            .get(host)
            .map_or(self.capacity, |b| self.refilled(*b, now));
        if tokens < 1.0 {
            buckets.insert(host.to_string(), (tokens, now));
            return Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second));
        }
        buckets.insert(host.to_string(), (tokens - 1.0, now));
        Ok(())
    }

    pub fn hosts_tracked(&self) -> usize {
        self.buckets.lock().unwrap().len()
    }
}

/// Reads an inbox body into an activity, within the limits above: depth before
/// parsing, counts and lengths before anything is fetched or stored. The body is
/// parsed straight into the activity (building a JSON value of all of it first, to
/// check it and then convert it, was the costliest step of the inbox's own code);
/// what the activity does not keep is never read, so only what it keeps is checked.
pub fn parse_activity(body: &[u8]) -> crate::error::Result<IncomingActivity> {
    check_depth(body, MAX_JSON_DEPTH).map_err(|e| Error::bad_request(e.to_string()))?;
    let activity: IncomingActivity = serde_json::from_slice(body)
        .map_err(|e| Error::bad_request(format!("the body is not an activity: {e}")))?;
    check_activity(&activity).map_err(|e| Error::new(ErrorKind::Unprocessable, e.to_string()))?;
    Ok(activity)
}

/// [`check_object`] for a parsed activity: its addressees and comment, then the
/// object it embeds (and what that embeds).
fn check_activity(activity: &IncomingActivity) -> Result<(), LimitError> {
    let audience = activity.to.len() + activity.cc.len();
    if audience > MAX_AUDIENCE {
        return Err(LimitError::Audience(audience));
    }
    let content = activity.content.as_deref().map_or(0, str::len);
    if content > MAX_CONTENT_BYTES {
        return Err(LimitError::Content("content", content));
    }
    check_object(&activity.object)
}

/// The host (with a non-default port) a key id or actor id lives on: the unit of
/// the inbox rate limit.
pub fn signer_host(id: &str) -> String {
    url::Url::parse(id)
        .ok()
        .and_then(|u| crate::federation::client::host_of(&u))
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// 429 with `Retry-After`, which Mastodon and other servers honour before retrying.
pub fn too_many_requests(host: &str, wait: Duration) -> HttpResponse {
    let secs = retry_after_secs(wait);
    tracing::info!(host, retry_after = secs, "inbox rate limit reached");
    HttpResponse::TooManyRequests()
        .insert_header(("Retry-After", secs.to_string()))
        .json(serde_json::json!({
            "error": format!("too many requests from {host}; retry in {secs} seconds")
        }))
}

/// `Retry-After` in whole seconds, never 0 (0 would invite an immediate retry).
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn depth_is_counted_outside_strings_only() {
        assert!(check_depth(br#"{"a": [1, {"b": [2]}]}"#, 4).is_ok());
        assert_eq!(
            check_depth(br#"{"a": [1, {"b": [2]}]}"#, 3),
            Err(LimitError::TooDeep)
        );
        assert!(
            check_depth(br#"{"a": "[[[[[[[[[[\"[[[["}"#, 1).is_ok(),
            "brackets in strings do not count"
        );
        let deep = format!("{}{}", "[".repeat(1_000_000), "]".repeat(1_000_000));
        assert_eq!(
            check_depth(deep.as_bytes(), MAX_JSON_DEPTH),
            Err(LimitError::TooDeep)
        );
        let ok = format!(
            "{}{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        assert!(check_depth(ok.as_bytes(), MAX_JSON_DEPTH).is_ok());
    }

    #[test]
    fn real_posts_pass_and_crafted_ones_do_not() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mastodon");
        let mut checked = 0;
        for entry in std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        {
            let text = std::fs::read(entry.path()).unwrap();
            check_depth(&text, MAX_JSON_DEPTH).unwrap();
            check_object(&serde_json::from_slice(&text).unwrap()).unwrap();
            checked += 1;
        }
        assert!(checked >= 5, "Mastodon's captured activities pass");
        let many = |n: usize| {
            Value::Array(
                (0..n)
                    .map(|i| json!(format!("https://x.example/users/{i}")))
                    .collect(),
            )
        };
        let note = |field: &str, value: Value| json!({ "type": "Create", "object": { "type": "Note", field: value } });
        assert!(check_object(&note("tag", many(MAX_TAG_ENTRIES))).is_ok());
        assert_eq!(
            check_object(&note("tag", many(MAX_TAG_ENTRIES + 1))),
            Err(LimitError::Tags(MAX_TAG_ENTRIES + 1))
        );
        assert_eq!(
            check_object(&note("cc", many(MAX_AUDIENCE + 1))),
            Err(LimitError::Audience(MAX_AUDIENCE + 1))
        );
        assert!(matches!(
            check_object(&json!({ "to": many(600), "cc": many(600) })),
            Err(LimitError::Audience(1200))
        ));
        assert!(matches!(
            check_object(&note("attachment", many(101))),
            Err(LimitError::Attachments(101))
        ));
        let long = json!("x".repeat(MAX_CONTENT_BYTES + 1));
        assert!(matches!(
            check_object(&note("content", long.clone())),
            Err(LimitError::Content("content", _))
        ));
        assert!(matches!(
            check_object(&note("contentMap", json!({ "en": long }))),
            Err(LimitError::Content("content", _))
        ));
        assert!(check_object(&note("content", json!("x".repeat(MAX_CONTENT_BYTES)))).is_ok());
    }

    #[test]
    fn activities_are_checked_as_parsed() {
        let many = |n: usize| {
            (0..n)
                .map(|i| format!("https://x.example/users/{i}"))
                .collect::<Vec<_>>()
        };
        let create = |activity_to: Vec<String>, note: Value| {
            json!({
                "id": "https://x.example/activities/1", "type": "Create",
                "actor": "https://x.example/users/a", "to": activity_to, "object": note,
            })
            .to_string()
        };
        let kind = |body: String| parse_activity(body.as_bytes()).map_err(|e| e.kind);
        let ok = kind(create(
            many(MAX_AUDIENCE),
            json!({ "type": "Note", "content": "hi" }),
        ));
        assert!(ok.is_ok(), "{ok:?}");
        assert_eq!(
            kind(create(many(MAX_AUDIENCE + 1), json!({ "type": "Note" }))).unwrap_err(),
            ErrorKind::Unprocessable,
            "the activity's own addressees are counted"
        );
        assert_eq!(
            kind(create(
                vec![],
                json!({ "type": "Note", "tag": many(MAX_TAG_ENTRIES + 1) })
            ))
            .unwrap_err(),
            ErrorKind::Unprocessable,
            "the embedded object is checked"
        );
        let flag = json!({
            "id": "https://x.example/flags/1", "type": "Flag", "actor": "https://x.example/users/a",
            "object": "https://here.example/users/b", "content": "x".repeat(MAX_CONTENT_BYTES + 1),
        });
        assert_eq!(
            kind(flag.to_string()).unwrap_err(),
            ErrorKind::Unprocessable,
            "a Flag's comment is bounded"
        );
        assert_eq!(
            kind(r#"{"type": "Create"}"#.into()).unwrap_err(),
            ErrorKind::BadRequest,
            "not an activity"
        );
    }

    #[test]
    fn buckets_refill_and_hosts_are_separate() {
        let limiter = HostRateLimiter::new(60); // one a second, bursts of 60
        let start = Instant::now();
        for _ in 0..60 {
            limiter.take_at("busy.example", start).unwrap();
        }
        let wait = limiter.take_at("busy.example", start).unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert_eq!(retry_after_secs(wait), 1);
        assert!(limiter.wait_at("busy.example", start).is_some());
        assert!(
            limiter.take_at("quiet.example", start).is_ok(),
            "another host is unaffected"
        );
        assert!(
            limiter
                .take_at("busy.example", start + Duration::from_millis(1_100))
                .is_ok(),
            "refilled after a second"
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let limiter = HostRateLimiter::new(10);
        let now = Instant::now();
        for i in 0..MAX_HOSTS + 500 {
            limiter.take_at(&format!("h{i}.example"), now).unwrap();
        }
        assert!(limiter.hosts_tracked() <= MAX_HOSTS);
    }
}
