//! A server-sent events stream of the streaming API, read by hand: (event, data) pairs.

use serde_json::Value;
use std::time::Duration;

/// How long an event may take to arrive (generous for a busy machine).
pub const DEADLINE: Duration = Duration::from_secs(10);

pub struct Sse {
    events: tokio::sync::mpsc::UnboundedReceiver<(String, String)>,
}

impl Sse {
    /// Opens `path` on the server at `address` (`http://host:port`) with `token`.
    pub async fn open(address: &str, token: &str, path: &str) -> Sse {
        let res = reqwest::Client::new()
            .get(format!("{address}{path}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        let (tx, events) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut res = res;
            let mut buffer = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    let mut event = None;
                    let mut data = None;
                    for line in block.lines() {
                        if let Some(e) = line.strip_prefix("event: ") {
                            event = Some(e.to_string());
                        } else if let Some(d) = line.strip_prefix("data: ") {
                            data = Some(d.to_string());
                        }
                    }
                    if let (Some(e), Some(d)) = (event, data) {
                        let _ = tx.send((e, d));
                    }
                }
            }
        });
        Sse { events }
    }

    /// The next event, within the deadline.
    pub async fn next(&mut self) -> (String, String) {
        tokio::time::timeout(DEADLINE, self.events.recv())
            .await
            .unwrap_or_else(|_| panic!("no event within {DEADLINE:?}"))
            .expect("the stream stays open")
    }

    /// The `update`s (as statuses) up to and including the one whose content has `text`.
    pub async fn statuses_until(&mut self, text: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        let until = tokio::time::Instant::now() + DEADLINE;
        loop {
            let (event, data) = tokio::time::timeout_at(until, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("no update with {text:?} within {DEADLINE:?}; saw {seen:?}")
                })
                .expect("the stream stays open");
            if event == "update" {
                let status: Value = serde_json::from_str(&data).unwrap();
                let found = status["content"].as_str().unwrap().contains(text);
                seen.push(status);
                if found {
                    return seen;
                }
            }
        }
    }

    /// Contents of the `update`s up to and including the one containing `text`.
    pub async fn updates_until(&mut self, text: &str) -> Vec<String> {
        self.statuses_until(text)
            .await
            .iter()
            .map(|s| s["content"].as_str().unwrap().to_string())
            .collect()
    }

    /// Waits for an event named `name`, skipping others; what was skipped, in order.
    pub async fn until_event(&mut self, name: &str) -> (String, Vec<(String, String)>) {
        let mut skipped = Vec::new();
        loop {
            let (event, data) = self.next().await;
            if event == name {
                return (data, skipped);
            }
            skipped.push((event, data));
        }
    }
}
