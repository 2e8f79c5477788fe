//! Allowlist mode right after a restart: the domain policy is in memory, and a
//! server that had not read it yet used to refuse every partner, so a teacher's
//! first post after a restart went to no one, and nothing said so.

mod common;

use common::{
    nodes::{received, Instance},
    receiver::wait_for,
    remote::{self, RemoteActor},
    ServeProcess,
};
use serde_json::Value;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn a_post_right_after_a_restart_reaches_an_allowed_partner() {
    let instance = Instance::new(&[("STAFFROOM_FEDERATION_MODE", "allowlist")]).await;
    let mut node = instance.start_node(instance.port);
    let token = instance.teacher("alice");
    assert!(instance
        .cli(&["domain", "allow", "127.0.0.1"])
        .starts_with("Allowed 127.0.0.1"));

    let partner = partner_following_alice(&instance, &node).await;

    assert!(node.terminate().success());
    let node = instance.start_node(instance.port);
    let posted: Value =
        common::nodes::post_status(&node, &token, "First post after the restart").await;
    assert!(
        wait_for(Duration::from_secs(10), || received(
            &partner,
            "Create",
            "First post after the restart"
        ) == 1)
        .await,
        "the partner got the post; server log:\n{}",
        node.log_text()
    );
    assert_eq!(
        posted["content"].as_str().map(|c| c.contains("First post")),
        Some(true)
    );
}

/// Drops a delivery to a server off the list, and says so in the log, with the host.
#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_dropped_by_the_policy_is_logged_with_its_host() {
    let instance = Instance::new(&[("STAFFROOM_FEDERATION_MODE", "allowlist")]).await;
    let node = instance.start_node(instance.port);
    let token = instance.teacher("alice");
    instance.cli(&["domain", "allow", "127.0.0.1"]);
    let partner = partner_following_alice(&instance, &node).await;

    instance.cli(&["domain", "disallow", "127.0.0.1"]);
    common::nodes::post_status(&node, &token, "Not for partners any more").await;
    let logged = || {
        node.log.lock().unwrap().iter().any(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_default();
            v["message"] == "delivery dropped by the domain policy" && v["host"] == "127.0.0.1"
        })
    };
    assert!(
        wait_for(Duration::from_secs(5), logged).await,
        "one log line names the host; log:\n{}",
        node.log_text()
    );
    assert_eq!(received(&partner, "Create", "Not for partners"), 0);
}

/// A partner server (on 127.0.0.1, which must be allowed) whose actor follows alice
/// and has heard her Accept.
async fn partner_following_alice(instance: &Instance, node: &ServeProcess) -> RemoteActor {
    let partner = remote::start("partner");
    assert_eq!(instance.send_follow(&partner, node, "alice", 1).await, 202);
    assert!(
        wait_for(Duration::from_secs(10), || received(&partner, "Accept", "")
            == 1)
        .await,
        "the partner hears the Accept"
    );
    partner
}
