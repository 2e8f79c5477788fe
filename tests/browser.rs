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
        self.add_user(&["--display-name", display_name, name])
    }

    /// An administrator of the instance; their generated password.
    fn admin(&self, name: &str, display_name: &str) -> String {
        self.add_user(&["--admin", "--display-name", display_name, name])
    }

    fn add_user(&self, args: &[&str]) -> String {
        let out = self.instance.cli(&[&["user", "add"], args].concat());
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

/// Ada, following carol, writes on /home: a followers-only post behind a content
/// warning (checked in the API and against a stranger's view), the character
/// counter, a mention suggested as she types; a reply's thread with its ancestors;
/// and "Load more" paging as the API's `Link` does.
#[tokio::test(flavor = "multi_thread")]
async fn composing_threads_and_load_more_work_in_chromium() {
    setup();
    let s = Staffroom::start().await;
    let ada_token = s.a.token("ada");
    s.a.follow(&ada_token, "@carol").await;
    let mut env = s.env();
    env.push(("A_TOKEN".into(), ada_token));
    run("compose.mjs", env, &[&s.a]).await;
}

/// A POST of JSON to the client API (a status with more than `post_status` sets, a
/// list, a report); the entity answered.
async fn post_json(server: &Server, token: &str, path: &str, body: Value) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}{path}", server.node.address))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "posting {body} to {path}");
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
        "/api/v1/statuses",
        json!({ "status": "@ada Two is plenty, we tried five once.", "in_reply_to_id": id }),
    )
    .await;
    post_json(&s.a, &ada_token, "/api/v1/statuses", json!({ "status": "Who has watched the whole series to the end?", "spoiler_text": "Series finale", "visibility": "public" })).await;

    // For the pages added since: a list with bob in it, a group ada moderates, a
    // report about bob's post for the admin pages (dana, an admin, sees them), a
    // blocked server, sign-ups by approval and invites for everyone.
    let list = post_json(
        &s.a,
        &ada_token,
        "/api/v1/lists",
        json!({ "title": "Science department" }),
    )
    .await;
    let list_id = list["id"].as_str().unwrap();
    post_json(
        &s.a,
        &ada_token,
        &format!("/api/v1/lists/{list_id}/accounts"),
        json!({ "account_ids": [bob_id] }),
    )
    .await;
    s.a.instance.cli(&[
        "group",
        "add",
        "maths",
        "--display-name",
        "Maths teachers",
        "--moderator",
        "ada",
    ]);
    let (status, group) =
        s.a.api(
            &ada_token,
            Method::GET,
            "/api/v1/accounts/lookup?acct=maths",
        )
        .await;
    assert_eq!(status, 200, "{group}");
    let group_id = group["id"].as_str().unwrap();
    let (_, home) =
        s.a.api(&ada_token, Method::GET, "/api/v1/timelines/home")
            .await;
    let bob_post = home
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["content"].as_str().unwrap_or("").contains("rain gauge"))
        .expect("bob's post on ada's home")["id"]
        .clone();
    post_json(
        &s.a,
        &s.carol_token,
        "/api/v1/reports",
        json!({ "account_id": bob_id, "status_ids": [bob_post], "comment": "Photos of pupils without their parents' consent.", "forward": false }),
    )
    .await;
    let admin_password = s.a.admin("dana", "Dana Head");
    for args in [
        &["domain", "block", "spam.example"][..],
        &["settings", "set", "registrations", "approval"],
        &["settings", "set", "invites_by", "everyone"],
        &["invite", "create", "--max-uses", "5", "--expires-in", "7"],
    ] {
        s.a.instance.cli(args);
    }

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
        { "name": "about", "path": "/about", "signedIn": false },
        { "name": "sign-up", "path": "/auth/sign_up", "signedIn": false },
        { "name": "lists", "path": "/lists", "signedIn": true },
        { "name": "list", "path": format!("/lists/{list_id}"), "signedIn": true },
        { "name": "groups", "path": "/groups", "signedIn": true },
        { "name": "group", "path": "/@maths", "signedIn": true },
        { "name": "group-moderate", "path": format!("/groups/{group_id}/moderate"), "signedIn": true },
        { "name": "chats", "path": "/chats", "signedIn": true },
        { "name": "settings-invites", "path": "/settings/invites", "signedIn": true },
        { "name": "settings-moving", "path": "/settings/moving", "signedIn": true },
        { "name": "admin-reports", "path": "/admin/reports", "signedIn": "admin" },
        { "name": "admin-accounts", "path": "/admin/accounts", "signedIn": "admin" },
        { "name": "admin-joining", "path": "/admin/joining", "signedIn": "admin" },
        { "name": "admin-federation", "path": "/admin/federation", "signedIn": "admin" },
        { "name": "admin-tags", "path": "/admin/tags", "signedIn": "admin" },
        { "name": "admin-relays", "path": "/admin/relays", "signedIn": "admin" },
        { "name": "admin-audit", "path": "/admin/audit", "signedIn": "admin" },
    ]);
    let mut env = s.env();
    env.extend(vars(&[
        ("ADMIN_USER", "dana"),
        ("ADMIN_PASSWORD", &admin_password),
    ]));
    env.push(("PAGES".into(), pages.to_string()));
    run("pages.mjs", env, &[&s.a, &b]).await;
}
