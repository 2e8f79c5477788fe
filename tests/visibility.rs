//! Who may see what, asked of every read path at once: the client API (a post,
//! its thread, search, an account's posts, the timelines, notifications,
//! bookmarks, favourites), the web page, and what other servers fetch (the post,
//! the outbox, a post's replies), signed and unsigned. One table of viewers ×
//! visibilities says what each should see; every path must agree with it
//! (services::visibility states the rule).

mod common;

use chrono::Utc;
use common::{api, remote, TestApp};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Author,
    Follower,
    PendingFollower,
    Mentioned,
    /// Mentioned, then blocked by the author.
    Blocked,
    /// Mentioned, then blocked the author.
    Blocking,
    Stranger,
    /// A remote server fetching, signed by an actor that follows the author.
    RemoteFollower,
    /// A remote server fetching, signed by an actor with no tie to the author.
    RemoteNobody,
}
use Who::*;

const ALL: [Who; 10] = [
    Anonymous,
    Author,
    Follower,
    PendingFollower,
    Mentioned,
    Blocked,
    Blocking,
    Stranger,
    RemoteFollower,
    RemoteNobody,
];
const LOCAL: [Who; 7] = [
    Author,
    Follower,
    PendingFollower,
    Mentioned,
    Blocked,
    Blocking,
    Stranger,
];
const VISIBILITIES: [&str; 4] = ["public", "unlisted", "private", "direct"];

/// Where the author stands with the moderators (services::moderation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Standing {
    Normal,
    /// Silenced: her posts reach only her followers (and whom she mentions).
    Limited,
    /// Suspended: nobody sees her posts (and she cannot sign in).
    Suspended,
}

/// The rule, as a teacher would state it.
fn may_see(standing: Standing, who: Who, visibility: &str) -> bool {
    if standing == Standing::Suspended {
        return false;
    }
    match who {
        Author | Mentioned => true,
        Blocked | Blocking => false,
        Follower | RemoteFollower => visibility != "direct",
        Anonymous | PendingFollower | Stranger | RemoteNobody => {
            standing == Standing::Normal && matches!(visibility, "public" | "unlisted")
        }
    }
}

fn local_name(who: Who) -> &'static str {
    match who {
        Author => "alice",
        Follower => "fran",
        PendingFollower => "penny",
        Mentioned => "mia",
        Blocked => "bo",
        Blocking => "bea",
        Stranger => "stan",
        _ => unreachable!("{who:?} is not a local account"),
    }
}

struct World {
    app: TestApp,
    tokens: Vec<(Who, String)>,
    remote_follower: remote::RemoteActor,
    remote_nobody: remote::RemoteActor,
    alice_id: String,
    root: String,
    /// (visibility, API id, ActivityPub id) of each post under test.
    posts: Vec<(&'static str, String, String)>,
}

impl World {
    fn token(&self, who: Who) -> &str {
        &self.tokens.iter().find(|(w, _)| *w == who).unwrap().1
    }

    /// A GET as `who`: an API token for local accounts, a signed fetch for remote
    /// ones, nothing for the anonymous.
    async fn get(&self, who: Who, path: &str, accept: Option<&str>) -> (u16, Value, String) {
        let url = format!("{}{path}", self.app.address);
        let req = match who {
            RemoteFollower => signed_get(&self.app.client, &url, &self.remote_follower),
            RemoteNobody => signed_get(&self.app.client, &url, &self.remote_nobody),
            Anonymous => self.app.client.get(&url),
            local => self.app.client.get(&url).bearer_auth(self.token(local)),
        };
        let req = match accept {
            Some(a) => req.header("Accept", a),
            None => req,
        };
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::Null),
            text,
        )
    }

    /// The ids of a list the API answers `who` with; anything but 200 fails the test.
    async fn list(
        &self,
        who: Who,
        path: &str,
        key: impl Fn(&Value) -> Option<String>,
    ) -> Vec<String> {
        let (status, body, text) = self.get(who, path, None).await;
        assert_eq!(status, 200, "{who:?} GET {path}: {text}");
        body.as_array()
            .unwrap_or_else(|| panic!("{who:?} GET {path}: a list, not {text}"))
            .iter()
            .filter_map(key)
            .collect()
    }
}

fn id_of(v: &Value) -> Option<String> {
    v["id"].as_str().map(str::to_string)
}

/// A GET signed by `actor` as Mastodon signs fetches (draft-cavage).
fn signed_get(
    client: &reqwest::Client,
    url: &str,
    actor: &remote::RemoteActor,
) -> reqwest::RequestBuilder {
    use staffroom::federation::signatures;
    let parsed = url::Url::parse(url).unwrap();
    let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
    let date = signatures::http_date(Utc::now());
    let target = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    };
    let signature = signatures::sign(
        &actor.key,
        &actor.key_id(),
        "GET",
        &target,
        &[("host", &host), ("date", &date)],
    )
    .unwrap();
    client
        .get(url)
        .header("Date", date)
        .header("Signature", signature)
}

async fn deliver(app: &TestApp, actor: &remote::RemoteActor, activity: Value) {
    let res = actor
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &activity.to_string(),
            Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success(),
        "inbox answered {}: {}",
        res.status(),
        res.text().await.unwrap_or_default()
    );
}

async fn account_id(app: &TestApp, token: &str, acct: &str) -> String {
    let a = api::get(
        app,
        &format!("/api/v1/accounts/lookup?acct={acct}"),
        Some(token),
    )
    .await;
    assert_eq!(a.status, 200, "lookup {acct}: {}", a.body);
    a.body["id"].as_str().unwrap().to_string()
}

async fn world(standing: Standing) -> World {
    let app = TestApp::spawn().await;
    let mut tokens = Vec::new();
    for who in LOCAL {
        app.create_user(local_name(who)).await;
        tokens.push((who, api::token(&app, local_name(who)).await));
    }
    let token = |who: Who| tokens.iter().find(|(w, _)| *w == who).unwrap().1.clone();
    let alice = token(Author);
    let alice_id = account_id(&app, &alice, "alice").await;
    let res = app
        .client
        .patch(format!(
            "{}/api/v1/accounts/update_credentials",
            app.address
        ))
        .bearer_auth(&alice)
        .form(&[("locked", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Followers (approved) and a request left waiting.
    for who in [Follower, PendingFollower] {
        let a = api::post(
            &app,
            &format!("/api/v1/accounts/{alice_id}/follow"),
            &token(who),
            &[],
        )
        .await;
        assert_eq!(a.body["requested"], true, "{who:?}: {}", a.body);
    }
    let remote_follower = remote::start("rfollower");
    let remote_nobody = remote::start("rnobody");
    let alice_uri = format!("{}/users/alice", app.address);
    deliver(&app, &remote_follower, json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follow", remote_follower.id()), "type": "Follow", "actor": remote_follower.id(), "object": alice_uri,
    }))
    .await;
    let requests = api::get(&app, "/api/v1/follow_requests", Some(&alice)).await;
    assert_eq!(
        requests.body.as_array().map(Vec::len),
        Some(3),
        "three requests wait: {}",
        requests.body
    );
    for request in requests.body.as_array().unwrap() {
        if request["acct"] != "penny" {
            let a = api::post(
                &app,
                &format!(
                    "/api/v1/follow_requests/{}/authorize",
                    request["id"].as_str().unwrap()
                ),
                &alice,
                &[],
            )
            .await;
            assert_eq!(a.status, 200, "{}", a.body);
        }
    }

    let root = api::status(&app, &alice, "What do you use for exit tickets?", "public").await;
    let root_id = root["id"].as_str().unwrap().to_string();
    let mut posts = Vec::new();
    for visibility in VISIBILITIES {
        let text = format!("@mia @bo @bea my {visibility} answer #matrix");
        let a = api::post(
            &app,
            "/api/v1/statuses",
            &alice,
            &[
                ("status", &text),
                ("visibility", visibility),
                ("in_reply_to_id", &root_id),
            ],
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(
            a.body["mentions"].as_array().map(Vec::len),
            Some(3),
            "{}",
            a.body
        );
        posts.push((
            visibility,
            a.body["id"].as_str().unwrap().to_string(),
            a.body["uri"].as_str().unwrap().to_string(),
        ));
    }

    // Every local account bookmarked and favourited every post while it could
    // (rows as those actions leave them), before the blocks below.
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.pool.get().await.unwrap();
        for who in LOCAL {
            let viewer = account_id(&app, &alice, local_name(who)).await;
            for (_, id, _) in &posts {
                for table in ["bookmarks", "favourites"] {
                    diesel::sql_query(format!(
                        "INSERT INTO {table} (id, account_id, status_id) VALUES ({}, {viewer}, {id})",
                        staffroom::db::new_id()
                    ))
                    .execute(&mut conn)
                    .await
                    .unwrap();
                }
            }
        }
    }

    let bo_id = account_id(&app, &alice, "bo").await;
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/accounts/{bo_id}/block"),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/accounts/{alice_id}/block"),
            &token(Blocking),
            &[]
        )
        .await
        .status,
        200
    );

    let action = match standing {
        Standing::Normal => None,
        Standing::Limited => Some(staffroom::services::moderation::AccountAction::Silence),
        Standing::Suspended => Some(staffroom::services::moderation::AccountAction::Suspend),
    };
    if let Some(action) = action {
        let acting = staffroom::services::roles::Acting::command_line();
        let account = staffroom::services::accounts::find_local_account(&app.pool, "alice")
            .await
            .unwrap();
        staffroom::services::moderation::act(&app.ctx, &acting, &account, action, None, "test")
            .await
            .unwrap();
    }

    World {
        app,
        tokens,
        remote_follower,
        remote_nobody,
        alice_id,
        root: root_id,
        posts,
    }
}

/// Whether `ids` (what a path showed) holds the post, and that it is what the rule says.
fn check(
    path: &str,
    who: Who,
    visibility: &str,
    shown: bool,
    expected: bool,
    failures: &mut Vec<String>,
) {
    if shown != expected {
        failures.push(format!(
            "{path}: {who:?} {} a {visibility} post",
            if shown { "sees" } else { "does not see" }
        ));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_read_path_agrees_with_the_rule() {
    every_read_path_agrees(Standing::Normal).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_limited_authors_posts_reach_only_her_followers_on_every_path() {
    every_read_path_agrees(Standing::Limited).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suspended_authors_posts_are_hidden_on_every_path() {
    every_read_path_agrees(Standing::Suspended).await;
}

async fn every_read_path_agrees(standing: Standing) {
    let w = world(standing).await;
    let may_see = |who: Who, visibility: &str| may_see(standing, who, visibility);
    let mut failures = Vec::new();
    let mut checked = 0;
    let activity_json = Some("application/activity+json");

    // A suspended author's own token opens nothing; the others are what is checked.
    for who in ALL
        .into_iter()
        .filter(|w| standing != Standing::Suspended || *w != Author)
    {
        let local = LOCAL.contains(&who);
        let remote = matches!(who, RemoteFollower | RemoteNobody);

        // Lists fetched once per viewer.
        let mut lists: Vec<(&str, Vec<String>, Box<dyn Fn(&str) -> bool>)> = Vec::new();
        if local || who == Anonymous {
            let account = w
                .list(
                    who,
                    &format!("/api/v1/accounts/{}/statuses", w.alice_id),
                    id_of,
                )
                .await;
            lists.push(("account statuses", account, Box::new(|_| true)));
            let public = w.list(who, "/api/v1/timelines/public", id_of).await;
            lists.push(("public timeline", public, Box::new(|v| v == "public")));
            let tag = w.list(who, "/api/v1/timelines/tag/matrix", id_of).await;
            lists.push(("hashtag timeline", tag, Box::new(|v| v == "public")));
        }
        if local {
            let in_home = matches!(who, Author | Follower | Mentioned | Blocked | Blocking);
            lists.push((
                "home timeline",
                w.list(who, "/api/v1/timelines/home", id_of).await,
                Box::new(move |_| in_home),
            ));
            let mentioned = matches!(who, Mentioned | Blocked | Blocking);
            let notified = w
                .list(who, "/api/v1/notifications?types[]=mention", |n| {
                    n["status"]["id"].as_str().map(str::to_string)
                })
                .await;
            lists.push(("notifications", notified, Box::new(move |_| mentioned)));
            lists.push((
                "bookmarks",
                w.list(who, "/api/v1/bookmarks", id_of).await,
                Box::new(|_| true),
            ));
            lists.push((
                "favourites",
                w.list(who, "/api/v1/favourites", id_of).await,
                Box::new(|_| true),
            ));
            let (status, body, text) = w
                .get(who, &format!("/api/v1/statuses/{}/context", w.root), None)
                .await;
            // The thread's root is public and mentions nobody: only those who may not see
            // alice's public posts get 404 (mia is mentioned in the replies only).
            let sees_root = may_see(if who == Mentioned { Stranger } else { who }, "public");
            let descendants = if sees_root {
                assert_eq!(status, 200, "{who:?} context: {text}");
                body["descendants"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(id_of)
                    .collect()
            } else {
                assert_eq!(status, 404, "{who:?} context: {text}");
                Vec::new()
            };
            // Replies are read in a thread only through a root one may see.
            lists.push((
                "thread (context)",
                descendants,
                Box::new(move |_| sees_root),
            ));
        }
        let mut ap_lists: Vec<(&str, Vec<String>)> = Vec::new();
        if remote || who == Anonymous {
            let (status, body, text) = w
                .get(who, "/users/alice/outbox?page=true", activity_json)
                .await;
            assert_eq!(status, 200, "{who:?} outbox: {text}");
            let items = body["orderedItems"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a["object"]["id"].as_str().map(str::to_string))
                .collect();
            ap_lists.push(("outbox", items));
            let (status, body, text) = w
                .get(
                    who,
                    &format!("/users/alice/statuses/{}/replies?page=true", w.root),
                    activity_json,
                )
                .await;
            // The replies of a post one may not see are not served either.
            let items = if may_see(who, "public") {
                assert_eq!(status, 200, "{who:?} replies: {text}");
                body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect()
            } else {
                assert_eq!(status, 404, "{who:?} replies: {text}");
                Vec::new()
            };
            ap_lists.push(("replies collection", items));
        }

        for (visibility, id, uri) in &w.posts {
            let expected = may_see(who, visibility);
            for (path, ids, applies) in &lists {
                check(
                    path,
                    who,
                    visibility,
                    ids.contains(id),
                    expected && applies(visibility),
                    &mut failures,
                );
                checked += 1;
            }
            for (path, uris) in &ap_lists {
                check(
                    path,
                    who,
                    visibility,
                    uris.contains(uri),
                    expected,
                    &mut failures,
                );
                checked += 1;
            }
            if local {
                let (status, body, text) =
                    w.get(who, &format!("/api/v1/statuses/{id}"), None).await;
                assert!(
                    status == 200 || status == 404,
                    "{who:?} GET status: {status} {text}"
                );
                check(
                    "GET /api/v1/statuses/:id",
                    who,
                    visibility,
                    status == 200 && body["id"] == id.as_str(),
                    expected,
                    &mut failures,
                );
                let (status, body, text) = w
                    .get(who, &format!("/api/v2/search?q={}", urlencode(uri)), None)
                    .await;
                assert_eq!(status, 200, "{who:?} search: {text}");
                let found = body["statuses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| s["id"] == id.as_str());
                check(
                    "search by URL",
                    who,
                    visibility,
                    found,
                    expected,
                    &mut failures,
                );
                checked += 2;
            }
            if who == Anonymous {
                let (status, _, text) = w
                    .get(who, &format!("/@alice/{id}"), Some("text/html"))
                    .await;
                assert!(status == 200 || status == 404, "post page: {status} {text}");
                check(
                    "web page",
                    who,
                    visibility,
                    status == 200 && text.contains(&format!("my {visibility} answer")),
                    expected,
                    &mut failures,
                );
                checked += 1;
            }
            if remote || who == Anonymous {
                let (status, body, text) = w
                    .get(who, &format!("/users/alice/statuses/{id}"), activity_json)
                    .await;
                assert!(
                    status == 200 || status == 404,
                    "{who:?} object fetch: {status} {text}"
                );
                check(
                    "ActivityPub object",
                    who,
                    visibility,
                    status == 200 && body["id"] == uri.as_str(),
                    expected,
                    &mut failures,
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "only {checked} checks ran");
    assert!(
        failures.is_empty(),
        "{standing:?}: {} of {checked} checks disagree with the rule:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The bug: a search by URL showed a stored remote followers-only or direct post to
/// any signed-in account.
#[tokio::test(flavor = "multi_thread")]
async fn search_by_url_shows_a_remote_private_post_only_to_those_it_was_for() {
    let app = TestApp::spawn().await;
    app.create_user("fan").await;
    app.create_user("stan").await;
    let fan = api::token(&app, "fan").await;
    let stan = api::token(&app, "stan").await;
    let poster = remote::start("poster");
    let fan_uri = format!("{}/users/fan", app.address);
    // fan follows the remote poster, whose server accepts.
    let found = api::get(
        &app,
        &format!("/api/v2/search?q={}&resolve=true", urlencode(&poster.id())),
        Some(&fan),
    )
    .await;
    let poster_id = found.body["accounts"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("poster resolved: {}", found.body))
        .to_string();
    let followed = api::post(
        &app,
        &format!("/api/v1/accounts/{poster_id}/follow"),
        &fan,
        &[],
    )
    .await;
    assert_eq!(followed.status, 200, "{}", followed.body);
    let follow_uri = {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Uri {
            #[diesel(sql_type = diesel::sql_types::Text)]
            uri: String,
        }
        let mut conn = app.pool.get().await.unwrap();
        diesel::sql_query("SELECT uri FROM follows")
            .get_result::<Uri>(&mut conn)
            .await
            .unwrap()
            .uri
    };
    deliver(&app, &poster, json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#accept", poster.id()), "type": "Accept", "actor": poster.id(),
        "object": { "id": follow_uri, "type": "Follow", "actor": fan_uri, "object": poster.id() },
    }))
    .await;

    let mut notes = Vec::new();
    for (name, to) in [
        ("private", format!("{}/followers", poster.id())),
        ("direct", fan_uri.clone()),
    ] {
        let note_id = format!("{}/notes/{name}", poster.id());
        let mut tag = json!([]);
        if name == "direct" {
            tag = json!([{ "type": "Mention", "href": fan_uri, "name": "@fan" }]);
        }
        deliver(&app, &poster, json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note_id}/activity"), "type": "Create", "actor": poster.id(), "to": [to], "cc": [],
            "object": { "id": note_id, "type": "Note", "attributedTo": poster.id(), "to": [to], "cc": [],
                        "content": format!("<p>my {name} note</p>"), "published": "2026-12-01T10:00:00Z", "tag": tag },
        }))
        .await;
        notes.push(note_id);
    }
    for note in &notes {
        let path = format!("/api/v2/search?q={}", urlencode(note));
        let seen = api::get(&app, &path, Some(&fan)).await;
        assert_eq!(seen.status, 200);
        assert_eq!(
            seen.body["statuses"].as_array().map(Vec::len),
            Some(1),
            "the one it was for finds {note}: {}",
            seen.body
        );
        let hidden = api::get(&app, &path, Some(&stan)).await;
        assert_eq!(hidden.status, 200);
        assert_eq!(
            hidden.body["statuses"],
            json!([]),
            "a stranger does not find {note}"
        );
        let resolved = api::get(&app, &format!("{path}&resolve=true"), Some(&stan)).await;
        assert_eq!(
            resolved.body["statuses"],
            json!([]),
            "nor by resolving it: {}",
            resolved.body
        );
    }
}

/// The bug: `GET /api/v1/statuses/:id` showed a post to an account its author
/// blocks, while the account's timeline hid it. Both hide it now; another account
/// still sees both.
#[tokio::test(flavor = "multi_thread")]
async fn a_post_is_hidden_from_an_account_its_author_blocks_on_every_path() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bo").await;
    app.create_user("stan").await;
    let alice = api::token(&app, "alice").await;
    let bo = api::token(&app, "bo").await;
    let stan = api::token(&app, "stan").await;
    let post = api::status(&app, &alice, "Public thoughts on marking", "public").await;
    let id = post["id"].as_str().unwrap();
    let bo_id = account_id(&app, &alice, "bo").await;
    let alice_id = post["account"]["id"].as_str().unwrap();
    assert_eq!(
        api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&bo))
            .await
            .status,
        200,
        "visible before the block"
    );
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/accounts/{bo_id}/block"),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    for (token, seen) in [(&bo, false), (&stan, true)] {
        let single = api::get(&app, &format!("/api/v1/statuses/{id}"), Some(token)).await;
        assert_eq!(single.status == 200, seen, "GET status: {}", single.body);
        let listed = api::get(
            &app,
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(token),
        )
        .await;
        assert_eq!(listed.status, 200);
        assert_eq!(
            listed.ids().contains(&id.to_string()),
            seen,
            "account statuses: {}",
            listed.body
        );
    }
}

/// The bug: our notes advertise `{id}/replies`, which answered 404. It now pages
/// through the replies the fetching server may see.
#[tokio::test(flavor = "multi_thread")]
async fn the_replies_collection_our_notes_advertise_is_served() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let root = api::status(&app, &alice, "Homework: yes or no?", "public").await;
    let root_id = root["id"].as_str().unwrap();
    let mut replies = Vec::new();
    for i in 0..23 {
        let a = api::post(
            &app,
            "/api/v1/statuses",
            &bob,
            &[
                ("status", &format!("reply {i}")),
                ("in_reply_to_id", root_id),
                ("visibility", "public"),
            ],
        )
        .await;
        assert_eq!(a.status, 200, "{}", a.body);
        replies.push(a.body["uri"].as_str().unwrap().to_string());
    }
    let private = api::post(
        &app,
        "/api/v1/statuses",
        &bob,
        &[
            ("status", "just for my followers"),
            ("in_reply_to_id", root_id),
            ("visibility", "private"),
        ],
    )
    .await;
    let private_uri = private.body["uri"].as_str().unwrap().to_string();

    let note = app
        .get(
            &format!("/users/alice/statuses/{root_id}"),
            Some("application/activity+json"),
        )
        .await;
    let note: Value = note.json().await.unwrap();
    let collection_url = note["replies"]["id"].as_str().unwrap().to_string();
    let res = app
        .client
        .get(&collection_url)
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let collection: Value = res.json().await.unwrap();
    assert_eq!(collection["totalItems"], 23, "{collection}");
    let mut next = collection["first"].as_str().map(str::to_string);
    let mut seen = Vec::new();
    while let Some(url) = next {
        let page: Value = app
            .client
            .get(&url)
            .header("Accept", "application/activity+json")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(page["type"], "CollectionPage");
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_string()),
        );
        next = page["next"].as_str().map(str::to_string);
        assert!(seen.len() <= 23, "pages end");
    }
    assert_eq!(
        seen, replies,
        "every public reply, oldest first, over two pages"
    );
    assert!(
        !seen.contains(&private_uri),
        "the followers-only reply is not shown to an unsigned fetch"
    );
}

/// The bug: accounts embedded in statuses and notifications carried zero counts.
#[tokio::test(flavor = "multi_thread")]
async fn accounts_inside_statuses_and_notifications_carry_their_counts() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let alice_id = account_id(&app, &bob, "alice").await;
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/accounts/{alice_id}/follow"),
            &bob,
            &[]
        )
        .await
        .status,
        200
    );
    api::status(&app, &alice, "First post", "public").await;
    let second = api::status(&app, &alice, "Second post @bob", "public").await;
    let shown = api::get(
        &app,
        &format!("/api/v1/statuses/{}", second["id"].as_str().unwrap()),
        Some(&bob),
    )
    .await;
    assert_eq!(
        shown.body["account"]["followers_count"], 1,
        "{}",
        shown.body
    );
    assert_eq!(shown.body["account"]["statuses_count"], 2);
    assert_eq!(shown.body["account"]["following_count"], 0);
    let home = api::get(&app, "/api/v1/timelines/home", Some(&bob)).await;
    assert_eq!(
        home.body[0]["account"]["statuses_count"], 2,
        "{}",
        home.body
    );
    let notifications = api::get(&app, "/api/v1/notifications", Some(&bob)).await;
    let mention = notifications
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "mention")
        .expect("a mention");
    assert_eq!(mention["account"]["followers_count"], 1, "{mention}");
    assert_eq!(mention["status"]["account"]["statuses_count"], 2);
    let alice_notes = api::get(&app, "/api/v1/notifications", Some(&alice)).await;
    let follow = alice_notes
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "follow")
        .expect("a follow");
    assert_eq!(follow["account"]["following_count"], 1, "{follow}");
}

/// Posts of accounts on a server we block are hidden from everyone, including those
/// stored before the block, and come back when it is lifted; other servers' are not
/// touched.
#[tokio::test(flavor = "multi_thread")]
async fn a_domain_block_hides_what_that_server_sent_before() {
    let app = TestApp::spawn().await;
    app.create_user("fan").await;
    let fan = api::token(&app, "fan").await;
    let fan_uri = format!("{}/users/fan", app.address);
    let blocked = remote::start_on("127.0.0.2", "spammy");
    let fine = remote::start_on("127.0.0.1", "fine");
    let mut ids = Vec::new();
    for actor in [&blocked, &fine] {
        let note_id = format!("{}/notes/1", actor.id());
        deliver(
            &app,
            actor,
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{note_id}/activity"), "type": "Create", "actor": actor.id(),
                "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [fan_uri],
                "object": { "id": note_id, "type": "Note", "attributedTo": actor.id(),
                            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [fan_uri],
                            "content": "<p>@fan hello</p>", "published": "2026-12-01T10:00:00Z",
                            "tag": [{ "type": "Mention", "href": fan_uri, "name": "@fan" }] },
            }),
        )
        .await;
        let found = api::get(
            &app,
            &format!("/api/v2/search?q={}", urlencode(&note_id)),
            Some(&fan),
        )
        .await;
        let id = found.body["statuses"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{note_id} stored and shown: {}", found.body))
            .to_string();
        ids.push((
            id,
            found.body["statuses"][0]["account"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        ));
    }
    let shown = |ids: Vec<String>| ids;
    let seen = async |id: &str| {
        api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&fan))
            .await
            .status
            == 200
    };
    let home = async || {
        shown(
            api::get(&app, "/api/v1/timelines/home", Some(&fan))
                .await
                .ids(),
        )
    };

    staffroom::federation::domains::block(&app.pool, "127.0.0.2")
        .await
        .unwrap();
    let (spam, spam_account) = &ids[0];
    let (other, _) = &ids[1];
    assert!(!seen(spam).await, "the blocked server's post is hidden");
    assert!(seen(other).await, "another server's post is still shown");
    assert_eq!(
        home().await,
        vec![other.clone()],
        "home shows only the other server's post"
    );
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/accounts/{spam_account}"),
            Some(&fan)
        )
        .await
        .status,
        404,
        "nor its account"
    );

    staffroom::federation::domains::unblock(&app.pool, "127.0.0.2")
        .await
        .unwrap();
    assert!(seen(spam).await, "shown again once the block is lifted");
    assert_eq!(home().await.len(), 2);
}
