//! The Fedify peer (tests/peers/fedify): a real ActivityPub server we did not write,
//! started as its own process and driven through its control routes.

use serde_json::{json, Value};
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct FedifyPeer {
    child: Child,
    pub base: String,
    pub user: String,
    client: reqwest::Client,
}

impl FedifyPeer {
    pub async fn start(user: &str, first_knock: &str) -> FedifyPeer {
        FedifyPeer::start_as(user, first_knock, "Person").await
    }

    /// A peer whose actor is of `actor_type` ("Person" or "Group").
    pub async fn start_as(user: &str, first_knock: &str, actor_type: &str) -> FedifyPeer {
        let port = super::free_port();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/fedify");
        let child = Command::new(format!("{dir}/run.sh"))
            .env("PORT", port.to_string())
            .env("PEER_USER", user)
            .env("FIRST_KNOCK", first_knock)
            .env("PEER_ACTOR_TYPE", actor_type)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the Fedify peer starts (Node and npm are needed)");
        let peer = FedifyPeer {
            child,
            base: format!("http://127.0.0.1:{port}"),
            user: user.into(),
            client: reqwest::Client::new(),
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        loop {
            if let Ok(res) = peer
                .client
                .get(format!("{}/_control/health", peer.base))
                .send()
                .await
            {
                if res.status().is_success() {
                    return peer;
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the Fedify peer did not start in 3 minutes"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub fn actor(&self) -> String {
        format!("{}/users/{}", self.base, self.user)
    }

    pub async fn get(&self, route: &str) -> Value {
        let res = self
            .client
            .get(format!("{}/_control/{route}", self.base))
            .send()
            .await
            .unwrap();
        answer(route, res).await
    }

    pub async fn act(&self, route: &str, body: Value) -> Value {
        let res = self
            .client
            .post(format!("{}/_control/{route}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        answer(route, res).await
    }

    /// Activities the peer's inboxes accepted, of one type. A failed or malformed
    /// answer panics: it must never read as "nothing received".
    pub async fn received(&self, kind: &str) -> Vec<Value> {
        let list = self.get(&format!("received?type={kind}")).await;
        list.as_array().cloned().unwrap_or_else(|| {
            panic!("the peer's list of received {kind} activities is not a list: {list}")
        })
    }
}

/// The JSON of a control route's answer, which must be a success.
async fn answer(route: &str, res: reqwest::Response) -> Value {
    let status = res.status();
    let value: Value = res.json().await.unwrap_or(json!(null));
    assert!(status.is_success(), "{route} failed with {status}: {value}");
    value
}

impl Drop for FedifyPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
