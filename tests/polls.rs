//! Polls across two real Staffroom instances (issue 14): a poll posted through the
//! client API arrives as a `Question`; a vote from the other server arrives as
//! Mastodon sends one (a `Create` of a `Note` with `name` and `inReplyTo`) and is
//! counted, never shown as a reply; the author's `Update` brings the counts back;
//! when the poll ends, voters and the author are notified on both sides.

mod common;

use common::{api, eventually, TestApp};
use diesel_async::RunQueryDsl;
use serde_json::Value;
use staffroom::db::{polls::Poll, statuses::Status};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

async fn stored(app: &TestApp, uri: &str) -> Option<Status> {
    let mut conn = app.pool.get().await.unwrap();
    Status::find_by_uri(&mut conn, uri).await.unwrap()
}

async fn poll_of(app: &TestApp, status: &Status) -> Option<Poll> {
    let mut conn = app.pool.get().await.unwrap();
    Poll::of_status(&mut conn, status.id).await.unwrap()
}

fn tallies(poll: &Value) -> Vec<Value> {
    poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes_count"].clone())
        .collect()
}

async fn notifications(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let a = api::get(
        app,
        &format!("/api/v1/notifications?types[]={kind}"),
        Some(token),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body.as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_is_answered_from_another_server_and_ends_on_both() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.create_user("alice").await.account;
    b.create_user("bob").await;
    b.create_user("carol").await;
    let (alice_token, bob_token, carol_token) = (
        api::token(&a, "alice").await,
        api::token(&b, "bob").await,
        api::token(&b, "carol").await,
    );
    common::follow_across(&a, &alice, "bob", &b).await;

    // Bad polls are refused as Mastodon refuses them.
    let one_option = api::post(
        &b,
        "/api/v1/statuses",
        &bob_token,
        &[
            ("status", "?"),
            ("poll[options][]", "Only"),
            ("poll[expires_in]", "3600"),
        ],
    )
    .await;
    assert_eq!(one_option.status, 422, "{}", one_option.body);
    assert!(
        one_option.body["error"]
            .as_str()
            .unwrap()
            .contains("at least 2 options"),
        "{}",
        one_option.body
    );

    // bob asks, through B's client API.
    let posted = api::post(
        &b,
        "/api/v1/statuses",
        &bob_token,
        &[
            ("status", "Which day for the maths club?"),
            ("visibility", "public"),
            ("poll[options][]", "Tuesday"),
            ("poll[options][]", "Thursday"),
            ("poll[expires_in]", "3600"),
        ],
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let poll_on_b = &posted.body["poll"];
    assert_eq!(poll_on_b["multiple"], false);
    assert_eq!(poll_on_b["expired"], false);
    assert_eq!(poll_on_b["options"][1]["title"], "Thursday");
    assert_eq!(tallies(poll_on_b), vec![Value::from(0), Value::from(0)]);
    let uri = posted.body["uri"].as_str().unwrap().to_string();

    // What other servers read: a Question with oneOf, endTime, votersCount.
    let note = common::ap_document(&b, &uri).await;
    assert_eq!(note["type"], "Question", "{note}");
    assert_eq!(note["oneOf"][0]["name"], "Tuesday");
    assert_eq!(note["oneOf"][0]["replies"]["totalItems"], 0);
    assert!(note["endTime"].is_string(), "{note}");
    assert_eq!(note["votersCount"], 0);

    // It reaches A with its poll; alice votes through A's API.
    eventually(WAIT, "bob's poll arrived at A", || async {
        stored(&a, &uri).await.is_some()
    })
    .await;
    let copy = stored(&a, &uri).await.unwrap();
    let poll_on_a = poll_of(&a, &copy)
        .await
        .expect("the poll is stored with the post");
    let seen = api::get(
        &a,
        &format!("/api/v1/statuses/{}", copy.id),
        Some(&alice_token),
    )
    .await;
    assert_eq!(seen.body["poll"]["id"], poll_on_a.id.to_string());
    assert_eq!(seen.body["poll"]["voted"], false);
    let voted = api::post(
        &a,
        &format!("/api/v1/polls/{}/votes", poll_on_a.id),
        &alice_token,
        &[("choices[]", "1")],
    )
    .await;
    assert_eq!(voted.status, 200, "{}", voted.body);
    assert_eq!(voted.body["voted"], true);
    assert_eq!(voted.body["own_votes"], serde_json::json!([1]));
    assert_eq!(tallies(&voted.body), vec![Value::from(0), Value::from(1)]);
    // One vote per person in a single-choice poll.
    let again = api::post(
        &a,
        &format!("/api/v1/polls/{}/votes", poll_on_a.id),
        &alice_token,
        &[("choices[]", "0")],
    )
    .await;
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(
        again.body["error"]
            .as_str()
            .unwrap()
            .contains("already voted"),
        "{}",
        again.body
    );

    // On B alice's vote counts, and is no reply.
    let poll_id_b = poll_on_b["id"].as_str().unwrap().to_string();
    eventually(WAIT, "alice's vote was counted at B", || async {
        let p = api::get(&b, &format!("/api/v1/polls/{poll_id_b}"), Some(&bob_token)).await;
        tallies(&p.body) == vec![Value::from(0), Value::from(1)] && p.body["voters_count"] == 1
    })
    .await;
    let status_b = posted.body["id"].as_str().unwrap();
    let on_b = api::get(
        &b,
        &format!("/api/v1/statuses/{status_b}"),
        Some(&bob_token),
    )
    .await;
    assert_eq!(
        on_b.body["replies_count"], 0,
        "a vote is not a reply: {}",
        on_b.body
    );
    let context = api::get(
        &b,
        &format!("/api/v1/statuses/{status_b}/context"),
        Some(&bob_token),
    )
    .await;
    assert_eq!(context.body["descendants"], serde_json::json!([]));

    // carol votes on B; bob's Update brings A both votes (A only counted alice's).
    let carol_votes = api::post(
        &b,
        &format!("/api/v1/polls/{poll_id_b}/votes"),
        &carol_token,
        &[("choices[]", "0")],
    )
    .await;
    assert_eq!(carol_votes.status, 200, "{}", carol_votes.body);
    eventually(WAIT, "bob's Update brought carol's vote to A", || async {
        let p = api::get(
            &a,
            &format!("/api/v1/polls/{}", poll_on_a.id),
            Some(&alice_token),
        )
        .await;
        tallies(&p.body) == vec![Value::from(1), Value::from(1)] && p.body["voters_count"] == 2
    })
    .await;
    // Counts changing is not an edit.
    let seen = api::get(
        &a,
        &format!("/api/v1/statuses/{}", copy.id),
        Some(&alice_token),
    )
    .await;
    assert_eq!(seen.body["edited_at"], Value::Null, "{}", seen.body);

    // Time passes: the poll's end comes (set, as waiting an hour is not a test).
    {
        let mut conn = b.pool.get().await.unwrap();
        diesel::sql_query(format!(
            "UPDATE polls SET expires_at = now() WHERE id = {poll_id_b}"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    // bob and carol are told on B; alice on A, once bob's last Update says it ended.
    for (app, token, who) in [
        (&b, &bob_token, "bob"),
        (&b, &carol_token, "carol"),
        (&a, &alice_token, "alice"),
    ] {
        let found = eventually(WAIT, &format!("{who} was told the poll ended"), || async {
            notifications(app, token, "poll").await.into_iter().next()
        })
        .await;
        assert_eq!(found["status"]["poll"]["expired"], true, "{who}: {found}");
        assert_eq!(
            tallies(&found["status"]["poll"]),
            vec![Value::from(1), Value::from(1)],
            "{who}: {found}"
        );
    }
    let closed = api::post(
        &a,
        &format!("/api/v1/polls/{}/votes", poll_on_a.id),
        &alice_token,
        &[("choices[]", "0")],
    )
    .await;
    assert_eq!(closed.status, 422, "{}", closed.body);
    let note = common::ap_document(&b, &uri).await;
    assert!(note["closed"].is_string(), "{note}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_multiple_choice_poll_counts_two_choices_and_a_single_choice_poll_refuses_them() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.create_user("alice").await.account;
    b.create_user("bob").await;
    let (alice_token, bob_token) = (api::token(&a, "alice").await, api::token(&b, "bob").await);
    common::follow_across(&a, &alice, "bob", &b).await;

    // bob asks a question that takes several answers, as apps send it.
    let posted = api::post(
        &b,
        "/api/v1/statuses",
        &bob_token,
        &[
            ("status", "Which clubs would you help with?"),
            ("visibility", "public"),
            ("poll[options][]", "Chess"),
            ("poll[options][]", "Choir"),
            ("poll[options][]", "Coding"),
            ("poll[expires_in]", "3600"),
            ("poll[multiple]", "true"),
        ],
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert_eq!(posted.body["poll"]["multiple"], true, "{}", posted.body);
    let uri = posted.body["uri"].as_str().unwrap().to_string();
    let poll_id_b = posted.body["poll"]["id"].as_str().unwrap().to_string();

    // Other servers read its options as `anyOf`, not `oneOf`.
    let note = common::ap_document(&b, &uri).await;
    assert_eq!(note["type"], "Question", "{note}");
    assert_eq!(note["anyOf"][2]["name"], "Coding", "{note}");
    assert!(note.get("oneOf").is_none(), "{note}");

    // The Question reaches A as a multiple-choice poll; alice picks two options.
    eventually(WAIT, "bob's poll arrived at A", || async {
        stored(&a, &uri).await.is_some()
    })
    .await;
    let copy = stored(&a, &uri).await.unwrap();
    let poll_on_a = poll_of(&a, &copy).await.expect("the poll is stored");
    let seen = api::get(
        &a,
        &format!("/api/v1/polls/{}", poll_on_a.id),
        Some(&alice_token),
    )
    .await;
    assert_eq!(seen.body["multiple"], true, "{}", seen.body);
    let voted = api::post(
        &a,
        &format!("/api/v1/polls/{}/votes", poll_on_a.id),
        &alice_token,
        &[("choices[]", "0"), ("choices[]", "2")],
    )
    .await;
    assert_eq!(voted.status, 200, "{}", voted.body);
    assert_eq!(voted.body["own_votes"], serde_json::json!([0, 2]));
    assert_eq!(
        tallies(&voted.body),
        vec![Value::from(1), Value::from(0), Value::from(1)]
    );
    assert_eq!(voted.body["votes_count"], 2, "{}", voted.body);
    assert_eq!(voted.body["voters_count"], 1, "{}", voted.body);

    // Both of alice's votes (two `Create`s of a `Note`) count at B: two votes, one voter.
    eventually(WAIT, "both of alice's votes were counted at B", || async {
        let p = api::get(&b, &format!("/api/v1/polls/{poll_id_b}"), Some(&bob_token)).await;
        tallies(&p.body) == vec![Value::from(1), Value::from(0), Value::from(1)]
            && p.body["votes_count"] == 2
            && p.body["voters_count"] == 1
    })
    .await;

    // A single-choice poll refuses two choices, with a reason, and counts nothing;
    // one choice (the positive control) is taken.
    let single = api::post(
        &b,
        "/api/v1/statuses",
        &bob_token,
        &[
            ("status", "Staff meeting on Monday or Wednesday?"),
            ("visibility", "public"),
            ("poll[options][]", "Monday"),
            ("poll[options][]", "Wednesday"),
            ("poll[expires_in]", "3600"),
        ],
    )
    .await;
    assert_eq!(single.status, 200, "{}", single.body);
    let single_uri = single.body["uri"].as_str().unwrap().to_string();
    eventually(WAIT, "bob's second poll arrived at A", || async {
        stored(&a, &single_uri).await.is_some()
    })
    .await;
    let single_on_a = poll_of(&a, &stored(&a, &single_uri).await.unwrap())
        .await
        .expect("the poll is stored");
    let both = api::post(
        &a,
        &format!("/api/v1/polls/{}/votes", single_on_a.id),
        &alice_token,
        &[("choices[]", "0"), ("choices[]", "1")],
    )
    .await;
    assert_eq!(both.status, 422, "{}", both.body);
    assert!(
        both.body["error"]
            .as_str()
            .unwrap_or_default()
            .contains("only one choice"),
        "{}",
        both.body
    );
    let untouched = api::get(
        &a,
        &format!("/api/v1/polls/{}", single_on_a.id),
        Some(&alice_token),
    )
    .await;
    assert_eq!(untouched.body["votes_count"], 0, "{}", untouched.body);
    assert_eq!(untouched.body["voted"], false, "{}", untouched.body);
    let one = api::post(
        &a,
        &format!("/api/v1/polls/{}/votes", single_on_a.id),
        &alice_token,
        &[("choices[]", "1")],
    )
    .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(tallies(&one.body), vec![Value::from(0), Value::from(1)]);
}
