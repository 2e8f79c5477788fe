//! fediverse-pasture's `verify_actor` (Python, a server we did not write): six actors
//! send unsigned and signed requests to our inbox, some demanding that our key
//! fetch be signed too. Unsigned ones must be refused, signed ones accepted, and
//! WebFinger must round-trip.

mod common;

use common::TestApp;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn verify_actor_passes_all_its_checks() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let actor = format!("{}/users/alice", app.address);
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/peers/pasture/verify_actor.sh"
    );
    let out = tokio::process::Command::new(script)
        .arg(&actor)
        .output()
        .await
        .expect("verify_actor runs (Python 3 is needed)");
    assert!(
        out.status.success(),
        "verify_actor failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let result = &report["result"];
    for unsigned in ["alice", "dean"] {
        assert_eq!(
            result[unsigned]["post_inbox"], false,
            "{unsigned} sends unsigned requests: refused. {result}"
        );
    }
    for signed in ["bob", "claire", "emily", "frank"] {
        assert_eq!(
            result[signed]["post_inbox"], true,
            "{signed} signs: accepted. {result}"
        );
        assert_eq!(
            result[signed]["get_actor"], true,
            "{signed}'s actor could be fetched. {result}"
        );
    }
    assert_eq!(result["webfinger"], true, "{result}");

    // The pasture's own judge agrees.
    let mut judge = std::process::Command::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/peers/pasture/check_report.py"
    ))
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    use std::io::Write;
    judge.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let verdict = judge.wait_with_output().unwrap();
    assert!(
        verdict.status.success(),
        "{}",
        String::from_utf8_lossy(&verdict.stdout)
    );
}
