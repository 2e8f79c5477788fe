//! The web interface in a real browser: headless Chromium (Debian's package) driven
//! by playwright-core against real `staffroom serve` processes, each with its own
//! database. The scripts live in tests/browser/ and find every control by its role
//! and accessible name, as a screen reader would; tests/browser/setup.sh installs
//! Chromium, playwright-core and axe-core (scripts/test runs it first). A script
//! prints the step it is at; a failure names the step and shows the servers' logs.

mod common;

use common::{fedify::FedifyPeer, nodes::Instance, ServeProcess};
use reqwest::Method;
use serde_json::{json, Value};
use std::{path::PathBuf, process::Command, time::Duration};

const SCRIPTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser");

/// Where the screenshots go: beside the build, never into the repository.
fn artifacts() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("test-artifacts")
        .join("browser")
}

/// tests/browser/setup.sh: a no-op when scripts/test already ran it.
fn setup() {
    let out = Command::new(format!("{SCRIPTS}/setup.sh"))
        .output()
        .expect("tests/browser/setup.sh runs (bash, npm)");
    assert!(
        out.status.success(),
        "tests/browser/setup.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One instance served by one `staffroom serve` process.
struct Server {
    instance: Instance,
    node: ServeProcess,
}

impl Server {
    async fn start() -> Server {
        let instance = Instance::new(&[]).await;
        let node = instance.start_node(instance.port);
        Server { instance, node }
    }

    /// A teacher made as an administrator makes one; their generated password.
    fn teacher(&self, name: &str, display_name: &str) -> String {
        let out = self
            .instance
            .cli(&["user", "add", name, "--display-name", display_name]);
        out.lines()
            .find_map(|l| l.strip_prefix("Password: "))
            .unwrap_or_else(|| panic!("user add printed no password: {out}"))
            .to_string()
    }

    fn token(&self, name: &str) -> String {
        self.instance
            .cli(&["token", "create", name])
            .trim()
            .to_string()
    }

    /// A client API call as the holder of `token`: the status and the JSON answered.
    async fn api(&self, token: &str, method: Method, path: &str) -> (u16, Value) {
        common::nodes::api(&self.node, token, method, path).await
    }

    /// The holder of `token` looks `handle` up (resolving it) and follows it; the
    /// account's id here.
    async fn follow(&self, token: &str, handle: &str) -> String {
        let (status, found) = self
            .api(
                token,
                Method::GET,
                &format!("/api/v2/search?q={handle}&resolve=true"),
            )
            .await;
        assert_eq!(status, 200, "{found}");
        let id = found["accounts"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{handle} found: {found}"))
            .to_string();
        let (status, _) = self
            .api(
                token,
                Method::POST,
                &format!("/api/v1/accounts/{id}/follow"),
            )
            .await;
        assert_eq!(status, 200);
        id
    }

    /// A public post through the client API; its entity.
    async fn post(&self, token: &str, text: &str) -> Value {
        common::nodes::post_status(&self.node, token, text).await
    }
}

/// Runs `script` with `env`; panics with its output and the servers' logs unless
/// it passed every step.
async fn run(script: &str, env: Vec<(String, String)>, servers: &[&Server]) {
    let logs = || {
        servers
            .iter()
            .map(|s| tail(&s.node.log_text(), 40))
            .collect::<Vec<_>>()
            .join("\n---\n")
    };
    let script = script.to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(&script)
            .current_dir(SCRIPTS)
            .envs(env)
            .env("BROWSER_ARTIFACTS", artifacts())
            .output()
            .expect("node runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !stdout.contains("all steps passed") {
        panic!("the browser script failed.\n--- stdout\n{stdout}\n--- stderr (end)\n{}\n--- server logs (end)\n{}", tail(&stderr, 60), logs());
    }
    println!("{stdout}");
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A server with ada (who signs in with the browser) and her colleague carol, who
/// has posted and acts through the client API.
struct Staffroom {
    a: Server,
    ada_password: String,
    carol_token: String,
    carol_post: &'static str,
}

impl Staffroom {
    async fn start() -> Staffroom {
        let a = Server::start().await;
        let ada_password = a.teacher("ada", "Ada Lovelace");
        a.teacher("carol", "Carol Dweck");
        let carol_token = a.token("carol");
        let carol_post =
            "Growth mindset check-in: what did you get wrong today that taught you something?";
        a.post(&carol_token, carol_post).await;
        Staffroom {
            a,
            ada_password,
            carol_token,
            carol_post,
        }
    }

    fn env(&self) -> Vec<(String, String)> {
        vars(&[
            ("STAFFROOM_A", &self.a.node.address),
            ("A_USER", "ada"),
            ("A_PASSWORD", &self.ada_password),
            ("A_COLLEAGUE", "carol"),
            ("A_COLLEAGUE_TOKEN", &self.carol_token),
            ("A_COLLEAGUE_POST", self.carol_post),
        ])
    }
}

/// Ada on A; bob on a second Staffroom (B) and a teacher on a Fedify server, whom
/// she finds, follows and talks with.
#[tokio::test(flavor = "multi_thread")]
async fn a_teacher_s_day_in_chromium() {
    setup();
    let (s, b, peer) = tokio::join!(
        Staffroom::start(),
        Server::start(),
        FedifyPeer::start("mira", "draft-cavage-http-signatures-12")
    );
    b.teacher("bob", "Bob Ross");
    let bob_token = b.token("bob");
    let mut env = s.env();
    env.extend(vars(&[
        ("STAFFROOM_B", &b.node.address),
        ("B_USER", "bob"),
        ("B_TOKEN", &bob_token),
        ("PEER", &peer.base),
        ("PEER_USER", &peer.user),
    ]));
    run("routine.mjs", env, &[&s.a, &b]).await;
}

/// Ada's open home page and local timeline show carol's new posts through the
/// streaming API's events (the page's polling timers frozen), without a reload.
#[tokio::test(flavor = "multi_thread")]
async fn posts_made_elsewhere_appear_live_on_open_timelines_in_chromium() {
    setup();
    let s = Staffroom::start().await;
    run("live.mjs", s.env(), &[&s.a]).await;
}

/// A hashtag chat in Chromium: ada schedules it with the form, asks Q1 and Q2, and
/// answers from bob on B (a reply to Q1) and from the Fedify peer (a reply to Q2)
/// arrive under their questions on the open live page; then the transcript.
#[tokio::test(flavor = "multi_thread")]
async fn a_hashtag_chat_s_answers_arrive_live_under_their_questions_in_chromium() {
    setup();
    let (s, b, peer) = tokio::join!(
        Staffroom::start(),
        Server::start(),
        FedifyPeer::start("mira", "draft-cavage-http-signatures-12")
    );
    b.teacher("bob", "Bob Ross");
    let bob_token = b.token("bob");
    let ada_actor = format!("{}/users/ada", s.a.node.address);
    // bob (on B) and the peer's teacher follow ada, so her questions reach them.
    peer.act("follow", json!({ "target": ada_actor })).await;
    b.follow(&bob_token, &format!("@ada@{}", s.a.instance.domain))
        .await;
    common::eventually(
        Duration::from_secs(30),
        "ada has her two followers",
        || async {
            let (_, followers) =
                s.a.api(
                    &s.carol_token,
                    Method::GET,
                    "/api/v1/accounts/lookup?acct=ada",
                )
                .await;
            followers["followers_count"] == 2
        },
    )
    .await;
    // The chat began a minute ago on Berlin's clock; its first occurrence's name.
    let start = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let local = chrono::NaiveDateTime::parse_from_str(&start, "%Y-%m-%dT%H:%M").unwrap();
    let key = chrono::TimeZone::from_local_datetime(&chrono_tz::Europe::Berlin, &local)
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
        .format("%Y%m%dT%H%M%SZ")
        .to_string();
    let mut env = s.env();
    env.extend(vars(&[
        ("STAFFROOM_B", &b.node.address),
        ("B_TOKEN", &bob_token),
        ("PEER", &peer.base),
        ("CHAT_START", &start),
        ("CHAT_KEY", &key),
    ]));
    run("chat.mjs", env, &[&s.a, &b]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_its_csrf_token_changes_nothing_in_chromium() {
    setup();
    let s = Staffroom::start().await;
    run("csrf.mjs", s.env(), &[&s.a]).await;
}

/// A status through the client API with more than `post_status` sets; its entity.
async fn post_json(server: &Server, token: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/statuses", server.node.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "posting {body}");
    res.json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn main_pages_pass_axe_and_are_photographed_at_phone_and_desktop_width() {
    setup();
    let (s, b) = tokio::join!(Staffroom::start(), Server::start());
    let ada_token = s.a.token("ada");
    b.teacher("bob", "Bob Ross");
    let bob_token = b.token("bob");

    // Content for the pages, as a teacher's would be: ada follows bob on B and sees
    // his post; her own post with a hashtag and a long link, liked, boosted and
    // answered by carol (a thread and notifications); a post behind a content warning.
    let bob_handle = format!("@bob@{}", b.instance.domain);
    let bob_id = s.a.follow(&ada_token, &bob_handle).await;
    common::eventually(
        Duration::from_secs(30),
        "bob accepted ada's follow",
        || async {
            s.a.api(
                &ada_token,
                Method::GET,
                &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
            )
            .await
            .1[0]["following"]
                == true
        },
    )
    .await;
    b.post(
        &bob_token,
        "Our year 8s built a rain gauge from a bottle. Photos tomorrow! #science",
    )
    .await;
    common::eventually(
        Duration::from_secs(30),
        "bob's post reached ada's home",
        || async {
            s.a.api(&ada_token, Method::GET, "/api/v1/timelines/home")
                .await
                .1
                .to_string()
                .contains("rain gauge")
        },
    )
    .await;
    let post = s
        .a
        .post(&ada_token, "Exit tickets: three questions before the bell. #FormativeAssessment Templates: https://school.example/resources/year-9/formative-assessment/exit-tickets-that-work-2026.pdf")
        .await;
    let id = post["id"].as_str().unwrap();
    for verb in ["favourite", "reblog"] {
        let (status, _) =
            s.a.api(
                &s.carol_token,
                Method::POST,
                &format!("/api/v1/statuses/{id}/{verb}"),
            )
            .await;
        assert_eq!(status, 200, "{verb}");
    }
    post_json(
        &s.a,
        &s.carol_token,
        json!({ "status": "@ada Two is plenty, we tried five once.", "in_reply_to_id": id }),
    )
    .await;
    post_json(&s.a, &ada_token, json!({ "status": "Who has watched the whole series to the end?", "spoiler_text": "Series finale", "visibility": "public" })).await;

    let pages = json!([
        { "name": "sign-in", "path": "/auth/sign_in", "signedIn": false },
        { "name": "front", "path": "/", "signedIn": false },
        { "name": "home", "path": "/home", "signedIn": true },
        { "name": "local", "path": "/public/local", "signedIn": true },
        { "name": "federated", "path": "/public", "signedIn": true },
        { "name": "tag", "path": "/tags/formativeassessment", "signedIn": true },
        { "name": "thread", "path": format!("/statuses/{id}"), "signedIn": true },
        { "name": "post-public", "path": format!("/@ada/{id}"), "signedIn": false },
        { "name": "profile", "path": "/@carol", "signedIn": true },
        { "name": "profile-public", "path": "/@ada", "signedIn": false },
        { "name": "profile-remote", "path": format!("/{bob_handle}"), "signedIn": true },
        { "name": "following", "path": "/@ada/following", "signedIn": false },
        { "name": "notifications", "path": "/notifications", "signedIn": true },
        { "name": "search", "path": format!("/search?q={}", bob_handle.replace('@', "%40").replace(':', "%3A")), "signedIn": true },
        { "name": "settings-profile", "path": "/settings/profile", "signedIn": true },
        { "name": "settings-password", "path": "/settings/password", "signedIn": true },
        { "name": "settings-sessions", "path": "/settings/sessions", "signedIn": true },
        { "name": "settings-apps", "path": "/settings/apps", "signedIn": true },
    ]);
    let mut env = s.env();
    env.push(("PAGES".into(), pages.to_string()));
    run("pages.mjs", env, &[&s.a, &b]).await;
}
