//! Hashtag chats (docs/hashtags.md): a scripted chat across two Staffroom instances
//! and the Fedify peer (tests/peers/fedify), its `Event`, its questions and answers
//! on the live page and in the transcript collection; and the iCal feed read by
//! Python's icalendar (tests/ical), its recurrences expanded by dateutil.

mod common;

use chrono::{Duration as Span, Utc};
use common::{api, eventually, fedify::FedifyPeer, public_post, TestApp};
use serde_json::{json, Value};
use staffroom::{
    db::{follows::Follow, statuses::Status},
    error::ErrorKind,
    federation::fetch,
    services::{
        chats::{self, ChatInput},
        follows, statuses,
    },
};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);
const ACTIVITY_JSON: &str = "application/activity+json";

fn input(title: &str, tag: &str, start: &str, zone: &str, minutes: &str, rule: &str) -> ChatInput {
    ChatInput {
        title: title.into(),
        tag: tag.into(),
        description: String::new(),
        start: start.into(),
        time_zone: zone.into(),
        duration_minutes: minutes.into(),
        rrule: rule.into(),
    }
}

async fn stored(app: &TestApp, uri: &str) -> Option<Status> {
    let mut conn = app.pool.get().await.unwrap();
    Status::find_by_uri(&mut conn, uri).await.unwrap()
}

async fn activity_json(app: &TestApp, path: &str) -> (u16, String, Value) {
    let res = app.get(path, Some(ACTIVITY_JSON)).await;
    let status = res.status().as_u16();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, kind, res.json().await.unwrap_or(Value::Null))
}

/// The raw body of what the peer received (as sent).
fn raw_of(entry: &Value) -> Value {
    match &entry["raw"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    }
}

/// The peer's received activities of `kind` whose object is our chat's `Event`.
async fn event_activities(peer: &FedifyPeer, kind: &str, event_id: &str) -> Vec<Value> {
    peer.received(kind)
        .await
        .into_iter()
        .filter(|e| {
            let raw = raw_of(e);
            raw["object"]["id"] == json!(event_id) || raw["object"] == json!(event_id)
        })
        .collect()
}

/// The text of the live page's section for question `n`, up to the next question.
fn section<'a>(page: &'a str, n: u32) -> &'a str {
    let start = page
        .find(&format!("id=\"q{n}\""))
        .unwrap_or_else(|| panic!("the page has no question {n}: {page}"));
    let rest = &page[start..];
    let end = rest[10..]
        .find("class=\"chat-question\"")
        .map(|e| e + 10)
        .unwrap_or(rest.len());
    &rest[..end]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scripted_chat_is_published_and_its_answers_from_everywhere_are_grouped() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    let hana = a.create_user("hana").await.account;
    let carol = a.create_user("carol").await.account;
    let bo = b.create_user("bo").await.account;
    let bo_token = api::token(&b, "bo").await;
    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;
    let hana_id = a.ctx.urls.actor("hana");
    let carol_id = a.ctx.urls.actor("carol");

    // The Fedify actor and bo (on b) follow the host; carol (on a) follows bo.
    peer.act("follow", json!({ "target": hana_id })).await;
    let hana_on_b = fetch::webfinger(&b.ctx, "hana", &a.domain).await.unwrap();
    follows::follow(&b.ctx, &bo, &hana_on_b).await.unwrap();
    let bo_on_a = fetch::webfinger(&a.ctx, "bo", &b.domain).await.unwrap();
    follows::follow(&a.ctx, &carol, &bo_on_a).await.unwrap();
    eventually(
        WAIT,
        "hana has her two followers and carol follows bo",
        || async {
            let mut conn = a.pool.get().await.unwrap();
            let mut conn_b = b.pool.get().await.unwrap();
            let bo_follows = Follow::find(&mut conn_b, bo.id, hana_on_b.id)
                .await
                .unwrap()
                .is_some_and(|f| f.accepted);
            let carol_follows = Follow::find(&mut conn, carol.id, bo_on_a.id)
                .await
                .unwrap()
                .is_some_and(|f| f.accepted);
            let followers = Follow::follower_inboxes(&mut conn, hana.id).await.unwrap();
            bo_follows && carol_follows && followers.len() == 2
        },
    )
    .await;

    // hana schedules a weekly chat that began a minute ago.
    let berlin = (Utc::now() - Span::minutes(1)).with_timezone(&chrono_tz::Europe::Berlin);
    let mut new = input(
        "Edchat: why we teach",
        "#EdChat",
        &berlin.format("%Y-%m-%dT%H:%M").to_string(),
        "Europe/Berlin",
        "60",
        "FREQ=WEEKLY;COUNT=4",
    );
    new.description = "An hour on what brought us here.".into();
    let chat = chats::create(&a.ctx, &hana, &new).await.unwrap();
    assert_eq!(chat.tag, "edchat");
    let event_id = a.ctx.urls.chat(chat.id);

    // The peer gets Create{Event} and reads it as an Event.
    let create = eventually(WAIT, "the peer received the chat's Create", || async {
        event_activities(&peer, "Create", &event_id).await.pop()
    })
    .await;
    assert_eq!(create["json"]["object"]["type"], json!("Event"), "{create}");
    let sent = raw_of(&create);
    assert_eq!(sent["actor"], json!(hana_id));
    assert!(sent["to"].to_string().contains("#Public"), "{sent}");
    let event = &sent["object"];
    assert_eq!(event["type"], "Event");
    assert_eq!(event["name"], "Edchat: why we teach");
    assert_eq!(event["timezone"], "Europe/Berlin");
    assert_eq!(event["url"], json!(event_id));
    assert_eq!(event["tag"][0]["name"], "#edchat");
    assert!(event["content"]
        .as_str()
        .unwrap()
        .contains("what brought us here"));
    let starts =
        chrono::DateTime::parse_from_rfc3339(event["startTime"].as_str().unwrap()).unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(event["endTime"].as_str().unwrap()).unwrap();
    assert_eq!(ends - starts, Span::minutes(60));
    assert!(starts <= Utc::now() && ends > Utc::now(), "{event}");

    // The Event is there to fetch, as ActivityPub; a browser gets the page.
    let (status, kind, fetched) = activity_json(&a, &format!("/chats/{}", chat.id)).await;
    assert_eq!(status, 200);
    assert!(kind.starts_with(ACTIVITY_JSON), "{kind}");
    assert_eq!(fetched["type"], "Event");
    assert_eq!(fetched["id"], json!(event_id));
    assert!(fetched["@context"].is_array());

    // hana asks Q1 and Q2; bo's server gets them.
    let q1 = statuses::post(
        &a.ctx,
        &hana,
        public_post("Q1 What got you into teaching? #edchat"),
    )
    .await
    .unwrap();
    let q1_uri = a.ctx.urls.status("hana", q1.id);
    let fedi_a1 = peer
        .act(
            "post",
            json!({
                "content": "<p>A1 My own maths teacher <a href=\"https://example.org/tags/edchat\" class=\"mention hashtag\" rel=\"tag\">#<span>edchat</span></a></p>",
                "hashtags": ["edchat"],
                "deliverTo": [carol_id],
            }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Nobody here follows the peer: the chat's tag is why its answer is kept.
    eventually(WAIT, "the peer's tagged A1 was stored", || async {
        stored(&a, &fedi_a1).await
    })
    .await;
    let q1_on_b = eventually(WAIT, "Q1 reached bo's server", || async {
        stored(&b, &q1_uri).await
    })
    .await;
    let bo_reply = api::post(
        &b,
        "/api/v1/statuses",
        &bo_token,
        &[
            (
                "status",
                &format!("@hana@{} Curiosity about how children learn", a.domain),
            ),
            ("in_reply_to_id", &q1_on_b.id.to_string()),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(bo_reply.status, 200, "{}", bo_reply.body);
    let bo_reply_uri = bo_reply.body["uri"].as_str().unwrap().to_string();
    eventually(WAIT, "bo's reply to Q1 was stored", || async {
        stored(&a, &bo_reply_uri).await
    })
    .await;

    let q2 = statuses::post(
        &a.ctx,
        &hana,
        public_post("Q2: What would make this year easier? #edchat"),
    )
    .await
    .unwrap();
    let q2_uri = a.ctx.urls.status("hana", q2.id);
    let bo_a2 = api::status(
        &b,
        &bo_token,
        "A2 Lesson study with colleagues #edchat",
        "public",
    )
    .await;
    let bo_a2_uri = bo_a2["uri"].as_str().unwrap().to_string();
    // Not publicly visible: never counted (the public A2 above is its control).
    let bo_private =
        api::status(&b, &bo_token, "A2 For my followers only #edchat", "private").await;
    let bo_private_uri = bo_private["uri"].as_str().unwrap().to_string();
    eventually(WAIT, "bo's two A2 posts were stored", || async {
        stored(&a, &bo_a2_uri).await.is_some() && stored(&a, &bo_private_uri).await.is_some()
    })
    .await;
    let fedi_reply = peer
        .act(
            "post",
            json!({ "content": "<p>More time to plan together</p>", "inReplyTo": q2_uri }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    eventually(WAIT, "the peer's reply to Q2 was stored", || async {
        stored(&a, &fedi_reply).await
    })
    .await;

    // The transcript collection groups them under the right question, in order.
    let hosted = chats::find(&a.ctx, chat.id).await.unwrap();
    let key = hosted.schedule.current_or_next(Utc::now()).unwrap().key();
    let path = format!("/chats/{}/transcripts/{key}", chat.id);
    let (status, kind, transcript) = activity_json(&a, &path).await;
    assert_eq!(status, 200, "{transcript}");
    assert!(kind.starts_with(ACTIVITY_JSON));
    assert_eq!(transcript["type"], "OrderedCollection");
    assert_eq!(transcript["context"], json!(event_id));
    assert_eq!(transcript["totalItems"], 2, "{transcript}");
    let items = |i: usize| -> Vec<String> {
        transcript["orderedItems"][i]["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(transcript["orderedItems"][0]["name"], "Q1");
    assert_eq!(
        items(0),
        [q1_uri.clone(), fedi_a1.clone(), bo_reply_uri.clone()]
    );
    assert_eq!(transcript["orderedItems"][1]["name"], "Q2");
    assert_eq!(
        items(1),
        [q2_uri.clone(), bo_a2_uri.clone(), fedi_reply.clone()]
    );
    assert!(!transcript.to_string().contains(&bo_private_uri));
    let bo_id = b.ctx.urls.actor("bo");
    assert_eq!(
        transcript["attributedTo"],
        json!([hana_id, peer.actor(), bo_id]),
        "the host, then who answered, by first answer"
    );

    // The live page shows the same, readable without JavaScript.
    let page = a
        .get(&format!("/chats/{}", chat.id), None)
        .await
        .text()
        .await
        .unwrap();
    let first = section(&page, 1);
    assert!(first.contains("Question 1") && first.contains("What got you into teaching"));
    assert!(
        first.contains("My own maths teacher")
            && first.contains("Curiosity about how children learn"),
        "{first}"
    );
    assert!(first.contains("2 answers"));
    let second = section(&page, 2);
    assert!(
        second.contains("Lesson study") && second.contains("More time to plan together"),
        "{second}"
    );
    assert!(!second.contains("My own maths teacher"));
    assert!(!page.contains("For my followers only"));

    // hana changes the chat: the peer gets the Update.
    let mut changed = new.clone();
    changed.title = "Edchat: why we still teach".into();
    chats::update(&a.ctx, &hana, chat.id, &changed)
        .await
        .unwrap();
    let update = eventually(WAIT, "the peer received the Update", || async {
        event_activities(&peer, "Update", &event_id).await.pop()
    })
    .await;
    assert_eq!(
        raw_of(&update)["object"]["name"],
        "Edchat: why we still teach"
    );
    // Someone else cannot change or cancel it.
    let refused = chats::cancel(&a.ctx, &carol, chat.id).await.unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Forbidden);

    // hana cancels it: Delete reaches the peer, the Event is gone, the transcript stays.
    chats::cancel(&a.ctx, &hana, chat.id).await.unwrap();
    eventually(WAIT, "the peer received the Delete", || async {
        !event_activities(&peer, "Delete", &event_id)
            .await
            .is_empty()
    })
    .await;
    let (status, _, gone) = activity_json(&a, &format!("/chats/{}", chat.id)).await;
    assert_eq!(status, 410);
    assert_eq!(gone["type"], "Tombstone");
    let (status, _, kept) = activity_json(&a, &path).await;
    assert_eq!(status, 200);
    assert_eq!(kept["orderedItems"], transcript["orderedItems"]);
}

/// Runs tests/ical/expand.py (icalendar and dateutil, in the venv tests/ical/setup.sh made).
fn expand(feed: &str) -> Value {
    use std::io::Write;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ical");
    let venv = std::process::Command::new(format!("{dir}/setup.sh"))
        .output()
        .expect("tests/ical/setup.sh runs");
    assert!(
        venv.status.success(),
        "{}",
        String::from_utf8_lossy(&venv.stderr)
    );
    let venv = String::from_utf8(venv.stdout).unwrap().trim().to_string();
    let mut child = std::process::Command::new(format!("{venv}/bin/python"))
        .arg(format!("{dir}/expand.py"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(feed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the feed: {}\n{feed}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ical_feed_is_valid_and_its_recurrences_expand_as_scheduled() {
    let app = TestApp::spawn().await;
    let hana = app.create_user("hana").await.account;

    // Weekly across the end of summer time: 19:00 in Berlin stays 19:00.
    let mut weekly = input(
        "Maths chat",
        "mathchat",
        "2026-10-22T19:00",
        "Europe/Berlin",
        "60",
        "RRULE:FREQ=WEEKLY;COUNT=3",
    );
    weekly.description = "Bring one task, one question; and a colleague.\nÜbungen für die Grundschule – Brüche, Dezimalzahlen und Prozentrechnung im Alltag".into();
    let weekly = chats::create(&app.ctx, &hana, &weekly).await.unwrap();
    // Every other day, three times, until a date, on New York's clock.
    let other = chats::create(
        &app.ctx,
        &hana,
        &input(
            "Maths; late edition, US",
            "mathchat",
            "2027-01-05T20:00",
            "America/New_York",
            "45",
            "FREQ=DAILY;INTERVAL=2;UNTIL=20270110T000000Z",
        ),
    )
    .await
    .unwrap();
    // Weekly on Tuesdays and Thursdays without end.
    let open = chats::create(
        &app.ctx,
        &hana,
        &input(
            "Maths open hour",
            "mathchat",
            "2027-03-02T18:30",
            "Europe/Berlin",
            "30",
            "FREQ=WEEKLY;BYDAY=TU,TH",
        ),
    )
    .await
    .unwrap();
    let cancelled = chats::create(
        &app.ctx,
        &hana,
        &input(
            "Cancelled",
            "mathchat",
            "2027-02-01T10:00",
            "Europe/Berlin",
            "60",
            "",
        ),
    )
    .await
    .unwrap();
    chats::cancel(&app.ctx, &hana, cancelled.id).await.unwrap();
    // Another tag's chat is not in this feed.
    chats::create(
        &app.ctx,
        &hana,
        &input(
            "Science",
            "scichat",
            "2027-02-01T10:00",
            "Europe/Berlin",
            "60",
            "",
        ),
    )
    .await
    .unwrap();

    let res = app.get("/tags/mathchat/chats.ics", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/calendar; charset=utf-8"
    );
    let feed = res.text().await.unwrap();
    // RFC 5545: CRLF line ends, no line over 75 octets.
    assert!(feed.ends_with("END:VCALENDAR\r\n"));
    for line in feed.split("\r\n") {
        assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        assert!(!line.contains('\n'));
    }
    let parsed = expand(&feed);
    let mut zones: Vec<String> = serde_json::from_value(parsed["timezones"].clone()).unwrap();
    zones.sort();
    assert_eq!(zones, ["America/New_York", "Europe/Berlin"]);
    let events = parsed["events"].as_array().unwrap();
    assert_eq!(events.len(), 3, "{parsed}");
    let event = |id: i64| {
        events
            .iter()
            .find(|e| e["url"] == json!(app.ctx.urls.chat(id)))
            .unwrap_or_else(|| panic!("chat {id} is in the feed: {parsed}"))
    };
    let w = event(weekly.id);
    assert_eq!(w["summary"], "Maths chat");
    assert_eq!(w["tzid"], "Europe/Berlin");
    assert_eq!(w["minutes"], 60);
    assert!(w["uid"]
        .as_str()
        .unwrap()
        .starts_with(&format!("chat-{}@", weekly.id)));
    assert_eq!(
        w["description"],
        "Bring one task, one question; and a colleague.\nÜbungen für die Grundschule – Brüche, Dezimalzahlen und Prozentrechnung im Alltag"
    );
    assert_eq!(
        w["occurrences"],
        json!([
            "2026-10-22T17:00:00Z",
            "2026-10-29T18:00:00Z",
            "2026-11-05T18:00:00Z"
        ])
    );
    let o = event(other.id);
    assert_eq!(o["summary"], "Maths; late edition, US");
    assert_eq!(o["minutes"], 45);
    assert_eq!(
        o["occurrences"],
        json!(["2027-01-06T01:00:00Z", "2027-01-08T01:00:00Z"])
    );
    let open_event = event(open.id);
    let first: Vec<&str> = open_event["occurrences"].as_array().unwrap()[..4]
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // Berlin moves to summer time on 28 March 2027.
    assert_eq!(
        first,
        [
            "2027-03-02T17:30:00Z",
            "2027-03-04T17:30:00Z",
            "2027-03-09T17:30:00Z",
            "2027-03-11T17:30:00Z"
        ]
    );
    let april = open_event["occurrences"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v.as_str().unwrap().starts_with("2027-04-01"))
        .unwrap();
    assert_eq!(april, "2027-04-01T16:30:00Z");

    // Our own expansion agrees with the parser's for every chat in the feed.
    for (id, e) in [(weekly.id, w), (other.id, o)] {
        let hosted = chats::find(&app.ctx, id).await.unwrap();
        let ours: Vec<String> = hosted
            .schedule
            .occurrences()
            .map(|o| o.start.format("%Y-%m-%dT%H:%M:%SZ").to_string())
            .collect();
        assert_eq!(json!(ours), e["occurrences"]);
    }

    // A rule we cannot take is refused with why, and nothing is stored.
    let bad = chats::create(
        &app.ctx,
        &hana,
        &input(
            "Bad",
            "mathchat",
            "2027-01-05T20:00",
            "Europe/Berlin",
            "60",
            "FREQ=WEEKLY;BYDAY=XY",
        ),
    )
    .await
    .unwrap_err();
    assert_eq!(bad.kind, ErrorKind::BadRequest);
    assert!(bad.message.contains("RFC 5545"), "{}", bad.message);
    assert_eq!(chats::on_tag(&app.ctx, "mathchat").await.unwrap().len(), 4);

    // The about page lists the next chats (those not over), soonest first.
    let about = app.get("/about", None).await.text().await.unwrap();
    let next = &about[about
        .find("Next scheduled chats")
        .expect("the about page has the section")..];
    let late = next
        .find("Maths; late edition, US")
        .expect("the New York chat is next");
    let hour = next
        .find("Maths open hour")
        .expect("the open hour is listed");
    assert!(late < hour);
    assert!(next.contains("Science"));
    assert!(!next.contains("Maths chat<"), "the October chat is over");
    assert!(!next.contains("Cancelled"));

    // An unused tag has an empty (still valid) calendar; a non-tag is not found.
    let empty = app
        .get("/tags/nochat/chats.ics", None)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(expand(&empty)["events"], json!([]));
    assert_eq!(app.get("/tags/%20/chats.ics", None).await.status(), 404);
}
