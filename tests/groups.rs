//! Groups (FEP-1b12) as Lemmy 0.19 and Mbin run them, from their captured payloads
//! (tests/fixtures/lemmy, tests/fixtures/mbin) sent through real signed inbox POSTs
//! by real HTTP servers playing the community's instance and a member's instance.
//! Each bug found against Lemmy 0.19.20 (issue 17) has its regression check here.

mod common;

use chrono::Utc;
use common::{api, eventually, remote, TestApp};
use serde_json::{json, Value};
use staffroom::{
    db::{accounts::Account, follows::Follow},
    federation::fetch,
    services::{
        follows,
        groups::{self, NewGroup},
    },
};
use std::time::Duration;

const PUBLIC_ADDRESS: &str = "https://www.w3.org/ns/activitystreams#Public";

const WAIT: Duration = Duration::from_secs(20);

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A Lemmy or Mbin instance: a real HTTP server serving its actors' documents (all
/// signed with one key, each under its own key id) and whatever a test puts there.
struct Instance {
    server: remote::RemoteActor,
    /// The placeholder host its fixtures use.
    placeholder: &'static str,
}

impl Instance {
    fn start(ip: &str, placeholder: &'static str) -> Instance {
        Instance {
            server: remote::start_on(ip, "instance"),
            placeholder,
        }
    }

    fn base(&self) -> &str {
        &self.server.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// Serves the actor fixture `file` (its key replaced by ours) at its path.
    fn serve_actor(&self, file: &str, hosts: &Hosts) {
        let mut doc: Value = serde_json::from_str(&hosts.fill(&fixture(file))).unwrap();
        doc["publicKey"]["publicKeyPem"] =
            json!(String::from_utf8(self.server.key.public_key_to_pem().unwrap()).unwrap());
        let path = url::Url::parse(doc["id"].as_str().unwrap())
            .unwrap()
            .path()
            .to_string();
        self.server.serve(&path, 200, doc);
    }

    /// Serves `doc` at the path of its own id.
    fn serve_doc(&self, doc: &Value) {
        let path = url::Url::parse(doc["id"].as_str().unwrap())
            .unwrap()
            .path()
            .to_string();
        self.server.serve(&path, 200, doc.clone());
    }

    /// POSTs `body` to `app`'s shared inbox signed as `actor_path` of this instance.
    async fn send_as(&self, app: &TestApp, actor_path: &str, body: &str) -> (u16, String) {
        let key_id = format!("{}#main-key", self.url(actor_path));
        let res = self
            .server
            .signed_post_with(
                &app.client,
                &format!("{}/inbox", app.address),
                body,
                &self.server.key,
                &key_id,
                Utc::now(),
            )
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap_or_default())
    }
}

/// Placeholder hosts of the fixtures and what they stand for in this test.
struct Hosts(Vec<(String, String)>);

impl Hosts {
    fn fill(&self, text: &str) -> String {
        self.0
            .iter()
            .fold(text.to_string(), |t, (from, to)| t.replace(from, to))
    }
}

/// `alice` follows the group at `group_id`, which accepts with `accept` (a fixture
/// whose `FOLLOW_ID` is our Follow's id).
async fn join(
    app: &TestApp,
    alice: &Account,
    instance: &Instance,
    group_path: &str,
    accept: &str,
    hosts: &Hosts,
) -> Account {
    let group = fetch::resolve_actor(&app.ctx, &instance.url(group_path))
        .await
        .unwrap();
    let follow = follows::follow(&app.ctx, alice, &group).await.unwrap();
    assert!(!follow.accepted, "a remote group answers later");
    let body = hosts
        .fill(accept)
        .replace("FOLLOW_ID", follow.uri.as_deref().unwrap());
    let (status, text) = instance.send_as(app, group_path, &body).await;
    assert_eq!(status, 202, "{text}");
    let mut conn = app.pool.get().await.unwrap();
    assert!(
        Follow::find(&mut conn, alice.id, group.id)
            .await
            .unwrap()
            .unwrap()
            .accepted,
        "the group accepted alice"
    );
    group
}

/// A test app with alice (and her token), and a community's instance on 127.0.0.1
/// serving the actor fixtures `actors`, whose group at `group_path` alice follows.
async fn with_community(
    placeholder: &'static str,
    actors: &[&str],
    group_path: &str,
    accept: &str,
) -> (TestApp, String, Instance, Hosts) {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let token = api::token(&app, "alice").await;
    let community = Instance::start("127.0.0.1", placeholder);
    let hosts = Hosts(vec![
        (placeholder.into(), community.base().into()),
        ("https://staffroom.example".into(), app.address.clone()),
    ]);
    for file in actors {
        community.serve_actor(file, &hosts);
    }
    join(&app, &alice, &community, group_path, accept, &hosts).await;
    (app, token, community, hosts)
}

/// Alice's home timeline, as her app reads it.
async fn home(app: &TestApp, token: &str) -> Vec<Value> {
    let a = api::get(app, "/api/v1/timelines/home", Some(token)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body.as_array().unwrap().clone()
}

async fn status(app: &TestApp, token: &str, id: &str) -> Value {
    let a = api::get(app, &format!("/api/v1/statuses/{id}"), Some(token)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

async fn replies(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let a = api::get(app, &format!("/api/v1/statuses/{id}/context"), Some(token)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["descendants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lemmy_community_s_posts_comments_votes_edits_and_deletions_arrive() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let token = api::token(&app, "alice").await;
    let enterprise = Instance::start("127.0.0.1", "https://enterprise.lemmy.example");
    let ds9 = Instance::start("127.0.0.2", "https://ds9.lemmy.example");
    let hosts = Hosts(vec![
        (enterprise.placeholder.into(), enterprise.base().into()),
        (ds9.placeholder.into(), ds9.base().into()),
        ("https://staffroom.example".into(), app.address.clone()),
    ]);
    enterprise.serve_actor("lemmy/group.json", &hosts);
    enterprise.serve_actor("lemmy/person_picard.json", &hosts);
    ds9.serve_actor("lemmy/person_worf.json", &hosts);
    let group = join(
        &app,
        &alice,
        &enterprise,
        "/c/maths",
        &fixture("lemmy/accept_follow.json"),
        &hosts,
    )
    .await;
    let (from, to, filled) = (&enterprise, &app, &hosts);
    let send = move |file: &str| {
        let body = filled.fill(&fixture(file));
        async move { from.send_as(to, "/c/maths", &body).await }
    };

    // A new post: Announce{Create{Page}}, then Lemmy's Announce{Page} of the same post.
    // Before: 400 "boosted post without author" for the first.
    let (status_code, text) = send("lemmy/announce_create_page.json").await;
    assert_eq!(status_code, 202, "{text}");
    let timeline = home(&app, &token).await;
    assert_eq!(
        timeline.len(),
        1,
        "the post is in alice's home: {timeline:?}"
    );
    let boost = &timeline[0];
    assert_eq!(
        boost["account"]["acct"],
        json!(format!(
            "maths@{}",
            enterprise.base().trim_start_matches("http://")
        )),
        "as the group's boost"
    );
    assert_eq!(
        boost["account"]["group"],
        json!(true),
        "the community is a group account"
    );
    let post = &boost["reblog"];
    assert_eq!(
        post["account"]["username"],
        json!("picard"),
        "by its author"
    );
    let content = post["content"].as_str().unwrap();
    assert!(
        content.contains("Fractions worksheet for Year 5"),
        "the title shows: {content}"
    );
    assert!(
        content.contains("href=\"https://worksheets.example/fractions-year-5\""),
        "the shared link shows, though url is null: {content}"
    );
    assert!(content.contains("Thirty questions"), "{content}");
    assert_eq!(
        post["url"],
        json!(enterprise.url("/post/42")),
        "the post opens where it lives"
    );
    assert_eq!(
        post["card"]["url"],
        json!("https://worksheets.example/fractions-year-5"),
        "the link is the post's card"
    );
    assert_eq!(
        post["card"]["title"],
        json!("Fractions worksheet for Year 5")
    );
    let post_id = post["id"].as_str().unwrap().to_string();
    // Before: the repeated boost, with its new activity id, was refused.
    let (status_code, text) = send("lemmy/announce_page.json").await;
    assert_eq!(status_code, 202, "{text}");
    assert_eq!(home(&app, &token).await.len(), 1, "one boost of one post");

    // A comment by a member of another instance: believed as its origin serves it.
    // First a forged one its origin does not know: refused, not stored.
    let forged = hosts
        .fill(&fixture("lemmy/announce_create_note.json"))
        .replace("question 12 has a typo", "forged words")
        .replace("9a8b7c6d-5e4f", "00000000-0000");
    ds9.server.serve(
        "/activities/create/00000000-0000-4a3b-9c2d-1e0f9a8b7c6d",
        404,
        json!({ "error": "not found" }),
    );
    ds9.server
        .serve("/comment/99", 404, json!({ "error": "not found" }));
    let (status_code, text) = enterprise
        .send_as(
            &app,
            "/c/maths",
            &forged.replace("/comment/7", "/comment/99"),
        )
        .await;
    assert_eq!(status_code, 403, "{text}");
    assert!(replies(&app, &token, &post_id).await.is_empty());
    // One whose id is on the group's host but whose actor is on another: the group
    // cannot speak for another server's member, so it is refused unfetched.
    let elsewhere = hosts
        .fill(&fixture("lemmy/announce_create_note.json").replace(
            "https://ds9.lemmy.example/activities/create/",
            "https://enterprise.lemmy.example/activities/create/",
        ))
        .replace("question 12 has a typo", "words from the wrong host");
    let (status_code, text) = enterprise.send_as(&app, "/c/maths", &elsewhere).await;
    assert_eq!(status_code, 403, "{text}");
    assert!(text.contains("not on its actor's host"), "{text}");
    assert!(replies(&app, &token, &post_id).await.is_empty());
    // The genuine one, which its origin serves.
    ds9.serve_doc(&serde_json::from_str(&hosts.fill(&fixture("lemmy/create_note.json"))).unwrap());
    let (status_code, text) = send("lemmy/announce_create_note.json").await;
    assert_eq!(status_code, 202, "{text}");
    let thread = replies(&app, &token, &post_id).await;
    assert_eq!(thread.len(), 1, "the thread holds the comment: {thread:?}");
    assert!(thread[0].contains("question 12 has a typo"));
    assert_eq!(
        home(&app, &token).await.len(),
        1,
        "comments stay in their thread"
    );

    // Alice replies; the community relays her reply back to her: acknowledged.
    let reply = api::post(
        &app,
        "/api/v1/statuses",
        &token,
        &[
            ("status", "Thank you, using it on Monday."),
            ("in_reply_to_id", &post_id),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply_id = reply.body["id"].as_str().unwrap().to_string();
    let reply_uri = format!("{}/users/alice/statuses/{reply_id}", app.address);
    let with_reply = |file: &str| {
        hosts
            .fill(&fixture(file))
            .replace("ALICE_STATUS", &reply_uri)
    };
    let (status_code, text) = enterprise
        .send_as(
            &app,
            "/c/maths",
            &with_reply("lemmy/announce_create_note_echo.json"),
        )
        .await;
    assert_eq!(status_code, 202, "our own reply relayed back: {text}");
    assert_eq!(
        replies(&app, &token, &post_id).await.len(),
        2,
        "alice's reply once, beside worf's comment"
    );

    // worf upvotes alice's reply (a Like at his instance).
    ds9.serve_doc(&serde_json::from_str(&with_reply("lemmy/like_note.json")).unwrap());
    let (status_code, text) = enterprise
        .send_as(
            &app,
            "/c/maths",
            &with_reply("lemmy/announce_like_note.json"),
        )
        .await;
    assert_eq!(status_code, 202, "{text}");
    assert_eq!(
        status(&app, &token, &reply_id).await["favourites_count"],
        json!(1),
        "the upvote is a favourite of alice's reply"
    );
    // A downvote is acknowledged and changes nothing.
    let (status_code, text) = send("lemmy/announce_dislike_page.json").await;
    assert_eq!(status_code, 202, "{text}");
    // The upvote taken back.
    ds9.serve_doc(&serde_json::from_str(&with_reply("lemmy/undo_like_note.json")).unwrap());
    let (status_code, text) = enterprise
        .send_as(
            &app,
            "/c/maths",
            &with_reply("lemmy/announce_undo_like_note.json"),
        )
        .await;
    assert_eq!(status_code, 202, "{text}");
    assert_eq!(
        status(&app, &token, &reply_id).await["favourites_count"],
        json!(0),
        "the upvote was taken back"
    );

    // picard edits the post.
    let (status_code, text) = send("lemmy/announce_update_page.json").await;
    assert_eq!(status_code, 202, "{text}");
    let edited = status(&app, &token, &post_id).await;
    assert!(
        edited["content"]
            .as_str()
            .unwrap()
            .contains("Question 12 fixed"),
        "{}",
        edited["content"]
    );
    assert!(
        edited["content"].as_str().unwrap().contains("(corrected)"),
        "the new title shows"
    );

    // worf deletes his comment.
    ds9.serve_doc(&serde_json::from_str(&hosts.fill(&fixture("lemmy/delete_note.json"))).unwrap());
    let (status_code, text) = send("lemmy/announce_delete_note.json").await;
    assert_eq!(status_code, 202, "{text}");
    let thread = replies(&app, &token, &post_id).await;
    assert!(
        thread.iter().all(|c| !c.contains("question 12 has a typo")),
        "the deleted comment is gone: {thread:?}"
    );
    assert_eq!(thread.len(), 1, "alice's reply stays");

    // A moderator (picard) removes another comment of worf's.
    let second = hosts
        .fill(&fixture("lemmy/create_note.json"))
        .replace("/comment/7", "/comment/8")
        .replace("9a8b7c6d-5e4f", "8a8b7c6d-5e4f")
        .replace("question 12 has a typo", "buy cheap pens here");
    ds9.serve_doc(&serde_json::from_str(&second).unwrap());
    let announce_second = hosts
        .fill(&fixture("lemmy/announce_create_note.json"))
        .replace("/comment/7", "/comment/8")
        .replace("9a8b7c6d-5e4f", "8a8b7c6d-5e4f")
        .replace("question 12 has a typo", "buy cheap pens here")
        .replace("2c3d4e5f-6a7b", "2c3d4e5f-0000");
    let (status_code, text) = enterprise.send_as(&app, "/c/maths", &announce_second).await;
    assert_eq!(status_code, 202, "{text}");
    assert_eq!(replies(&app, &token, &post_id).await.len(), 2);
    let (status_code, text) = send("lemmy/announce_remove_note.json").await;
    assert_eq!(status_code, 202, "{text}");
    let thread = replies(&app, &token, &post_id).await;
    assert!(
        thread.iter().all(|c| !c.contains("cheap pens")),
        "the moderator's removal took the comment away: {thread:?}"
    );
    assert_eq!(thread.len(), 1);

    // Nothing here was taken from the group's copy when the origin said otherwise,
    // and the group account is what alice follows.
    assert_eq!(group.actor_type, "Group");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_mbin_magazine_s_link_entry_and_upvote_arrive() {
    let accept = fixture("lemmy/accept_follow.json")
        .replace(
            "https://enterprise.lemmy.example/c/maths",
            "https://mbin.example/m/grundschule",
        )
        .replace(
            "https://enterprise.lemmy.example/activities/accept",
            "https://mbin.example/activities/accept",
        );
    let (app, token, mbin, hosts) = with_community(
        "https://mbin.example",
        &["mbin/group.json", "mbin/person_anna.json"],
        "/m/grundschule",
        &accept,
    )
    .await;

    let (status_code, text) = mbin
        .send_as(
            &app,
            "/m/grundschule",
            &hosts.fill(&fixture("mbin/announce_create_page.json")),
        )
        .await;
    assert_eq!(status_code, 202, "{text}");
    let timeline = home(&app, &token).await;
    assert_eq!(timeline.len(), 1, "{timeline:?}");
    assert_eq!(timeline[0]["account"]["group"], json!(true));
    let post = &timeline[0]["reblog"];
    let content = post["content"].as_str().unwrap();
    assert!(
        content.contains("Lesekarten für die zweite Klasse")
            && content.contains("href=\"https://materialien.example/lesekarten\""),
        "{content}"
    );
    assert_eq!(
        post["url"],
        json!(mbin.url("/m/grundschule/t/17")),
        "the entry opens where it lives, not at the shared link"
    );

    let mine = api::status(&app, &token, "Lesekarten sind super", "public").await;
    let mine_uri = format!(
        "{}/users/alice/statuses/{}",
        app.address,
        mine["id"].as_str().unwrap()
    );
    let like = hosts
        .fill(&fixture("mbin/announce_like.json"))
        .replace("ALICE_STATUS", &mine_uri);
    let (status_code, text) = mbin.send_as(&app, "/m/grundschule", &like).await;
    assert_eq!(status_code, 202, "{text}");
    assert_eq!(
        status(&app, &token, mine["id"].as_str().unwrap()).await["favourites_count"],
        json!(1)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_boost_with_new_ids_is_one_boost() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let token = api::token(&app, "alice").await;
    let bob = remote::start("bob");
    let bob_account = fetch::resolve_actor(&app.ctx, &bob.id()).await.unwrap();
    {
        let mut conn = app.pool.get().await.unwrap();
        Follow::upsert(
            &mut conn,
            alice.id,
            bob_account.id,
            Some("https://x.example/f"),
            true,
        )
        .await
        .unwrap();
    }
    let note_id = format!("{}/statuses/1", bob.id());
    bob.serve("/users/bob/statuses/1", 200, json!({
        "id": note_id, "type": "Note", "attributedTo": bob.id(), "content": "<p>Planning templates</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "published": "2026-11-30T09:00:00Z"
    }));
    // The same boost, several times with new ids, some at once.
    let announce = |n: u32| {
        json!({
        "id": format!("{}/statuses/2/activity-{n}", bob.id()), "type": "Announce", "actor": bob.id(), "object": note_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [format!("{}/followers", bob.id())]
    }).to_string()
    };
    let inbox = format!("{}/inbox", app.address);
    let (first, second, third) = tokio::join!(
        bob.signed_post(&app.client, &inbox, &announce(1), Utc::now())
            .send(),
        bob.signed_post(&app.client, &inbox, &announce(2), Utc::now())
            .send(),
        bob.signed_post(&app.client, &inbox, &announce(3), Utc::now())
            .send(),
    );
    for res in [first, second, third] {
        assert_eq!(res.unwrap().status(), 202);
    }
    let res = bob
        .signed_post(&app.client, &inbox, &announce(4), Utc::now())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202, "a later repeat too");
    let boosts: Vec<Value> = home(&app, &token)
        .await
        .into_iter()
        .filter(|s| !s["reblog"].is_null())
        .collect();
    assert_eq!(boosts.len(), 1, "{boosts:?}");
    assert_eq!(boosts[0]["reblog"]["reblogs_count"], json!(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_origin_gets_202_and_the_post_arrives_later() {
    let (app, token, enterprise, hosts) = with_community(
        "https://enterprise.lemmy.example",
        &["lemmy/group.json", "lemmy/person_picard.json"],
        "/c/maths",
        &fixture("lemmy/accept_follow.json"),
    )
    .await;
    // The group boosts a post by id; its server fails to serve it for now.
    let page: Value =
        serde_json::from_str(&hosts.fill(&fixture("lemmy/announce_page.json"))).unwrap();
    let page = page["object"].clone();
    enterprise
        .server
        .serve("/post/42", 503, json!({ "error": "busy" }));
    let announce = json!({
        "id": enterprise.url("/activities/announce/page/6e7f8a9b"), "type": "Announce", "actor": enterprise.url("/c/maths"),
        "object": enterprise.url("/post/42"),
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [enterprise.url("/c/maths/followers")]
    });
    let (status_code, text) = enterprise
        .send_as(&app, "/c/maths", &announce.to_string())
        .await;
    assert_eq!(
        status_code, 202,
        "not a 5xx for another server's failure: {text}"
    );
    assert!(home(&app, &token).await.is_empty(), "not there yet");
    enterprise.serve_doc(&page);
    eventually(
        WAIT,
        "the post was fetched again in the background",
        || async { home(&app, &token).await.len() == 1 },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unanswered_follow_is_sent_again() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let carol = remote::start("carol");
    let carol_account = fetch::resolve_actor(&app.ctx, &carol.id()).await.unwrap();
    let follow = follows::follow(&app.ctx, &alice, &carol_account)
        .await
        .unwrap();
    let follows_received = || {
        carol
            .posts
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, b)| b["type"] == "Follow")
            .map(|(_, b)| b["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    eventually(WAIT, "the first Follow reached carol's server", || async {
        follows_received().len() == 1
    })
    .await;
    // carol's server dropped it and never answers. Its first re-send falls due
    // (a minute later, as the clock is moved on here).
    let mut conn = app.pool.get().await.unwrap();
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE follows SET resend_at = now()"),
        &mut conn,
    )
    .await
    .unwrap();
    eventually(WAIT, "the Follow was sent again", || async {
        follows_received().len() == 2
    })
    .await;
    assert_eq!(
        follows_received(),
        vec![follow.uri.clone().unwrap(); 2],
        "the same Follow, by its id"
    );

    // Once accepted, it is not sent again.
    let accept = json!({ "id": format!("{}#accepts/1", carol.id()), "type": "Accept", "actor": carol.id(), "object": follow.uri.clone().unwrap() }).to_string();
    let res = carol
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &accept,
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE follows SET resend_at = now() WHERE resend_at IS NOT NULL"),
        &mut conn,
    )
    .await
    .unwrap();
    #[derive(diesel::QueryableByName)]
    struct Due {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let due: Due = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query("SELECT count(*) AS n FROM follows WHERE resend_at IS NOT NULL"),
        &mut conn,
    )
    .await
    .unwrap();
    assert_eq!(due.n, 0, "an accepted follow has no re-send due");
    common::queue_drained(&app.db.url).await;
    assert_eq!(follows_received().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_inbox_refusal_is_logged_with_its_reason() {
    let instance = common::nodes::Instance::new(&[]).await;
    let node = instance.start_node(instance.port);
    let mallory = remote::start("mallory");
    let create_elsewhere = |n: u32| {
        json!({
            "id": format!("{}/statuses/{n}/activity", mallory.id()), "type": "Create", "actor": mallory.id(),
            "object": { "id": format!("https://victim.example/users/bob/statuses/{n}"), "type": "Note", "attributedTo": mallory.id(),
                        "content": "<p>forged</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"] }
        })
    };
    assert_eq!(
        instance.send(&mallory, &node, &create_elsewhere(1)).await,
        403
    );
    // Control: an accepted activity leaves no such line.
    let accepted = json!({ "id": format!("{}#reacts/1", mallory.id()), "type": "EmojiReact", "actor": mallory.id(), "object": "x" });
    assert_eq!(instance.send(&mallory, &node, &accepted).await, 202);
    // A refusal after it: once its line is read, the control's would have been too.
    assert_eq!(
        instance.send(&mallory, &node, &create_elsewhere(2)).await,
        403
    );
    let refusals = || {
        node.log_text()
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|v| v["message"] == "inbox refused an activity")
            .collect::<Vec<Value>>()
    };
    eventually(WAIT, "both refusals are in the log", || async {
        refusals().len() >= 2
    })
    .await;
    let lines = refusals();
    let first = lines
        .iter()
        .find(|v| v["activity_id"] == json!(format!("{}/statuses/1/activity", mallory.id())))
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(first["status"], json!(403));
    assert_eq!(first["actor"], json!(mallory.id()));
    assert_eq!(first["kind"], json!("Create"));
    assert!(
        first["reason"].as_str().unwrap().contains("own host"),
        "the reason is given: {first}"
    );
    assert!(
        lines
            .iter()
            .all(|v| v["activity_id"] != json!(format!("{}#reacts/1", mallory.id()))),
        "nothing logged of what was accepted"
    );
}

/// A subject group hosted here: a teacher on another instance and one here join it
/// by following; a member's post that mentions it, from either server, is boosted
/// by the group to all its members.
#[tokio::test(flavor = "multi_thread")]
async fn a_group_hosted_here_relays_its_members_posts_to_all_members() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    let group = groups::create(
        &a.pool,
        NewGroup {
            name: "year5maths".into(),
            display_name: Some("Year 5 maths team".into()),
            open: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let carol = a.create_user("carol").await.account;
    let bob = b.create_user("bob").await.account;
    let (carol_token, bob_token) = (api::token(&a, "carol").await, api::token(&b, "bob").await);

    // bob finds the group by its handle, sees a group, and joins; carol joins here.
    let group_on_b = fetch::webfinger(&b.ctx, "year5maths", &a.domain)
        .await
        .unwrap();
    assert_eq!(group_on_b.actor_type, "Group");
    follows::follow(&b.ctx, &bob, &group_on_b).await.unwrap();
    follows::follow(&a.ctx, &carol, &group).await.unwrap();
    eventually(WAIT, "the open group accepted bob", || async {
        let mut conn = b.pool.get().await.unwrap();
        Follow::find(&mut conn, bob.id, group_on_b.id)
            .await
            .unwrap()
            .is_some_and(|f| f.accepted)
    })
    .await;
    let profile = api::get(
        &b,
        &format!("/api/v1/accounts/{}", group_on_b.id),
        Some(&bob_token),
    )
    .await;
    assert_eq!(profile.body["group"], json!(true), "{}", profile.body);

    // bob posts to the group by mentioning it: carol, here, gets it as the group's boost.
    let handle = format!("@year5maths@{}", a.domain);
    api::status(
        &b,
        &bob_token,
        &format!("{handle} Who has a fractions worksheet?"),
        "public",
    )
    .await;
    let boosted_by_group = |timeline: Vec<Value>, words: &str| {
        timeline.into_iter().any(|s| {
            s["account"]["username"] == json!("year5maths")
                && s["reblog"]["content"]
                    .as_str()
                    .is_some_and(|c| c.contains(words))
        })
    };
    eventually(
        WAIT,
        "carol sees bob's post as the group's boost",
        || async { boosted_by_group(home(&a, &carol_token).await, "fractions worksheet") },
    )
    .await;
    // And bob's server gets the group's Announce: bob sees it boosted by the group.
    eventually(WAIT, "bob sees his post boosted by the group", || async {
        boosted_by_group(home(&b, &bob_token).await, "fractions worksheet")
    })
    .await;

    // carol answers in the group from here: bob, on the other server, gets it through the group.
    api::status(
        &a,
        &carol_token,
        "@year5maths I have one, sending it round",
        "public",
    )
    .await;
    eventually(WAIT, "bob sees carol's post through the group", || async {
        boosted_by_group(home(&b, &bob_token).await, "sending it round")
    })
    .await;
}

const ACTIVITY_JSON: &str = "application/activity+json";

/// A group's moderator, as the client API names the group's members: `acct` of each
/// follow request.
async fn requests(app: &TestApp, group: &Account, token: &str) -> (u16, Vec<Value>) {
    let a = api::get(
        app,
        &format!("/api/v1/groups/{}/follow_requests", group.id),
        Some(token),
    )
    .await;
    (a.status, a.body.as_array().cloned().unwrap_or_default())
}

/// A closed group (the default) keeps who asks to join until a moderator answers.
/// Its actor names its moderators as Lemmy reads them (`attributedTo`); its
/// moderator lets a teacher from another server in and refuses another; someone
/// who does not moderate it may do neither.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_group_waits_for_its_moderators_to_let_members_in() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    let mo = a.create_user("mo").await.account;
    a.create_user("carol").await;
    let group = groups::create(
        &a.pool,
        NewGroup {
            name: "year5maths".into(),
            creator: Some(mo.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (mo_token, carol_token) = (api::token(&a, "mo").await, api::token(&a, "carol").await);

    // What another server reads: a Group that approves its followers, with its moderators.
    let actor: Value = a
        .get("/users/year5maths", Some(ACTIVITY_JSON))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            actor["type"].clone(),
            actor["manuallyApprovesFollowers"].clone()
        ),
        (json!("Group"), json!(true)),
        "{actor}"
    );
    let moderators_url = actor["attributedTo"]
        .as_str()
        .expect("attributedTo names the moderators")
        .to_string();
    let moderators: Value = a
        .get(
            moderators_url.trim_start_matches(a.ctx.urls.base()),
            Some(ACTIVITY_JSON),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        moderators["orderedItems"],
        json!([a.ctx.urls.actor("mo")]),
        "{moderators}"
    );

    // bob and dave, on the other server, ask to join: they wait.
    let (bob, dave) = (
        b.create_user("bob").await.account,
        b.create_user("dave").await.account,
    );
    let group_on_b = fetch::webfinger(&b.ctx, "year5maths", &a.domain)
        .await
        .unwrap();
    for teacher in [&bob, &dave] {
        assert!(
            !follows::follow(&b.ctx, teacher, &group_on_b)
                .await
                .unwrap()
                .accepted
        );
    }
    let asking = eventually(WAIT, "both requests reached the group", || async {
        let (status, list) = requests(&a, &group, &mo_token).await;
        assert_eq!(status, 200);
        (list.len() == 2).then_some(list)
    })
    .await;
    let id_of = |name: &str| {
        asking
            .iter()
            .find(|r| {
                r["acct"]
                    .as_str()
                    .is_some_and(|acct| acct.starts_with(&format!("{name}@")))
            })
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (bob_here, dave_here) = (id_of("bob"), id_of("dave"));

    // carol does not moderate the group: she may neither see nor answer the requests.
    assert_eq!(requests(&a, &group, &carol_token).await.0, 403);
    let refused = api::post(
        &a,
        &format!(
            "/api/v1/groups/{}/follow_requests/{bob_here}/authorize",
            group.id
        ),
        &carol_token,
        &[],
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // mo lets bob in and refuses dave: bob's server hears Accept, dave's Reject.
    let ok = api::post(
        &a,
        &format!(
            "/api/v1/groups/{}/follow_requests/{bob_here}/authorize",
            group.id
        ),
        &mo_token,
        &[],
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let ok = api::post(
        &a,
        &format!(
            "/api/v1/groups/{}/follow_requests/{dave_here}/reject",
            group.id
        ),
        &mo_token,
        &[],
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    eventually(WAIT, "bob is a member, dave's request is gone", || async {
        let mut conn = b.pool.get().await.unwrap();
        let bob_in = Follow::find(&mut conn, bob.id, group_on_b.id)
            .await
            .unwrap()
            .is_some_and(|f| f.accepted);
        let dave_out = Follow::find(&mut conn, dave.id, group_on_b.id)
            .await
            .unwrap()
            .is_none();
        bob_in && dave_out
    })
    .await;
    assert!(
        requests(&a, &group, &mo_token).await.1.is_empty(),
        "nobody is waiting any more"
    );

    // The collections FEP-1b12 and Lemmy read: the followers count bob alone (dave
    // was refused); the outbox and featured posts answer as collections.
    for key in ["followers", "outbox", "featured"] {
        let url = actor[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} in {actor}"));
        let res = a
            .get(
                url.trim_start_matches(a.ctx.urls.base()),
                Some(ACTIVITY_JSON),
            )
            .await;
        assert_eq!(res.status(), 200, "{key}");
        let doc: Value = res.json().await.unwrap();
        assert!(
            doc["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("Collection")),
            "{key}: {doc}"
        );
        if key == "followers" {
            assert_eq!(doc["totalItems"], json!(1), "{doc}");
        }
    }
}

/// Moderators remove a post and a member. The removed post disappears from the
/// members' home on both servers, while the author keeps it; the removed member's
/// follow ends on their server, while another member stays.
#[tokio::test(flavor = "multi_thread")]
async fn moderators_remove_a_post_and_a_member() {
    let (a, b) = tokio::join!(TestApp::spawn(), TestApp::spawn());
    let mo = a.create_user("mo").await.account;
    let carol = a.create_user("carol").await.account;
    let group = groups::create(
        &a.pool,
        NewGroup {
            name: "year5maths".into(),
            open: true,
            creator: Some(mo.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (bob, erin) = (
        b.create_user("bob").await.account,
        b.create_user("erin").await.account,
    );
    let (mo_token, carol_token, bob_token, erin_token) = (
        api::token(&a, "mo").await,
        api::token(&a, "carol").await,
        api::token(&b, "bob").await,
        api::token(&b, "erin").await,
    );
    let group_on_b = fetch::webfinger(&b.ctx, "year5maths", &a.domain)
        .await
        .unwrap();
    follows::follow(&a.ctx, &carol, &group).await.unwrap();
    for teacher in [&bob, &erin] {
        follows::follow(&b.ctx, teacher, &group_on_b).await.unwrap();
    }
    eventually(WAIT, "bob and erin are members", || async {
        let mut conn = b.pool.get().await.unwrap();
        let mut both = true;
        for teacher in [&bob, &erin] {
            both &= Follow::find(&mut conn, teacher.id, group_on_b.id)
                .await
                .unwrap()
                .is_some_and(|f| f.accepted);
        }
        both
    })
    .await;

    // bob posts to the group twice; carol here and erin there see both as the group's boosts.
    let handle = format!("@year5maths@{}", a.domain);
    let unwanted = api::status(
        &b,
        &bob_token,
        &format!("{handle} Here are the pupils' names and marks"),
        "public",
    )
    .await;
    api::status(
        &b,
        &bob_token,
        &format!("{handle} Fractions worksheet for Monday"),
        "public",
    )
    .await;
    let boosted = |timeline: &[Value], words: &str| {
        timeline
            .iter()
            .find(|s| {
                s["account"]["username"] == json!("year5maths")
                    && s["reblog"]["content"]
                        .as_str()
                        .is_some_and(|c| c.contains(words))
            })
            .cloned()
    };
    let in_carols = eventually(WAIT, "carol sees both of bob's posts", || async {
        let timeline = home(&a, &carol_token).await;
        boosted(&timeline, "Fractions worksheet").and(boosted(&timeline, "names and marks"))
    })
    .await;
    eventually(WAIT, "erin sees both of bob's posts", || async {
        let timeline = home(&b, &erin_token).await;
        boosted(&timeline, "Fractions worksheet").is_some()
            && boosted(&timeline, "names and marks").is_some()
    })
    .await;

    // carol does not moderate: she cannot remove it. mo removes it (by the boost carol sees).
    let path = format!(
        "/api/v1/groups/{}/statuses/{}/remove",
        group.id,
        in_carols["id"].as_str().unwrap()
    );
    assert_eq!(api::post(&a, &path, &carol_token, &[]).await.status, 403);
    let ok = api::post(&a, &path, &mo_token, &[("reason", "Pupils' data")]).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    eventually(
        WAIT,
        "the removed post left carol's and erin's home; the other stayed",
        || async {
            let (here, there) = (home(&a, &carol_token).await, home(&b, &erin_token).await);
            boosted(&here, "names and marks").is_none()
                && boosted(&there, "names and marks").is_none()
                && boosted(&here, "Fractions worksheet").is_some()
                && boosted(&there, "Fractions worksheet").is_some()
        },
    )
    .await;
    // bob's post is still his own, on his server.
    assert!(
        status(&b, &bob_token, unwanted["id"].as_str().unwrap()).await["content"]
            .as_str()
            .unwrap()
            .contains("names and marks")
    );
    // On the group's server, another server's post removed from the group is gone.
    assert_eq!(
        api::get(
            &a,
            &format!(
                "/api/v1/statuses/{}",
                in_carols["reblog"]["id"].as_str().unwrap()
            ),
            Some(&carol_token)
        )
        .await
        .status,
        404
    );

    // mo removes bob from the group: his server's follow ends; erin stays a member.
    let bob_here = in_carols["reblog"]["account"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ok = api::post(
        &a,
        &format!("/api/v1/groups/{}/members/{bob_here}/remove", group.id),
        &mo_token,
        &[],
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    eventually(WAIT, "bob is no longer a member on his server", || async {
        let mut conn = b.pool.get().await.unwrap();
        Follow::find(&mut conn, bob.id, group_on_b.id)
            .await
            .unwrap()
            .is_none()
    })
    .await;
    let mut conn = b.pool.get().await.unwrap();
    assert!(
        Follow::find(&mut conn, erin.id, group_on_b.id)
            .await
            .unwrap()
            .is_some_and(|f| f.accepted),
        "erin is still a member"
    );
}

/// What a group relays, as a member's server receives it: the boost Mastodon shows
/// and the announced `Create` Lemmy reads (FEP-1b12), addressed to everyone by an
/// ordinary group and to its members alone by a members-only one.
#[tokio::test(flavor = "multi_thread")]
async fn a_group_announces_the_create_and_a_members_only_group_addresses_its_members_alone() {
    let app = TestApp::spawn().await;
    let carol = app.create_user("carol").await.account;
    let carol_token = api::token(&app, "carol").await;
    let open = |name: &str, members_only: bool| NewGroup {
        name: name.into(),
        open: true,
        members_only,
        ..Default::default()
    };
    let staffroom = groups::create(&app.pool, open("staffroom", false))
        .await
        .unwrap();
    let safeguarding = groups::create(&app.pool, open("safeguarding", true))
        .await
        .unwrap();
    // lena, on another server, joins both; carol joins both here.
    let lena = remote::start("lena");
    for group in [&staffroom, &safeguarding] {
        let follow = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{}#follows/{}", lena.id(), group.username),
            "type": "Follow",
            "actor": lena.id(),
            "object": app.ctx.urls.actor(&group.username),
        });
        let res = lena
            .signed_post(
                &app.client,
                &format!("{}/inbox", app.address),
                &follow.to_string(),
                Utc::now(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 202);
        follows::follow(&app.ctx, &carol, group).await.unwrap();
    }
    api::status(
        &app,
        &carol_token,
        "@staffroom Staff meeting moved to Thursday",
        "public",
    )
    .await;
    api::status(
        &app,
        &carol_token,
        "@safeguarding New referral procedure",
        "public",
    )
    .await;

    let announces = |words: &'static str| {
        let posts = lena.posts.clone();
        move || {
            let posts = posts.clone();
            async move {
                let all: Vec<Value> = posts
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(_, v)| v.clone())
                    .filter(|v| v["type"] == "Announce")
                    .collect();
                let create = all
                    .iter()
                    .find(|v| {
                        v["object"]["type"] == "Create"
                            && v["object"]["object"]["content"]
                                .as_str()
                                .is_some_and(|c| c.contains(words))
                    })?
                    .clone();
                let note = create["object"]["object"]["id"].as_str()?.to_string();
                let boost = all.iter().find(|v| v["object"] == json!(note))?.clone();
                Some((create, boost))
            }
        }
    };
    let public = PUBLIC_ADDRESS;
    let (create, boost) = eventually(
        WAIT,
        "lena got the staffroom group's Announce{Create} and boost",
        announces("Staff meeting moved"),
    )
    .await;
    for activity in [&create, &boost] {
        assert_eq!(activity["actor"], json!(app.ctx.urls.actor("staffroom")));
        assert_eq!(
            activity["to"],
            json!([public]),
            "an ordinary group relays to everyone: {activity}"
        );
    }
    assert_eq!(
        create["object"]["actor"],
        json!(app.ctx.urls.actor("carol")),
        "the Create is carol's own"
    );
    let (create, boost) = eventually(
        WAIT,
        "lena got the safeguarding group's Announce{Create} and boost",
        announces("New referral procedure"),
    )
    .await;
    let followers = app.ctx.urls.followers("safeguarding");
    for activity in [&create, &boost] {
        assert_eq!(
            activity["to"],
            json!([followers]),
            "a members-only group relays to its members: {activity}"
        );
        assert!(
            !activity["cc"].as_array().unwrap().contains(&json!(public)),
            "never Public: {activity}"
        );
    }
    // carol, a member here, sees the members-only group's boost too.
    eventually(
        WAIT,
        "carol sees the safeguarding group's boost",
        || async {
            home(&app, &carol_token).await.iter().any(|s| {
                s["account"]["username"] == json!("safeguarding")
                    && s["reblog"]["content"]
                        .as_str()
                        .is_some_and(|c| c.contains("referral"))
            })
        },
    )
    .await;
}
