//! Federation with Fedify, an ActivityPub implementation we did not write, running
//! as its own process (tests/peers/fedify).

mod common;

use common::{eventually, fedify::FedifyPeer, TestApp};
use serde_json::{json, Value};
use staffroom::{
    db::{
        follows::Follow,
        statuses::{Status, Visibility},
    },
    federation::fetch,
    services::{
        follows,
        statuses::{self, NewPost},
    },
};
use std::time::Duration;

/// Fedify answers in its own time; 30 s is generous for a peer on a busy machine.
const PEER_WAIT: Duration = Duration::from_secs(30);

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => vec![],
    }
}

/// The body exactly as the peer received it.
fn raw_of(entry: &Value) -> Value {
    match &entry["raw"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    }
}

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

#[tokio::test(flavor = "multi_thread")]
async fn fedify_follows_us_and_receives_our_posts_replies_and_deletes() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;
    let alice_id = format!("{}/users/alice", app.address);

    // The Fedify actor follows alice and receives our Accept.
    peer.act("follow", json!({ "target": alice_id })).await;
    eventually(PEER_WAIT, "Fedify saw our Accept", || async {
        as_list(&peer.get("following").await)
            .contains(&alice_id)
            .then_some(())
    })
    .await;
    let accept = &peer.received("Accept").await[0];
    assert_eq!(accept["actor"], alice_id);

    // alice posts publicly: it arrives addressed as Mastodon addresses it.
    let note = statuses::post(
        &app.ctx,
        &alice,
        NewPost {
            text: "Our school garden is blooming #edchat".into(),
            visibility: Visibility::Public,
            in_reply_to: None,
            spoiler_text: String::new(),
            sensitive: false,
            language: Some("en".into()),
        },
    )
    .await
    .unwrap();
    let note_id = format!("{alice_id}/statuses/{}", note.id);
    let create = eventually(PEER_WAIT, "Fedify received the post", || async {
        peer.received("Create")
            .await
            .into_iter()
            .find(|c| c["object"] == note_id || c["json"]["object"]["id"] == note_id)
    })
    .await;
    let raw = raw_of(&create);
    assert_eq!(raw["type"], "Create");
    assert_eq!(raw["actor"], alice_id);
    assert_eq!(as_list(&raw["to"]), vec![PUBLIC.to_string()]);
    assert_eq!(as_list(&raw["cc"]), vec![format!("{alice_id}/followers")]);
    assert_eq!(raw["object"]["attributedTo"], alice_id);
    assert!(raw["object"]["content"]
        .as_str()
        .unwrap()
        .contains("Our school garden is blooming"));
    assert!(raw["object"]["tag"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["type"] == "Hashtag" && t["name"] == "#edchat"));

    // The peer replies; the reply threads under alice's post here.
    let reply = peer.act("post", json!({ "content": "<p>Lovely! What did you plant?</p>", "inReplyTo": note_id, "mention": alice_id })).await;
    let reply_id = reply["id"].as_str().unwrap().to_string();
    let stored = eventually(PEER_WAIT, "the reply was stored", || async {
        let mut conn = app.pool.get().await.unwrap();
        Status::find_by_uri(&mut conn, &reply_id).await.unwrap()
    })
    .await;
    assert_eq!(stored.in_reply_to_id, Some(note.id));
    assert!(stored.content.contains("What did you plant?"));

    // alice answers the peer's reply; the answer carries inReplyTo and reaches it.
    let answer = statuses::post(
        &app.ctx,
        &alice,
        NewPost {
            text: "Sunflowers and beans!".into(),
            visibility: Visibility::Public,
            in_reply_to: Some(stored.id),
            spoiler_text: String::new(),
            sensitive: false,
            language: None,
        },
    )
    .await
    .unwrap();
    let answer_id = format!("{alice_id}/statuses/{}", answer.id);
    let got = eventually(PEER_WAIT, "Fedify received the answer", || async {
        peer.received("Create")
            .await
            .into_iter()
            .find(|c| c["json"]["object"]["id"] == answer_id || c["object"] == answer_id)
    })
    .await;
    let raw = raw_of(&got);
    assert_eq!(raw["object"]["inReplyTo"], reply_id);
    assert!(
        as_list(&raw["cc"]).contains(&peer.actor()),
        "the replied-to author is addressed"
    );

    // alice deletes her post: the peer gets a Delete of it.
    statuses::delete(&app.ctx, &alice, note.id).await.unwrap();
    eventually(PEER_WAIT, "Fedify received the Delete", || async {
        peer.received("Delete").await.into_iter().find(|d| {
            let raw = raw_of(d);
            raw["object"]["id"] == note_id || raw["object"] == note_id
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn we_follow_fedify_and_see_its_posts() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;

    let fedi = fetch::resolve_actor(&app.ctx, &peer.actor())
        .await
        .expect("we can fetch a Fedify actor");
    assert_eq!(fedi.username, "fedi");
    assert!(fedi.shared_inbox_url.is_some());
    follows::follow(&app.ctx, &alice, &fedi).await.unwrap();
    eventually(PEER_WAIT, "Fedify accepted our follow", || async {
        let mut conn = app.pool.get().await.unwrap();
        Follow::find(&mut conn, alice.id, fedi.id)
            .await
            .unwrap()
            .filter(|f| f.accepted)
    })
    .await;
    assert!(as_list(&peer.get("followers").await).contains(&format!("{}/users/alice", app.address)));

    let posted = peer
        .act(
            "post",
            json!({ "content": "<p>Hello from Fedify</p>", "visibility": "public" }),
        )
        .await;
    let id = posted["id"].as_str().unwrap().to_string();
    let stored = eventually(PEER_WAIT, "the peer's post was stored", || async {
        let mut conn = app.pool.get().await.unwrap();
        Status::find_by_uri(&mut conn, &id).await.unwrap()
    })
    .await;
    assert!(stored.content.contains("Hello from Fedify"));
    assert_eq!(stored.account_id, fedi.id);
}

/// Fedify knocks first with RFC 9421 (its default for servers it has not met): our
/// inbox must take that signature at once, with no 401 and no second knock.
#[tokio::test(flavor = "multi_thread")]
async fn fedify_signing_with_rfc9421_is_accepted_on_the_first_knock() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let peer = FedifyPeer::start("fedi", "rfc9421").await;
    let alice_id = format!("{}/users/alice", app.address);

    peer.act("follow", json!({ "target": alice_id })).await;
    eventually(PEER_WAIT, "Fedify saw our Accept", || async {
        as_list(&peer.get("following").await)
            .contains(&alice_id)
            .then_some(())
    })
    .await;
    let posted = peer
        .act(
            "post",
            json!({ "content": "<p>Signed the RFC 9421 way</p>", "mention": alice_id }),
        )
        .await;
    let id = posted["id"].as_str().unwrap().to_string();
    let stored = eventually(PEER_WAIT, "the peer's post was stored", || async {
        let mut conn = app.pool.get().await.unwrap();
        Status::find_by_uri(&mut conn, &id).await.unwrap()
    })
    .await;
    assert!(stored.content.contains("Signed the RFC 9421 way"));

    // What went over the wire, as the peer recorded it.
    let outgoing = peer.get("outgoing").await;
    let posts: Vec<&Value> = outgoing
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with(&app.address))
        })
        .collect();
    assert_eq!(
        posts.len(),
        2,
        "one POST for the Follow and one for the Create, each accepted at once: {posts:#?}"
    );
    for post in posts {
        assert_eq!(post["status"], 202, "{post:#}");
        let headers = &post["headers"];
        assert!(
            headers["signature-input"]
                .as_str()
                .is_some_and(|s| s.contains("\"@target-uri\"")),
            "signed with RFC 9421: {headers:#}"
        );
        assert!(
            headers["content-digest"]
                .as_str()
                .is_some_and(|s| s.starts_with("sha-256=:")),
            "{headers:#}"
        );
        assert!(
            headers.get("digest").is_none(),
            "no draft-cavage Digest on the first knock: {headers:#}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_from_fedify_lands_in_the_queue_and_our_forwarded_report_reaches_it() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    app.create_user("mona").await;
    staffroom::services::roles::set_role(
        &app.pool,
        &staffroom::services::roles::Acting::command_line(),
        "mona",
        staffroom::db::users::Role::Moderator,
    )
    .await
    .unwrap();
    let mona = staffroom::services::tokens::create(
        &app.pool,
        "mona",
        "admin app",
        "read write admin:read admin:write",
    )
    .await
    .unwrap();
    let post = statuses::post(
        &app.ctx,
        &alice,
        NewPost {
            text: "Buy my worksheets".into(),
            visibility: Visibility::Public,
            in_reply_to: None,
            spoiler_text: String::new(),
            sensitive: false,
            language: None,
        },
    )
    .await
    .unwrap();
    let post_id = format!("{}/users/alice/statuses/{}", app.address, post.id);
    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;

    peer.act("flag", json!({ "target": format!("{}/users/alice", app.address), "objects": [post_id], "content": "Adverts" })).await;
    let report = eventually(PEER_WAIT, "Fedify's report is in the queue", || async {
        let queue = common::api::get(&app, "/api/v1/admin/reports", Some(&mona)).await;
        queue.body.as_array().and_then(|l| l.first().cloned())
    })
    .await;
    assert_eq!(report["account"]["username"], "fedi");
    assert_eq!(report["target_account"]["username"], "alice");
    assert_eq!(report["comment"], "Adverts");
    assert_eq!(report["statuses"][0]["id"], post.id.to_string());

    // mona reports the peer's user back and forwards it: Fedify receives a Flag
    // from our instance actor.
    let fedi_id = report["account"]["id"].as_str().unwrap().to_string();
    let filed = common::api::post(
        &app,
        "/api/v1/reports",
        &mona,
        &[
            ("account_id", &fedi_id),
            ("comment", "Flagging in return"),
            ("forward", "true"),
        ],
    )
    .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let flag = eventually(PEER_WAIT, "Fedify received our Flag", || async {
        peer.received("Flag").await.first().cloned()
    })
    .await;
    let raw = raw_of(&flag);
    assert_eq!(raw["actor"], format!("{}/actor", app.address));
    assert!(as_list(&raw["object"]).contains(&peer.actor()), "{raw}");
    assert_eq!(raw["content"], "Flagging in return");
    app.stop().await;
}

/// Fedify as a `Group` (a community) relaying its activities wrapped in `Announce`
/// (FEP-1b12): its post shows in home, once, and our own reply that it relays back
/// is acknowledged (202), not fetched and refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_fedify_group_relays_posts_and_our_replies_come_back_acknowledged() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let token = common::api::token(&app, "alice").await;
    let peer = FedifyPeer::start_as("maths", "draft-cavage-http-signatures-12", "Group").await;
    let group = fetch::resolve_actor(&app.ctx, &peer.actor()).await.unwrap();
    assert_eq!(group.actor_type, "Group");
    follows::follow(&app.ctx, &alice, &group).await.unwrap();
    eventually(PEER_WAIT, "the group accepted alice", || async {
        let mut conn = app.pool.get().await.unwrap();
        Follow::find(&mut conn, alice.id, group.id)
            .await
            .unwrap()
            .filter(|f| f.accepted)
    })
    .await;

    // The group's post reaches followers only inside its Announce{Create{Note}}.
    let posted = peer
        .act(
            "post",
            json!({ "content": "<p>Term plan for Year 5</p>", "deliver": false }),
        )
        .await;
    let note_id = posted["id"].as_str().unwrap().to_string();
    let relayed = peer
        .act("relay", json!({ "activity": posted["activity"] }))
        .await;
    assert_eq!(
        relayed["errors"],
        json!([]),
        "our inbox took the Announce: {relayed}"
    );
    let home = eventually(PEER_WAIT, "the group's post is in alice's home", || async {
        let a = common::api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
        a.body.as_array().filter(|l| !l.is_empty()).cloned()
    })
    .await;
    assert_eq!(home.len(), 1, "{home:?}");
    assert_eq!(
        home[0]["account"]["group"],
        json!(true),
        "the group's own post, once"
    );
    assert_eq!(home[0]["uri"], json!(note_id));
    assert!(home[0]["content"]
        .as_str()
        .unwrap()
        .contains("Term plan for Year 5"));

    // alice replies; the group (the replied-to author) receives it and relays it to
    // all its followers, alice's server among them.
    let reply = statuses::post(
        &app.ctx,
        &alice,
        NewPost {
            text: "Looks good, thanks!".into(),
            visibility: Visibility::Public,
            in_reply_to: Some(
                home[0]["id"]
                    .as_str()
                    .unwrap()
                    .parse::<i64>()
                    .map(staffroom::db::StatusId)
                    .unwrap(),
            ),
            spoiler_text: String::new(),
            sensitive: false,
            language: None,
        },
    )
    .await
    .unwrap();
    let reply_id = format!("{}/users/alice/statuses/{}", app.address, reply.id);
    let create = eventually(PEER_WAIT, "the group received alice's reply", || async {
        peer.received("Create")
            .await
            .into_iter()
            .find(|c| c["json"]["object"]["id"] == reply_id || c["object"] == reply_id)
    })
    .await;
    let before = peer.get("outgoing").await.as_array().unwrap().len();
    let relayed = peer.act("relay", json!({ "activity": create["id"] })).await;
    assert_eq!(
        relayed["errors"],
        json!([]),
        "our own reply relayed back is acknowledged: {relayed}"
    );
    let outgoing = peer.get("outgoing").await;
    let answers: Vec<&Value> = outgoing.as_array().unwrap()[before..]
        .iter()
        .filter(|r| {
            r["method"] == "POST"
                && r["url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with(&app.address))
        })
        .collect();
    assert!(
        !answers.is_empty() && answers.iter().all(|r| r["status"] == 202),
        "{answers:#?}"
    );
    let mut conn = app.pool.get().await.unwrap();
    assert_eq!(
        Status::find_by_uri(&mut conn, &reply_id)
            .await
            .unwrap()
            .map(|s| s.id),
        None,
        "no copy of our own post was made"
    );
}

/// A poll made on Fedify (its own `Question` serialisation) is shown here with its
/// options, and our teacher's vote reaches Fedify as Mastodon sends one: a `Create`
/// of a `Note` whose `name` is the option and whose `inReplyTo` is the question.
#[tokio::test(flavor = "multi_thread")]
async fn a_fedify_poll_is_shown_and_our_vote_reaches_it() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let token =
        staffroom::services::tokens::create(&app.pool, "alice", "test", "read write follow")
            .await
            .unwrap();
    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;
    let fedi = fetch::resolve_actor(&app.ctx, &peer.actor()).await.unwrap();
    follows::follow(&app.ctx, &alice, &fedi).await.unwrap();
    eventually(PEER_WAIT, "Fedify accepted our follow", || async {
        let mut conn = app.pool.get().await.unwrap();
        Follow::find(&mut conn, alice.id, fedi.id)
            .await
            .unwrap()
            .filter(|f| f.accepted)
    })
    .await;

    let end = (chrono::Utc::now() + chrono::Duration::hours(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let posted = peer.act("post", json!({ "content": "<p>Tea or coffee in the staffroom?</p>", "poll": { "options": ["Tea", "Coffee"], "endTime": end } })).await;
    let id = posted["id"].as_str().unwrap().to_string();
    let stored = eventually(PEER_WAIT, "the peer's poll was stored", || async {
        let mut conn = app.pool.get().await.unwrap();
        Status::find_by_uri(&mut conn, &id).await.unwrap()
    })
    .await;
    let seen: Value = app
        .client
        .get(format!("{}/api/v1/statuses/{}", app.address, stored.id))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let poll = &seen["poll"];
    assert_eq!(poll["options"][1]["title"], "Coffee", "{seen}");
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["expired"], false);

    let voted = app
        .client
        .post(format!(
            "{}/api/v1/polls/{}/votes",
            app.address,
            poll["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .form(&[("choices[]", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(voted.status(), 200);
    let vote = eventually(PEER_WAIT, "our vote reached Fedify", || async {
        peer.received("Create")
            .await
            .into_iter()
            .map(|e| raw_of(&e))
            .find(|c| c["object"]["inReplyTo"] == id.as_str())
    })
    .await;
    assert_eq!(vote["object"]["type"], "Note", "{vote}");
    assert_eq!(vote["object"]["name"], "Coffee");
    assert_eq!(as_list(&vote["to"]), vec![peer.actor()]);
    assert!(
        vote["object"].get("content").is_none(),
        "a vote has no content: {vote}"
    );
}

/// A teacher moving in brings a Mastodon follows CSV that names an account on a
/// server we did not write: the import finds it by WebFinger and Fedify receives
/// the Follow (a line naming nobody there is reported, beside it).
#[tokio::test(flavor = "multi_thread")]
async fn a_follows_csv_naming_a_fedify_account_imports_and_fedify_receives_the_follow() {
    let app = TestApp::spawn().await;
    app.create_user("ada").await;
    let peer = FedifyPeer::start("pat", "draft-cavage-http-signatures-12").await;
    let host = url::Url::parse(&peer.actor()).unwrap();
    let host = format!("{}:{}", host.host_str().unwrap(), host.port().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("following_accounts.csv");
    std::fs::write(
        &file,
        format!("Account address,Show boosts,Notify on new posts,Languages\npat@{host},true,false,\nnobody-here@{host},true,false,\n"),
    )
    .unwrap();
    let out = common::staffroom_command(&[
        ("DATABASE_URL", app.db.url.as_str()),
        ("STAFFROOM_DOMAIN", app.domain.as_str()),
        ("STAFFROOM_DEV", "true"),
    ])
    .args(["import", "follows", "ada", file.to_str().unwrap()])
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("@ada now follows 1 more account(s); 1 line(s) failed."),
        "{stdout}"
    );
    assert!(stdout.contains("line 3: nobody-here@"), "{stdout}");
    let follow = eventually(PEER_WAIT, "Fedify received ada's Follow", || async {
        peer.received("Follow").await.first().cloned()
    })
    .await;
    let raw = raw_of(&follow);
    assert_eq!(raw["actor"], format!("{}/users/ada", app.address), "{raw}");
    assert_eq!(raw["object"], peer.actor(), "{raw}");
    app.stop().await;
}

/// A Mastodon-style member of a group hosted here: Fedify, as a `Person`, joins
/// `@year5maths` and posts by mentioning it; the group announces the post to every
/// member, Fedify itself and carol here, whose home shows it as the group's boost.
#[tokio::test(flavor = "multi_thread")]
async fn a_fedify_person_joins_a_group_hosted_here_and_its_post_by_mention_reaches_every_member() {
    let app = TestApp::spawn().await;
    let carol = app.create_user("carol").await.account;
    let group = staffroom::services::groups::create(
        &app.pool,
        staffroom::services::groups::NewGroup {
            name: "year5maths".into(),
            open: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    follows::follow(&app.ctx, &carol, &group).await.unwrap();
    let group_url = format!("{}/users/year5maths", app.address);
    let peer = FedifyPeer::start("pat", "draft-cavage-http-signatures-12").await;
    peer.act("follow", json!({ "target": group_url })).await;
    eventually(PEER_WAIT, "the group accepted Fedify", || async {
        let following = peer.get("following").await;
        following
            .as_array()
            .is_some_and(|l| l.iter().any(|t| t == &json!(group_url)))
            .then_some(())
    })
    .await;

    let note = peer
        .act(
            "post",
            json!({ "content": "@year5maths Our fractions wall display", "mention": group_url }),
        )
        .await;
    let note_id = note["id"]
        .as_str()
        .or_else(|| note["noteId"].as_str())
        .unwrap_or_else(|| panic!("the peer names its note: {note}"))
        .to_string();
    let announce = eventually(
        PEER_WAIT,
        "Fedify received the group's Announce",
        || async {
            peer.received("Announce").await.into_iter().find(|a| {
                let raw = raw_of(a);
                raw["actor"] == json!(group_url)
                    && (raw["object"] == json!(note_id) || raw["object"]["id"] == json!(note_id))
            })
        },
    )
    .await;
    assert_eq!(raw_of(&announce)["actor"], json!(group_url));
    let token = common::api::token(&app, "carol").await;
    eventually(
        PEER_WAIT,
        "carol's home shows the group's boost",
        || async {
            let home = common::api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
            home.body.as_array().and_then(|l| {
                l.iter()
                    .find(|s| {
                        s["account"]["username"] == json!("year5maths")
                            && s["reblog"]["content"]
                                .as_str()
                                .is_some_and(|c| c.contains("fractions wall display"))
                    })
                    .cloned()
            })
        },
    )
    .await;
    app.stop().await;
}

/// Content warnings and sensitive images both ways with Fedify: its post with a
/// `summary`, `sensitive` and an image is shown here with `spoiler_text`, `sensitive`
/// and the image's alt text (beside a plain post shown plain), and ours reaches it
/// with `summary` and `sensitive: true`.
#[tokio::test(flavor = "multi_thread")]
async fn content_warnings_and_sensitive_images_cross_both_ways_with_fedify() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let token = common::api::token(&app, "alice").await;
    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;
    let alice_id = format!("{}/users/alice", app.address);
    let fedi = fetch::resolve_actor(&app.ctx, &peer.actor()).await.unwrap();
    follows::follow(&app.ctx, &alice, &fedi).await.unwrap();
    peer.act("follow", json!({ "target": alice_id })).await;
    eventually(PEER_WAIT, "each follows the other", || async {
        let mut conn = app.pool.get().await.unwrap();
        let ours = Follow::find(&mut conn, alice.id, fedi.id)
            .await
            .unwrap()
            .is_some_and(|f| f.accepted);
        ours && as_list(&peer.get("following").await).contains(&alice_id)
    })
    .await;

    // Inbound: Fedify's warned post with an image, and a plain one.
    let site = common::web_server::WebServer::start();
    site.serve("/spider.png", 200, "image/png", &common::media::png(40, 30));
    let warned = peer
        .act(
            "post",
            json!({
                "content": "<p>Found in room 4</p>",
                "summary": "Spiders (photo)",
                "attachments": [{ "url": site.url("/spider.png"), "mediaType": "image/png", "name": "A spider on the window" }],
            }),
        )
        .await;
    let plain = peer
        .act("post", json!({ "content": "<p>Nothing to warn about</p>" }))
        .await;
    let mut shown = Vec::new();
    for posted in [&warned, &plain] {
        let id = posted["id"].as_str().unwrap().to_string();
        let stored = eventually(PEER_WAIT, "the peer's post was stored", || async {
            let mut conn = app.pool.get().await.unwrap();
            Status::find_by_uri(&mut conn, &id).await.unwrap()
        })
        .await;
        let seen = common::api::get(
            &app,
            &format!("/api/v1/statuses/{}", stored.id),
            Some(&token),
        )
        .await;
        assert_eq!(seen.status, 200, "{}", seen.body);
        shown.push(seen.body);
    }
    let (warned_here, plain_here) = (&shown[0], &shown[1]);
    assert_eq!(
        warned_here["spoiler_text"], "Spiders (photo)",
        "{warned_here}"
    );
    assert_eq!(warned_here["sensitive"], true, "{warned_here}");
    let image = &warned_here["media_attachments"][0];
    assert_eq!(
        image["description"], "A spider on the window",
        "{warned_here}"
    );
    assert_eq!(
        image["remote_url"],
        site.url("/spider.png"),
        "{warned_here}"
    );
    assert_eq!(plain_here["spoiler_text"], "", "{plain_here}");
    assert_eq!(plain_here["sensitive"], false, "{plain_here}");

    // Outbound: ours reaches Fedify with its warning and marked sensitive.
    let (status, media) = common::media::upload(
        &app,
        &token,
        "spider.png",
        "image/png",
        &common::media::png(40, 30),
        "Another spider",
    )
    .await;
    assert_eq!(status, 200, "{media}");
    let posted = common::api::post(
        &app,
        "/api/v1/statuses",
        &token,
        &[
            ("status", "And another"),
            ("spoiler_text", "More spiders"),
            ("sensitive", "true"),
            ("media_ids[]", media["id"].as_str().unwrap()),
            ("visibility", "public"),
        ],
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let uri = posted.body["uri"].as_str().unwrap().to_string();
    let create = eventually(PEER_WAIT, "our warned post reached Fedify", || async {
        peer.received("Create")
            .await
            .into_iter()
            .map(|e| raw_of(&e))
            .find(|c| c["object"]["id"] == uri.as_str())
    })
    .await;
    assert_eq!(create["object"]["summary"], "More spiders", "{create}");
    assert_eq!(create["object"]["sensitive"], true, "{create}");
    assert_eq!(
        create["object"]["attachment"][0]["name"], "Another spider",
        "{create}"
    );
}
