//! Relays (FEP-ae0c) with activityrelay, the relay many Mastodon instances use
//! (PyPI's `activityrelay` 0.3.5, installed by tests/relays/setup.sh), and two
//! Staffroom instances that never talk to each other directly. Everything speaks
//! https on port 443 under real host names (/etc/hosts), through a TLS terminator
//! with a test CA (tests/common/tls.rs) that Staffroom trusts through
//! `STAFFROOM_EXTRA_CA_FILE` and activityrelay through `SSL_CERT_FILE`.

mod common;

use common::{
    browser::{csrf_of, set_cookie},
    eventually, free_port,
    relay::ActivityRelay,
    staffroom_command,
    tls::TestCa,
    ServeProcess, TestDb,
};
use serde_json::{json, Value};
use std::{collections::HashMap, time::Duration};

const WAIT: Duration = Duration::from_secs(90);

/// One Staffroom instance at `https://DOMAIN`, served on a loopback port behind the
/// terminator, in production mode (https ids, the guarded client).
struct Site {
    _db: TestDb,
    domain: String,
    vars: Vec<(String, String)>,
    node: ServeProcess,
    port: u16,
    _data: tempfile::TempDir,
}

impl Site {
    async fn start(domain: &str, ca: &TestCa, internal_hosts: &str) -> Site {
        let db = TestDb::new().await;
        let port = free_port();
        let data = tempfile::tempdir().unwrap();
        let vars: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), db.url.clone()),
            ("STAFFROOM_DOMAIN".into(), domain.into()),
            ("STAFFROOM_DB_POOL_SIZE".into(), "4".into()),
            (
                "STAFFROOM_EXTRA_CA_FILE".into(),
                ca.ca_file.to_str().unwrap().into(),
            ),
            ("STAFFROOM_INTERNAL_HOSTS".into(), internal_hosts.into()),
            (
                "STAFFROOM_DATA_DIR".into(),
                data.path().to_str().unwrap().into(),
            ),
        ];
        let mut cmd = staffroom_command(&[]);
        cmd.envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("STAFFROOM_BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info,staffroom=debug")
            .arg("serve");
        let node = ServeProcess::start(cmd);
        Site {
            _db: db,
            domain: domain.into(),
            vars,
            node,
            port,
            _data: data,
        }
    }

    fn command(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = staffroom_command(&[]);
        cmd.envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .args(args);
        cmd.output().unwrap()
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = self.command(args);
        assert!(
            out.status.success(),
            "staffroom {args:?} on {}: {}",
            self.domain,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn teacher(&self, name: &str) -> String {
        self.cli(&["user", "add", name]);
        self.cli(&["token", "create", name]).trim().to_string()
    }

    /// A web session of the local account `name` (its password reset to sign in).
    async fn web_session(&self, name: &str) -> String {
        let password = self
            .cli(&["user", "reset-password", name])
            .trim()
            .to_string();
        let client = no_redirects();
        let page = client
            .get(format!("{}/auth/sign_in", self.node.address))
            .send()
            .await
            .unwrap();
        let cookie = set_cookie(&page, "staffroom_sign_in").expect("the sign-in form's cookie");
        let csrf = csrf_of(&page.text().await.unwrap());
        let res = client
            .post(format!("{}/auth/sign_in", self.node.address))
            .header("Cookie", cookie)
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", name),
                ("password", &password),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{name} signs in on {}", self.domain);
        set_cookie(&res, "staffroom_session").expect("a session")
    }

    /// A page as the session sees it: its status and HTML.
    async fn page(&self, session: &str, path: &str) -> (u16, String) {
        let res = no_redirects()
            .get(format!("{}{path}", self.node.address))
            .header("Cookie", session)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Sends a form of the page `path` as the session would, with its CSRF token.
    async fn submit(
        &self,
        session: &str,
        path: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let (status, html) = self.page(session, path).await;
        assert_eq!(status, 200, "{path} on {}: {html}", self.domain);
        let csrf = csrf_of(&html);
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        let res = no_redirects()
            .post(format!("{}{action}", self.node.address))
            .header("Cookie", session)
            .form(&form)
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    fn instance_actor(&self) -> String {
        format!("https://{}/actor", self.domain)
    }

    async fn post(&self, token: &str, text: &str) -> Value {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/statuses", self.node.address))
            .bearer_auth(token)
            .json(&json!({ "status": text, "visibility": "public" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "posting on {}", self.domain);
        res.json().await.unwrap()
    }

    /// The hashtag timeline as a teacher here reads it.
    async fn tag_timeline(&self, token: &str, tag: &str) -> Vec<Value> {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/timelines/tag/{tag}", self.node.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "the #{tag} timeline of {}", self.domain);
        res.json::<Vec<Value>>().await.unwrap()
    }

    /// The post whose text contains `text` in the #`tag` timeline, once it is there.
    async fn wait_for_post(&self, token: &str, tag: &str, text: &str) -> Value {
        eventually(
            WAIT,
            &format!("a post saying {text:?} is in #{tag} on {}", self.domain),
            || async {
                self.tag_timeline(token, tag)
                    .await
                    .into_iter()
                    .find(|s| s["content"].as_str().is_some_and(|c| c.contains(text)))
            },
        )
        .await
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Host names of test slot `n` (tests/relays/setup.sh puts them in /etc/hosts).
struct Names {
    relay: String,
    a: String,
    b: String,
    listen: std::net::SocketAddr,
}

fn names(slot: u8) -> Names {
    let names = Names {
        relay: format!("relay.relays{slot}.test"),
        a: format!("a.relays{slot}.test"),
        b: format!("b.relays{slot}.test"),
        listen: format!("127.77.{slot}.1:443").parse().unwrap(),
    };
    let resolved = std::net::ToSocketAddrs::to_socket_addrs(&(names.relay.as_str(), 443))
        .ok()
        .and_then(|mut a| a.next());
    assert_eq!(
        resolved.map(|a| a.ip()),
        Some(names.listen.ip()),
        "{} must resolve to {}: run tests/relays/setup.sh as root (scripts/test does)",
        names.relay,
        names.listen.ip()
    );
    names
}

/// What `staffroom relay list` says of the relay at `url`: its state.
fn state_of(site: &Site, url: &str) -> Option<String> {
    site.cli(&["relay", "list"])
        .lines()
        .find(|l| l.split_whitespace().next() == Some(url))
        .and_then(|l| l.split_whitespace().last().map(str::to_string))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_brings_posts_from_an_instance_we_never_talked_to_and_carries_ours() {
    let n = names(1);
    let ca = TestCa::new(&[&n.relay, &n.a, &n.b]);
    let relay = ActivityRelay::start(&n.relay, &ca.ca_file).await;
    let internal = format!("{},{},{}", n.relay, n.a, n.b);
    let a = Site::start(&n.a, &ca, &internal).await;
    let b = Site::start(&n.b, &ca, &internal).await;
    ca.terminate(
        n.listen,
        HashMap::from([
            (n.relay.clone(), relay.port),
            (n.a.clone(), a.port),
            (n.b.clone(), b.port),
        ]),
    )
    .await;

    // A's admin subscribes Mastodon-style (the relay's inbox) on the command line,
    // B's LitePub-style (its actor) on the admin pages.
    let added = a.cli(&["relay", "add", &relay.inbox()]);
    assert!(added.contains("mastodon-style"), "{added}");
    b.cli(&["user", "add", "bert"]);
    b.cli(&["user", "role", "bert", "admin"]);
    let bert = b.web_session("bert").await;
    let (status, _) = b
        .submit(
            &bert,
            "/admin/relays",
            "/admin/relays",
            &[("url", &relay.actor())],
        )
        .await;
    assert_eq!(status, 303, "the admin page adds the relay");
    eventually(WAIT, "both subscriptions are accepted", || async {
        state_of(&a, &relay.inbox()).as_deref() == Some("accepted")
            && state_of(&b, &relay.actor()).as_deref() == Some("accepted")
    })
    .await;
    let (_, html) = b.page(&bert, "/admin/relays").await;
    assert!(
        html.contains(&relay.actor()) && html.contains("litepub") && html.contains("accepted"),
        "the admin page shows the relay, its style and state: {html}"
    );
    let subscribers = relay.subscribers().await;
    assert!(
        subscribers.contains(&a.instance_actor()) && subscribers.contains(&b.instance_actor()),
        "the relay lists its subscribers as {subscribers:?}; its log:\n{}",
        relay.log()
    );

    // A teacher on B posts; nobody on A follows anyone on B, nor did A ever hear of B.
    let bea = b.teacher("bea");
    let ada = a.teacher("ada");
    b.post(
        &bea,
        "Our #edchat question of the week: how do you start a lesson?",
    )
    .await;
    let seen = a
        .wait_for_post(&ada, "edchat", "question of the week")
        .await;
    assert_eq!(seen["account"]["acct"], format!("bea@{}", n.b), "{seen}");
    assert!(seen["reblog"].is_null(), "shown as a boost: {seen}");
    assert_eq!(
        seen["uri"]
            .as_str()
            .map(|u| u.starts_with(&format!("https://{}/", n.b))),
        Some(true)
    );

    // And the other way round: A's post reaches B through the relay.
    let ours = a
        .post(&ada, "Answering the #edchat question: with a riddle.")
        .await;
    let seen = b.wait_for_post(&bea, "edchat", "with a riddle").await;
    assert_eq!(seen["account"]["acct"], format!("ada@{}", n.a), "{seen}");
    assert!(seen["reblog"].is_null(), "shown as a boost: {seen}");

    // Deleting it: the relay passes the Delete on (signed by itself); B checks with A
    // that the post is gone and removes it, while B's own post stays.
    let res = reqwest::Client::new()
        .delete(format!(
            "{}/api/v1/statuses/{}",
            a.node.address,
            ours["id"].as_str().unwrap()
        ))
        .bearer_auth(&ada)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    eventually(
        WAIT,
        "A's deleted post is gone from B's #edchat",
        || async {
            let timeline = b.tag_timeline(&bea, "edchat").await;
            let texts: Vec<&str> = timeline
                .iter()
                .filter_map(|s| s["content"].as_str())
                .collect();
            texts.iter().any(|c| c.contains("question of the week"))
                && !texts.iter().any(|c| c.contains("with a riddle"))
        },
    )
    .await;

    // Leaving: an Undo of our Follow; the relay lets A go and keeps B.
    let out = a.cli(&["relay", "remove", &relay.inbox()]);
    assert!(out.contains("Left"), "{out}");
    assert_eq!(a.cli(&["relay", "list"]).trim(), "No relays.");
    eventually(WAIT, "the relay no longer lists A", || async {
        !relay.subscribers().await.contains(&a.instance_actor())
    })
    .await;
    assert!(relay.subscribers().await.contains(&b.instance_actor()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relay_urls_are_checked_and_only_admins_manage_relays() {
    let n = names(2);
    let ca = TestCa::new(&[&n.relay, &n.a, &n.b]);
    let a = Site::start(&n.a, &ca, &n.a).await;

    // A moderator may not (relays are the federation's business: admins and owners).
    a.cli(&["user", "add", "mona"]);
    a.cli(&["user", "role", "mona", "moderator"]);
    let mona = a.web_session("mona").await;
    let (status, _) = a.page(&mona, "/admin/relays").await;
    assert_eq!(status, 403, "a moderator is refused the relays page");
    // An admin may, and a bad URL is refused with the reason, nothing added.
    a.cli(&["user", "add", "adam"]);
    a.cli(&["user", "role", "adam", "admin"]);
    let adam = a.web_session("adam").await;
    let (status, html) = a
        .submit(
            &adam,
            "/admin/relays",
            "/admin/relays",
            &[("url", "relay dot example")],
        )
        .await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("is not a URL"), "{html}");
    let (status, html) = a.page(&adam, "/admin/relays").await;
    assert_eq!(status, 200);
    assert!(html.contains("No relays yet."), "{html}");

    let bad = a.command(&["relay", "add", "not a url"]);
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("is not a URL"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let missing = a.command(&["relay", "remove", "https://relay.example/inbox"]);
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("is not a relay here"));
    assert_eq!(a.cli(&["relay", "list"]).trim(), "No relays.");
}

/// A per-hashtag relay of FediBuzz's form (`BASE/tag/NAME`, one actor per hashtag
/// that announces the tag's posts), played by a real HTTP server with its own key:
/// followed when a teacher follows the hashtag, its Announce stored as the author's
/// post, left when nobody follows the hashtag any more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_hashtag_relays_follow_what_teachers_follow() {
    use common::nodes::Instance;
    let site = Instance::new(&[]).await;
    let node = site.start_node(site.port);
    let relay = common::remote::start("author");
    let tag_actor = format!("{}/tag/edchat", relay.base);
    let key_pem = String::from_utf8(relay.key.public_key_to_pem().unwrap()).unwrap();
    relay.serve(
        "/tag/edchat",
        200,
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": tag_actor,
            "type": "Service",
            "preferredUsername": "edchat",
            "inbox": format!("{tag_actor}/inbox"),
            "publicKey": { "id": format!("{tag_actor}#main-key"), "owner": tag_actor, "publicKeyPem": key_pem },
        }),
    );
    let base = format!("{}/tag/", relay.base);
    let out = site.cli(&["relay", "add", &base]);
    assert!(out.contains("per-hashtag"), "{out}");

    // Nobody follows #edchat yet: nothing is subscribed. Then a teacher follows it.
    let token = site.teacher("tess");
    assert!(!site.cli(&["relay", "list"]).contains("#edchat"));
    let follow = follow_tag_until_delivered(&node, &token, "follow", &relay, "Follow").await;
    assert_eq!(follow["object"], tag_actor);
    assert_eq!(follow["actor"], format!("http://{}/actor", site.domain));
    assert!(site.cli(&["relay", "list"]).contains("#edchat"));

    // The relay accepts, then announces a post of someone nobody here follows.
    let client = reqwest::Client::new();
    let inbox = format!("http://{}/inbox", site.domain);
    let send = |activity: Value| {
        let request = relay.signed_post_with(
            &client,
            &inbox,
            &activity.to_string(),
            &relay.key,
            &format!("{tag_actor}#main-key"),
            chrono::Utc::now(),
        );
        async move { request.send().await.unwrap().status().as_u16() }
    };
    let accept = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{tag_actor}#accepts/1"),
        "type": "Accept",
        "actor": tag_actor,
        "object": follow.clone(),
    });
    assert_eq!(send(accept).await, 202);
    eventually(WAIT, "the subscription is accepted", || async {
        site.cli(&["relay", "list"])
            .lines()
            .any(|l| l.contains("#edchat") && l.trim_end().ends_with("accepted"))
    })
    .await;
    // Relays follow back; only a relay of ours is accepted (someone else is not).
    let instance_actor = format!("http://{}/actor", site.domain);
    let stranger_follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", relay.id()),
        "type": "Follow",
        "actor": relay.id(),
        "object": instance_actor,
    });
    let status = relay
        .signed_post(
            &client,
            &inbox,
            &stranger_follow.to_string(),
            chrono::Utc::now(),
        )
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 202);
    let follow_back = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{tag_actor}#follows/1"),
        "type": "Follow",
        "actor": tag_actor,
        "object": instance_actor,
    });
    assert_eq!(send(follow_back).await, 202);
    let accepted = eventually(WAIT, "the relay's follow-back is accepted", || async {
        relay
            .posts
            .lock()
            .unwrap()
            .iter()
            .find(|(path, body)| path == "/tag/edchat/inbox" && body["type"] == "Accept")
            .map(|(_, body)| body.clone())
    })
    .await;
    assert_eq!(accepted["object"]["id"], format!("{tag_actor}#follows/1"));
    assert_eq!(accepted["actor"], instance_actor);
    common::queue_drained(&site.db.url).await;
    assert!(
        !relay
            .posts
            .lock()
            .unwrap()
            .iter()
            .any(|(path, body)| path.starts_with("/users/author") && body["type"] == "Accept"),
        "a stranger's Follow of the instance actor is not accepted"
    );

    let note_id = format!("{}/users/author/statuses/1", relay.base);
    relay.serve(
        "/users/author/statuses/1",
        200,
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": note_id,
            "type": "Note",
            "attributedTo": relay.id(),
            "content": "<p>Exit tickets work for me <a href=\"https://x.example/tags/edchat\">#edchat</a></p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "published": "2026-12-03T10:00:00Z",
            "tag": [{ "type": "Hashtag", "name": "#edchat", "href": "https://x.example/tags/edchat" }],
        }),
    );
    let announce = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{tag_actor}#announces/1"),
        "type": "Announce",
        "actor": tag_actor,
        "object": note_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    assert_eq!(send(announce).await, 202);
    let seen = eventually(WAIT, "the relayed post is in #edchat", || async {
        let (_, timeline) = common::nodes::api(
            &node,
            &token,
            reqwest::Method::GET,
            "/api/v1/timelines/tag/edchat",
        )
        .await;
        timeline.as_array().and_then(|posts| {
            posts
                .iter()
                .find(|s| {
                    s["content"]
                        .as_str()
                        .is_some_and(|c| c.contains("Exit tickets"))
                })
                .cloned()
        })
    })
    .await;
    assert!(
        seen["reblog"].is_null(),
        "shown as the relay's boost: {seen}"
    );
    assert_eq!(seen["uri"], note_id);
    assert_eq!(seen["account"]["username"], "author");

    // Nobody follows #edchat any more: the subscription is left.
    let undo = follow_tag_until_delivered(&node, &token, "unfollow", &relay, "Undo").await;
    assert_eq!(undo["object"]["id"], follow["id"]);
    assert!(!site.cli(&["relay", "list"]).contains("#edchat"));
    assert!(
        site.cli(&["relay", "list"]).contains(&base),
        "the base stays"
    );
}

/// `POST /api/v1/tags/edchat/VERB` as the teacher, then what reaches the tag's relay
/// actor: the first activity of `kind` at its inbox.
async fn follow_tag_until_delivered(
    node: &ServeProcess,
    token: &str,
    verb: &str,
    relay: &common::remote::RemoteActor,
    kind: &str,
) -> Value {
    let path = format!("/api/v1/tags/edchat/{verb}");
    let (status, _) = common::nodes::api(node, token, reqwest::Method::POST, &path).await;
    assert_eq!(status, 200, "{path}");
    eventually(
        WAIT,
        &format!("the tag's relay actor gets our {kind}"),
        || async {
            relay
                .posts
                .lock()
                .unwrap()
                .iter()
                .find(|(path, body)| path == "/tag/edchat/inbox" && body["type"] == kind)
                .map(|(_, body)| body.clone())
        },
    )
    .await
}
