//! Running a school's instance: roles, joining, reports and moderation, over real
//! HTTP against the real server, with the real `staffroom` binary for the command
//! line (pointed at the same database the server uses).

mod common;

use common::{api, browser, staffroom_command, TestApp};
use serde_json::Value;
use std::process::{Output, Stdio};

fn staffroom(app: &TestApp, args: &[&str]) -> Output {
    let vars = [
        ("DATABASE_URL", app.db.url.as_str()),
        ("STAFFROOM_DOMAIN", app.domain.as_str()),
        ("STAFFROOM_DEV", "true"),
    ];
    staffroom_command(&vars)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("staffroom runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

/// Runs a command that must succeed; its standard output.
fn ok(app: &TestApp, args: &[&str]) -> String {
    let out = staffroom(app, args);
    assert!(
        out.status.success(),
        "staffroom {args:?} failed: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

async fn credentials(app: &TestApp, token: &str) -> Value {
    let me = api::get(app, "/api/v1/accounts/verify_credentials", Some(token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    me.body
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_are_given_on_the_command_line_and_shown_as_mastodon_does() {
    let app = TestApp::spawn().await;
    app.create_user("head").await;
    app.create_user("ms_lee").await;
    let lee = api::token(&app, "ms_lee").await;

    let member = credentials(&app, &lee).await;
    assert_eq!(
        member["role"]["permissions"], "0",
        "a member holds no permission: {}",
        member["role"]
    );
    assert_eq!(member["role"]["highlighted"], false);

    let said = ok(&app, &["user", "role", "ms_lee", "moderator"]);
    assert!(
        said.contains("@ms_lee is now moderator (was member)"),
        "{said}"
    );
    let moderator = credentials(&app, &lee).await;
    assert_eq!(moderator["role"]["name"], "Moderator");
    assert_eq!(moderator["role"]["id"], "1");
    let bits: u64 = moderator["role"]["permissions"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_ne!(bits & (1 << 4), 0, "manage_reports");
    assert_ne!(bits & (1 << 10), 0, "manage_users");
    assert_eq!(bits & (1 << 17), 0, "not manage_roles");

    ok(&app, &["user", "role", "head", "OWNER"]);
    let listing = ok(&app, &["user", "list"]);
    let row = |name: &str| {
        listing
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} in {listing}"))
            .to_string()
    };
    assert!(row("head ").contains("owner"), "{listing}");
    assert!(row("ms_lee ").contains("moderator"), "{listing}");

    let bad = staffroom(&app, &["user", "role", "ms_lee", "headteacher"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("owner, admin, moderator or member"),
        "{}",
        text(&bad.stderr)
    );
    assert_eq!(
        credentials(&app, &lee).await["role"]["name"],
        "Moderator",
        "a refused change changes nothing"
    );
    let nobody = staffroom(&app, &["user", "role", "nobody", "admin"]);
    assert_eq!(nobody.status.code(), Some(1));
    assert!(
        text(&nobody.stderr).contains("nobody"),
        "{}",
        text(&nobody.stderr)
    );
    app.stop().await;
}

/// Registers an app and gets its own token (client credentials), as a sign-up app does.
async fn app_token(app: &TestApp) -> String {
    let res = app
        .client
        .post(format!("{}/api/v1/apps", app.address))
        .form(&[
            ("client_name", "Sign-up app"),
            ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
            ("scopes", "read write"),
        ])
        .send()
        .await
        .unwrap();
    let registered: Value = res.json().await.unwrap();
    let token = app
        .client
        .post(format!("{}/oauth/token", app.address))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", registered["client_id"].as_str().unwrap()),
            (
                "client_secret",
                registered["client_secret"].as_str().unwrap(),
            ),
            ("scope", "read write"),
        ])
        .send()
        .await
        .unwrap();
    let body: Value = token.json().await.unwrap();
    body["access_token"]
        .as_str()
        .expect("an app token")
        .to_string()
}

async fn web_sign_in(app: &TestApp, login: &str, password: &str) -> reqwest::Response {
    browser::fill_in(
        app,
        "/auth/sign_in",
        "staffroom_sign_in",
        "/auth/sign_in",
        &[("login", login), ("password", password)],
    )
    .await
}

async fn account_exists(app: &TestApp, name: &str) -> bool {
    staffroom::services::accounts::find_local_account(&app.pool, name)
        .await
        .is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ups_are_closed_by_default() {
    let app = TestApp::spawn().await;
    let page = browser::get(&app, "/auth/sign_up", None).await;
    assert_eq!(page.status(), 403);
    assert!(page.text().await.unwrap().contains("Sign-ups are closed"));
    let token = app_token(&app).await;
    let refused = api::post(
        &app,
        "/api/v1/accounts",
        &token,
        &[
            ("username", "eve"),
            ("password", "a long passphrase"),
            ("agreement", "true"),
        ],
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!account_exists(&app, "eve").await);
    let instance = api::get(&app, "/api/v2/instance", None).await;
    assert_eq!(instance.body["registrations"]["enabled"], false);

    // Control: opening sign-ups lets the same request through.
    ok(&app, &["settings", "set", "registrations", "open"]);
    let accepted = api::post(
        &app,
        "/api/v1/accounts",
        &token,
        &[
            ("username", "eve"),
            ("password", "a long passphrase"),
            ("agreement", "true"),
        ],
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let eve = accepted.body["access_token"].as_str().unwrap();
    assert_eq!(credentials(&app, eve).await["username"], "eve");
    assert_eq!(
        api::get(&app, "/api/v2/instance", None).await.body["registrations"]["enabled"],
        true
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invite_lets_its_holders_in_up_to_its_limit() {
    let app = TestApp::spawn().await;
    ok(&app, &["settings", "set", "registrations", "invite-only"]);
    ok(
        &app,
        &[
            "settings",
            "set",
            "rules",
            "Be kind to colleagues\nNo pupil data in posts",
        ],
    );
    let url = ok(&app, &["invite", "create", "--max-uses", "1"]);
    assert_eq!(url.lines().count(), 1, "the URL alone: {url}");
    let url = url.trim();
    let path = url
        .strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("{url} is on {}", app.address));
    assert!(path.starts_with("/invite/"), "{url}");

    // The invite URL leads to the sign-up form with the code filled in.
    let followed = browser::get(&app, path, None).await;
    assert_eq!(followed.status(), 303);
    let form_path = browser::location(&followed);
    assert!(
        form_path.starts_with("/auth/sign_up?invite="),
        "{form_path}"
    );
    let form = browser::get(&app, &form_path, None).await;
    assert_eq!(form.status(), 200);
    let html = form.text().await.unwrap();
    for shown in [
        "Be kind to colleagues",
        "No pupil data in posts",
        r#"<label for="username">Username"#,
        r#"<label for="agreement">I accept the rules"#,
        r#"<label for="email">Email (optional)"#,
    ] {
        assert!(html.contains(shown), "the form shows {shown:?}: {html}");
    }

    // Without accepting the rules nothing is made.
    let code = form_path.split("invite=").nth(1).unwrap().to_string();
    let unaccepted = browser::fill_in(
        &app,
        &form_path,
        "staffroom_sign_up",
        "/auth/sign_up",
        &[
            ("username", "ada"),
            ("password", "a long passphrase"),
            ("invite", &code),
        ],
    )
    .await;
    assert_eq!(unaccepted.status(), 422);
    assert!(unaccepted
        .text()
        .await
        .unwrap()
        .contains("accept the rules"));
    assert!(!account_exists(&app, "ada").await);

    let fields = [
        ("username", "ada"),
        ("password", "a long passphrase"),
        ("invite", code.as_str()),
        ("agreement", "1"),
    ];
    let joined = browser::fill_in(
        &app,
        &form_path,
        "staffroom_sign_up",
        "/auth/sign_up",
        &fields,
    )
    .await;
    assert_eq!(joined.status(), 303);
    assert_eq!(browser::location(&joined), "/home");
    let session = browser::set_cookie(&joined, "staffroom_session").expect("signed in at once");
    assert_eq!(
        browser::get(&app, "/home", Some(&session)).await.status(),
        200
    );

    // The invite is used up: its page says so and a second sign-up with it is refused.
    let page = browser::get(&app, &form_path, None).await;
    assert_eq!(page.status(), 403);
    assert!(page.text().await.unwrap().contains("no longer valid"));
    let token = app_token(&app).await;
    let second = [
        ("username", "bob"),
        ("password", "a long passphrase"),
        ("agreement", "true"),
        ("invite_code", code.as_str()),
    ];
    let refused = api::post(&app, "/api/v1/accounts", &token, &second).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body["error"]
        .as_str()
        .unwrap()
        .contains("no longer valid"));
    assert!(!account_exists(&app, "bob").await);
    // Nor does anyone get in without an invite.
    let uninvited = api::post(&app, "/api/v1/accounts", &token, &second[..3]).await;
    assert_eq!(uninvited.status, 403);
    assert!(!account_exists(&app, "bob").await);
    // Control: a fresh invite lets bob in.
    let fresh = ok(&app, &["invite", "create"]);
    let fresh_code = fresh.trim().rsplit('/').next().unwrap();
    let with_fresh = [
        ("username", "bob"),
        ("password", "a long passphrase"),
        ("agreement", "true"),
        ("invite_code", fresh_code),
    ];
    assert_eq!(
        api::post(&app, "/api/v1/accounts", &token, &with_fresh)
            .await
            .status,
        200
    );
    assert!(account_exists(&app, "bob").await);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_invite_is_refused() {
    let app = TestApp::spawn().await;
    ok(&app, &["settings", "set", "registrations", "invite-only"]);
    let expired = ok(&app, &["invite", "create", "--expires-in", "1"])
        .trim()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let good = ok(&app, &["invite", "create", "--expires-in", "1"])
        .trim()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    // A day passes for the first one.
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut conn = AsyncPgConnection::establish(&app.db.url).await.unwrap();
        let moved = diesel::sql_query(
            "UPDATE invites SET expires_at = now() - interval '1 minute' WHERE code = $1",
        )
        .bind::<diesel::sql_types::Text, _>(&expired)
        .execute(&mut conn)
        .await
        .unwrap();
        assert_eq!(moved, 1);
    }
    let token = app_token(&app).await;
    let with = |code: &str, name: &str| {
        vec![
            ("username", name.to_string()),
            ("password", "a long passphrase".into()),
            ("agreement", "true".into()),
            ("invite_code", code.to_string()),
        ]
    };
    let refused = app
        .client
        .post(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&token)
        .form(&with(&expired, "carl"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(!account_exists(&app, "carl").await);
    let page = browser::get(&app, &format!("/auth/sign_up?invite={expired}"), None).await;
    assert_eq!(page.status(), 403);
    assert!(page.text().await.unwrap().contains("expired"));
    // Control: the invite that has not expired works.
    let accepted = app
        .client
        .post(format!("{}/api/v1/accounts", app.address))
        .bearer_auth(&token)
        .form(&with(&good, "carl"))
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    assert!(account_exists(&app, "carl").await);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_up_with_approval_waits_until_an_admin_approves_it() {
    let app = TestApp::spawn().await;
    ok(&app, &["settings", "set", "registrations", "approval"]);
    let token = app_token(&app).await;
    let no_reason = api::post(
        &app,
        "/api/v1/accounts",
        &token,
        &[
            ("username", "dan"),
            ("password", "a long passphrase"),
            ("agreement", "true"),
        ],
    )
    .await;
    assert_eq!(
        no_reason.status, 422,
        "a reason is asked for: {}",
        no_reason.body
    );
    let asked = [
        ("username", "dan"),
        ("password", "a long passphrase"),
        ("agreement", "true"),
        ("reason", "I teach chemistry here"),
    ];
    let signed_up = api::post(&app, "/api/v1/accounts", &token, &asked).await;
    assert_eq!(signed_up.status, 200, "{}", signed_up.body);
    let dan = signed_up.body["access_token"].as_str().unwrap().to_string();

    let waiting = api::get(&app, "/api/v1/accounts/verify_credentials", Some(&dan)).await;
    assert_eq!(waiting.status, 403);
    assert_eq!(
        waiting.body["error"],
        "Your login is currently pending approval"
    );
    let refused = web_sign_in(&app, "dan", "a long passphrase").await;
    assert_eq!(refused.status(), 403);
    assert!(browser::set_cookie(&refused, "staffroom_session").is_none());
    assert!(refused.text().await.unwrap().contains("pending approval"));

    // The web form asks for the reason too, and says the account will wait.
    let form = browser::get(&app, "/auth/sign_up", None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(r#"<label for="reason">Why do you want to join?"#),
        "{form}"
    );
    let web = [
        ("username", "erin"),
        ("password", "a long passphrase"),
        ("reason", "New maths teacher"),
        ("agreement", "1"),
    ];
    let pending = browser::fill_in(
        &app,
        "/auth/sign_up",
        "staffroom_sign_up",
        "/auth/sign_up",
        &web,
    )
    .await;
    assert_eq!(pending.status(), 200);
    assert!(browser::set_cookie(&pending, "staffroom_session").is_none());
    assert!(pending.text().await.unwrap().contains("waits for an admin"));

    let said = ok(&app, &["user", "approve", "dan"]);
    assert!(said.contains("approved"), "{said}");
    assert_eq!(credentials(&app, &dan).await["username"], "dan");
    assert_eq!(
        web_sign_in(&app, "dan", "a long passphrase").await.status(),
        303
    );
    // Erin still waits; rejecting her frees the name.
    assert_eq!(
        web_sign_in(&app, "erin", "a long passphrase")
            .await
            .status(),
        403
    );
    ok(&app, &["user", "reject", "erin"]);
    assert!(!account_exists(&app, "erin").await);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn reset_password_prints_a_new_one_and_ends_the_old_sessions() {
    let app = TestApp::spawn().await;
    let old = app.create_user("fay").await.generated_password.unwrap();
    let token = api::token(&app, "fay").await;
    assert_eq!(web_sign_in(&app, "fay", &old).await.status(), 303);

    let out = ok(&app, &["user", "reset-password", "fay"]);
    assert_eq!(out.lines().count(), 1, "the password alone: {out}");
    let new = out.trim();
    assert!(new.len() >= 20 && new != old);
    assert_eq!(
        web_sign_in(&app, "fay", &old).await.status(),
        401,
        "the old password no longer works"
    );
    assert_eq!(
        web_sign_in(&app, "fay", new).await.status(),
        303,
        "the new one does"
    );
    assert_eq!(
        api::get(&app, "/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .status,
        401,
        "old tokens are revoked"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sign_up_form_needs_its_csrf_token() {
    let app = TestApp::spawn().await;
    ok(&app, &["settings", "set", "registrations", "open"]);
    let fields = [
        ("username", "mallory"),
        ("password", "a long passphrase"),
        ("agreement", "1"),
        ("csrf", "forged"),
    ];
    let forged = browser::post(
        &app,
        "/auth/sign_up",
        Some("staffroom_sign_up=other"),
        &fields,
    )
    .await;
    assert_eq!(forged.status(), 403);
    assert!(!account_exists(&app, "mallory").await);
    let real = browser::fill_in(
        &app,
        "/auth/sign_up",
        "staffroom_sign_up",
        "/auth/sign_up",
        &fields[..3],
    )
    .await;
    assert_eq!(real.status(), 303);
    assert!(account_exists(&app, "mallory").await);
    app.stop().await;
}

/// A token for `name` with the admin scopes too (what an admin app asks for).
async fn admin_token(app: &TestApp, name: &str) -> String {
    staffroom::services::tokens::create(
        &app.pool,
        name,
        "admin app",
        "read write follow admin:read admin:write",
    )
    .await
    .unwrap()
}

async fn account_id(app: &TestApp, name: &str) -> String {
    staffroom::services::accounts::find_local_account(&app.pool, name)
        .await
        .unwrap()
        .id
        .to_string()
}

/// Staff for the role tests: an owner, an admin, a moderator and two members,
/// each with an admin-scoped token.
struct Staff {
    owner: String,
    admin: String,
    moderator: String,
    member: String,
}

async fn staff(app: &TestApp) -> Staff {
    for name in ["olga", "adam", "mona", "mel", "max"] {
        app.create_user(name).await;
    }
    ok(app, &["user", "role", "olga", "owner"]);
    ok(app, &["user", "role", "adam", "admin"]);
    ok(app, &["user", "role", "mona", "moderator"]);
    Staff {
        owner: admin_token(app, "olga").await,
        admin: admin_token(app, "adam").await,
        moderator: admin_token(app, "mona").await,
        member: admin_token(app, "mel").await,
    }
}

async fn act(app: &TestApp, token: &str, target: &str, kind: &str) -> api::Answer {
    let id = account_id(app, target).await;
    api::post(
        app,
        &format!("/api/v1/admin/accounts/{id}/action"),
        token,
        &[("type", kind), ("text", "test")],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_cannot_suspend_and_a_moderator_can() {
    let app = TestApp::spawn().await;
    let staff = staff(&app).await;
    let max = api::token(&app, "max").await;

    let refused = act(&app, &staff.member, "max", "suspend").await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(
        credentials(&app, &max).await["username"],
        "max",
        "a refused suspension changes nothing"
    );
    let listing = api::get(
        &app,
        "/api/v1/admin/accounts?local=true",
        Some(&staff.member),
    )
    .await;
    assert_eq!(
        listing.status, 403,
        "a member does not see the admin list either"
    );

    let done = act(&app, &staff.moderator, "max", "suspend").await;
    assert_eq!(done.status, 200, "{}", done.body);
    let refused = api::get(&app, "/api/v1/accounts/verify_credentials", Some(&max)).await;
    assert_eq!(
        refused.status, 403,
        "a suspended account's token opens nothing: {}",
        refused.body
    );
    assert_eq!(
        app.get("/users/max", Some("application/activity+json"))
            .await
            .status(),
        410
    );
    assert_eq!(
        app.get("/users/mel", Some("application/activity+json"))
            .await
            .status(),
        200,
        "control: others' actors answer"
    );
    let listed = api::get(
        &app,
        "/api/v1/admin/accounts?suspended=true",
        Some(&staff.moderator),
    )
    .await;
    assert_eq!(listed.status, 200);
    assert_eq!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["username"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["max"]
    );
    assert_eq!(listed.body[0]["suspended"], true);

    let id = account_id(&app, "max").await;
    let back = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{id}/unsuspend"),
        &staff.moderator,
        &[],
    )
    .await;
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(back.body["suspended"], false);
    assert_eq!(credentials(&app, &max).await["username"], "max");
    assert_eq!(
        app.get("/users/max", Some("application/activity+json"))
            .await
            .status(),
        200
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nobody_acts_on_their_equals_or_betters() {
    let app = TestApp::spawn().await;
    let staff = staff(&app).await;
    assert_eq!(
        act(&app, &staff.moderator, "adam", "suspend").await.status,
        403,
        "a moderator cannot suspend an admin"
    );
    assert_eq!(
        act(&app, &staff.moderator, "mona", "silence").await.status,
        403,
        "nor themselves"
    );
    assert_eq!(
        act(&app, &staff.admin, "olga", "disable").await.status,
        403,
        "an admin cannot disable the owner"
    );
    // Control: the owner can act on the admin, and disabling stops the sign-in.
    let adam = api::token(&app, "adam").await;
    assert_eq!(act(&app, &staff.owner, "adam", "disable").await.status, 200);
    let refused = api::get(&app, "/api/v1/accounts/verify_credentials", Some(&adam)).await;
    assert_eq!(
        (refused.status, refused.body["error"].as_str()),
        (403, Some("Your login is currently disabled"))
    );
    // The admin scope is needed too, whatever the role.
    let plain = api::token(&app, "olga").await;
    assert_eq!(
        act(&app, &plain, "max", "silence").await.status,
        403,
        "a token without admin scopes"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moderator_cannot_manage_federation_and_an_admin_can() {
    let app = TestApp::spawn().await;
    let staff = staff(&app).await;
    let refused = api::post(
        &app,
        "/api/v1/admin/domain_blocks",
        &staff.moderator,
        &[("domain", "spam.example")],
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(!ok(&app, &["domain", "list"]).contains("spam.example"));

    let made = api::post(
        &app,
        "/api/v1/admin/domain_blocks",
        &staff.admin,
        &[("domain", "Spam.Example"), ("private_comment", "sends ads")],
    )
    .await;
    assert_eq!(made.status, 200, "{}", made.body);
    assert_eq!(made.body["domain"], "spam.example");
    assert_eq!(made.body["severity"], "suspend");
    assert_eq!(made.body["private_comment"], "sends ads");
    assert!(
        ok(&app, &["domain", "list"]).contains("spam.example"),
        "the same policy as the command line"
    );
    let id = made.body["id"].as_str().unwrap().to_string();
    let listed = api::get(&app, "/api/v1/admin/domain_blocks", Some(&staff.admin)).await;
    assert_eq!(listed.body[0]["id"], id);
    let lighter = api::post(
        &app,
        "/api/v1/admin/domain_blocks",
        &staff.admin,
        &[("domain", "meh.example"), ("severity", "silence")],
    )
    .await;
    assert_eq!(
        lighter.status, 422,
        "a severity Staffroom cannot apply is refused: {}",
        lighter.body
    );
    let gone = app
        .client
        .delete(format!("{}/api/v1/admin/domain_blocks/{id}", app.address))
        .bearer_auth(&staff.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 200);
    assert!(!ok(&app, &["domain", "list"]).contains("spam.example"));

    let allowed = api::post(
        &app,
        "/api/v1/admin/domain_allows",
        &staff.admin,
        &[("domain", "partner.example")],
    )
    .await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    assert_eq!(
        api::get(&app, "/api/v1/admin/domain_allows", Some(&staff.admin))
            .await
            .body[0]["domain"],
        "partner.example"
    );
    assert_eq!(
        api::get(&app, "/api/v1/admin/domain_allows", Some(&staff.moderator))
            .await
            .status,
        403
    );

    let log = ok(&app, &["audit"]);
    for line in [
        "@adam block_domain spam.example",
        "@adam unblock_domain spam.example",
        "@adam allow_domain partner.example",
    ] {
        assert!(log.contains(line), "the audit log has {line:?}: {log}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_goes_through_the_queue() {
    let app = TestApp::spawn().await;
    let staff = staff(&app).await;
    ok(&app, &["settings", "set", "rules", "Be kind\nNo adverts"]);
    let max = api::token(&app, "max").await;
    let mel = api::token(&app, "mel").await;
    let ad = api::status(&app, &max, "Buy my lesson plans!", "public").await;
    let ad_id = ad["id"].as_str().unwrap();
    let max_id = account_id(&app, "max").await;

    let filed = api::post(
        &app,
        "/api/v1/reports",
        &mel,
        &[
            ("account_id", &max_id),
            ("status_ids[]", ad_id),
            ("comment", "adverts again"),
            ("rule_ids[]", "2"),
        ],
    )
    .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert_eq!(filed.body["category"], "violation");
    assert_eq!(filed.body["status_ids"], serde_json::json!([ad_id]));
    assert_eq!(filed.body["target_account"]["username"], "max");
    let report_id = filed.body["id"].as_str().unwrap().to_string();

    assert_eq!(
        api::get(&app, "/api/v1/admin/reports", Some(&staff.member))
            .await
            .status,
        403,
        "members do not see the queue"
    );
    let queue = api::get(&app, "/api/v1/admin/reports", Some(&staff.moderator)).await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let entry = &queue.body[0];
    assert_eq!(entry["id"], report_id.as_str());
    assert_eq!(entry["comment"], "adverts again");
    assert_eq!(entry["account"]["username"], "mel");
    assert_eq!(entry["target_account"]["username"], "max");
    assert_eq!(entry["statuses"][0]["id"], ad_id);
    assert_eq!(entry["rules"][0]["text"], "No adverts");
    assert_eq!(entry["action_taken"], false);

    let assigned = api::post(
        &app,
        &format!("/api/v1/admin/reports/{report_id}/assign_to_self"),
        &staff.moderator,
        &[],
    )
    .await;
    assert_eq!(assigned.body["assigned_account"]["username"], "mona");
    // Acting on the account with the report resolves it.
    let limited = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{max_id}/action"),
        &staff.moderator,
        &[
            ("type", "silence"),
            ("report_id", &report_id),
            ("text", "adverts"),
        ],
    )
    .await;
    assert_eq!(limited.status, 200, "{}", limited.body);
    let resolved = api::get(
        &app,
        &format!("/api/v1/admin/reports/{report_id}"),
        Some(&staff.moderator),
    )
    .await;
    assert_eq!(resolved.body["action_taken"], true);
    assert_eq!(resolved.body["action_taken_by_account"]["username"], "mona");
    assert_eq!(resolved.body["target_account"]["silenced"], true);
    assert_eq!(
        api::get(&app, "/api/v1/admin/reports", Some(&staff.moderator))
            .await
            .body,
        serde_json::json!([]),
        "the queue is empty"
    );
    assert_eq!(
        api::get(
            &app,
            "/api/v1/admin/reports?resolved=true",
            Some(&staff.moderator)
        )
        .await
        .body[0]["id"],
        report_id.as_str()
    );
    let reopened = api::post(
        &app,
        &format!("/api/v1/admin/reports/{report_id}/reopen"),
        &staff.moderator,
        &[],
    )
    .await;
    assert_eq!(reopened.body["action_taken"], false);

    let log = ok(&app, &["audit"]);
    for line in [
        "@mona assign_report report",
        "@mona silence @max",
        "@mona reopen_report report",
    ] {
        assert!(log.contains(line), "the audit log has {line:?}: {log}");
    }
    assert!(log.contains("adverts"), "with the reason: {log}");
    app.stop().await;
}

/// A signed `Create` of a public note by `actor` mentioning alice (so it is stored here).
async fn remote_note(app: &TestApp, actor: &common::remote::RemoteActor, n: u32) -> u16 {
    let alice = format!("{}/users/alice", app.address);
    let create = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/statuses/{n}/activity", actor.id()),
        "type": "Create",
        "actor": actor.id(),
        "object": {
            "id": format!("{}/statuses/{n}", actor.id()),
            "type": "Note",
            "attributedTo": actor.id(),
            "content": format!("<p>@alice note {n}</p>"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [alice.clone()],
            "tag": [{ "type": "Mention", "href": alice }]
        }
    })
    .to_string();
    actor
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create,
            chrono::Utc::now(),
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flag_from_another_server_lands_in_the_queue_and_our_forwarded_report_reaches_it() {
    let app = TestApp::spawn().await;
    let staff = staff(&app).await;
    app.create_user("alice").await;
    let alice = api::token(&app, "alice").await;
    let post = api::status(&app, &alice, "A perfectly fine post", "public").await;
    let post_uri = post["uri"].as_str().unwrap().to_string();
    let mallory = common::remote::start("mallory");

    let flag = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/flags/1", mallory.base),
        "type": "Flag",
        "actor": mallory.id(),
        "object": [format!("{}/users/alice", app.address), post_uri],
        "content": "Reported on our side: spam"
    })
    .to_string();
    for _ in 0..2 {
        let res = mallory
            .signed_post(
                &app.client,
                &format!("{}/inbox", app.address),
                &flag,
                chrono::Utc::now(),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 202, "{}", res.text().await.unwrap());
    }
    let queue = api::get(&app, "/api/v1/admin/reports", Some(&staff.moderator)).await;
    assert_eq!(
        queue.body.as_array().unwrap().len(),
        1,
        "one report, however often the Flag comes: {}",
        queue.body
    );
    let report = &queue.body[0];
    assert_eq!(report["target_account"]["username"], "alice");
    assert_eq!(report["account"]["username"], "mallory");
    assert_eq!(report["comment"], "Reported on our side: spam");
    assert_eq!(report["statuses"][0]["id"], post["id"]);

    // A teacher reports mallory back and forwards it: her server gets a Flag from our
    // instance actor, naming her and not the reporter.
    let mallory_id = report["account"]["id"].as_str().unwrap().to_string();
    let max = api::token(&app, "max").await;
    let filed = api::post(
        &app,
        "/api/v1/reports",
        &max,
        &[
            ("account_id", &mallory_id),
            ("comment", "harassing colleagues"),
            ("forward", "true"),
        ],
    )
    .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    assert_eq!(filed.body["forwarded"], true);
    let received = common::eventually(
        std::time::Duration::from_secs(20),
        "mallory's server received our Flag",
        || async {
            mallory
                .posts
                .lock()
                .unwrap()
                .iter()
                .find(|(_, body)| body["type"] == "Flag")
                .map(|(path, body)| (path.clone(), body.clone()))
        },
    )
    .await;
    let (path, body) = received;
    assert_eq!(path, "/inbox", "to her server's shared inbox");
    assert_eq!(body["actor"], format!("{}/actor", app.address));
    assert_eq!(body["object"][0], mallory.id());
    assert_eq!(body["content"], "harassing colleagues");
    assert!(
        !body.to_string().contains("/users/max"),
        "the reporter is not named: {body}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suspended_remote_account_is_refused() {
    let app = TestApp::spawn().await;
    let staff = staff(&app).await;
    app.create_user("alice").await;
    let mallory = common::remote::start("mallory");
    let eve = common::remote::start("eve");
    assert_eq!(remote_note(&app, &mallory, 1).await, 202);
    // Her account is known now; a moderator suspends it.
    let found = api::get(
        &app,
        "/api/v1/admin/accounts?remote=true&username=mallory",
        Some(&staff.moderator),
    )
    .await;
    let id = found.body[0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("mallory is known: {}", found.body))
        .to_string();
    let done = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{id}/action"),
        &staff.moderator,
        &[("type", "suspend"), ("text", "spam")],
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.body);

    assert_eq!(
        remote_note(&app, &mallory, 2).await,
        403,
        "her next post is refused"
    );
    assert_eq!(
        remote_note(&app, &eve, 1).await,
        202,
        "control: another server's post is taken"
    );
    // Her old post is hidden; eve's is shown.
    let alice = api::token(&app, "alice").await;
    let shown = |actor: &common::remote::RemoteActor| {
        let url = format!("{}/statuses/1", actor.id());
        let alice = alice.clone();
        let app = &app;
        async move {
            let q: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
            let found = api::get(app, &format!("/api/v2/search?q={q}"), Some(&alice)).await;
            found.body["statuses"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
        }
    };
    assert!(
        !shown(&mallory).await,
        "the suspended account's old post is hidden"
    );
    assert!(shown(&eve).await, "control: eve's post is shown");
    assert!(
        api::get(&app, "/api/v1/timelines/home", Some(&alice))
            .await
            .body
            .to_string()
            .contains("note 1"),
        "eve's mention reaches home"
    );
    assert!(
        !api::get(&app, "/api/v1/notifications", Some(&alice))
            .await
            .body
            .to_string()
            .contains("mallory"),
        "mallory's mention no longer shows"
    );
    let log = ok(&app, &["audit"]);
    assert!(
        log.contains("@mona suspend @mallory@127.0.0.1") && log.contains("spam"),
        "{log}"
    );
    app.stop().await;
}

/// Signs `name` in from a browser (with a password set by the command line): the
/// session cookie.
async fn browser_session(app: &TestApp, name: &str) -> String {
    let password = ok(app, &["user", "reset-password", name])
        .trim()
        .to_string();
    let res = web_sign_in(app, name, &password).await;
    assert_eq!(res.status(), 303, "{name} signs in");
    browser::set_cookie(&res, "staffroom_session").expect("a session")
}

/// The URL of the invite a page says was just made.
fn made_invite(html: &str) -> &str {
    html.split("New invite: <code>")
        .nth(1)
        .and_then(|r| r.split("</code>").next())
        .unwrap_or_else(|| panic!("{html}"))
}

/// A page's HTML and the CSRF token of its forms.
async fn admin_page(app: &TestApp, session: &str, path: &str) -> (u16, String) {
    let res = browser::get(app, path, Some(session)).await;
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moderator_cannot_change_roles_in_the_admin_pages_and_an_admin_can() {
    let app = TestApp::spawn().await;
    staff(&app).await;
    let mel = account_id(&app, "mel").await;

    let mona = browser_session(&app, "mona").await;
    let (status, html) = admin_page(&app, &mona, "/admin/accounts").await;
    assert_eq!(status, 200);
    assert!(
        !html.contains("Change role"),
        "a moderator is not offered the role form: {html}"
    );
    assert!(
        html.contains("Suspend @mel"),
        "but may suspend a member: {html}"
    );
    let csrf = browser::csrf_of(&html);
    let refused = browser::post(
        &app,
        &format!("/admin/accounts/{mel}/role"),
        Some(&mona),
        &[("csrf", &csrf), ("role", "admin")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("change roles"));
    assert!(
        ok(&app, &["user", "list"])
            .lines()
            .any(|l| l.starts_with("mel ") && l.contains("member")),
        "nothing changed"
    );

    let adam = browser_session(&app, "adam").await;
    let (_, html) = admin_page(&app, &adam, "/admin/accounts").await;
    assert!(
        html.contains(r#"<label for="role-"#) && html.contains("Role of @mel"),
        "the role control is labelled: {html}"
    );
    let csrf = browser::csrf_of(&html);
    let above = browser::post(
        &app,
        &format!("/admin/accounts/{mel}/role"),
        Some(&adam),
        &[("csrf", &csrf), ("role", "admin")],
    )
    .await;
    assert_eq!(
        above.status(),
        403,
        "an admin gives only roles below their own"
    );
    let done = browser::post(
        &app,
        &format!("/admin/accounts/{mel}/role"),
        Some(&adam),
        &[("csrf", &csrf), ("role", "moderator")],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert!(ok(&app, &["user", "list"])
        .lines()
        .any(|l| l.starts_with("mel ") && l.contains("moderator")));
    let forged = browser::post(
        &app,
        &format!("/admin/accounts/{mel}/role"),
        Some(&adam),
        &[("csrf", "forged"), ("role", "member")],
    )
    .await;
    assert_eq!(
        forged.status(),
        403,
        "the admin forms need their CSRF token"
    );

    // A member gets no admin page at all.
    let max = browser_session(&app, "max").await;
    assert_eq!(admin_page(&app, &max, "/admin/reports").await.0, 403);
    assert_eq!(admin_page(&app, &max, "/admin/audit").await.0, 403);
    let (status, log) = admin_page(&app, &adam, "/admin/audit").await;
    assert_eq!(status, 200);
    assert!(
        log.contains("change_role:moderator") && log.contains("@mel"),
        "{log}"
    );

    // Nor does a member's forged form suspend anyone; a moderator's does.
    let csrf = browser::csrf_of(
        &browser::get(&app, "/settings/profile", Some(&max))
            .await
            .text()
            .await
            .unwrap(),
    );
    let refused = browser::post(
        &app,
        &format!("/admin/accounts/{mel}/suspend"),
        Some(&max),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        app.get("/users/mel", Some("application/activity+json"))
            .await
            .status(),
        200,
        "mel is not suspended"
    );
    let max_id = account_id(&app, "max").await;
    let csrf = browser::csrf_of(&admin_page(&app, &mona, "/admin/accounts").await.1);
    let done = browser::post(
        &app,
        &format!("/admin/accounts/{max_id}/suspend"),
        Some(&mona),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        app.get("/users/max", Some("application/activity+json"))
            .await
            .status(),
        410
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_opens_sign_ups_and_makes_invites_in_the_admin_pages() {
    let app = TestApp::spawn().await;
    staff(&app).await;
    let adam = browser_session(&app, "adam").await;
    let (status, html) = admin_page(&app, &adam, "/admin/joining").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"<label for="registrations">Who may sign up"#),
        "{html}"
    );
    let csrf = browser::csrf_of(&html);
    let set = browser::post(
        &app,
        "/admin/joining/registrations",
        Some(&adam),
        &[("csrf", &csrf), ("registrations", "invite-only")],
    )
    .await;
    assert_eq!(set.status(), 303);
    assert!(ok(&app, &["settings", "show"]).contains("registrations = invite-only"));
    let made = browser::post(
        &app,
        "/admin/joining/invites",
        Some(&adam),
        &[("csrf", &csrf), ("max_uses", "2"), ("expires_in", "")],
    )
    .await;
    assert_eq!(made.status(), 200);
    let html = made.text().await.unwrap();
    let url = made_invite(&html);
    let path = url.strip_prefix(&app.address).unwrap();
    assert_eq!(
        browser::get(&app, path, None).await.status(),
        303,
        "the invite works"
    );
    // A moderator may not change who joins.
    let mona = browser_session(&app, "mona").await;
    let refused = browser::post(
        &app,
        "/admin/joining/registrations",
        Some(&mona),
        &[
            (
                "csrf",
                &browser::csrf_of(&admin_page(&app, &mona, "/admin/reports").await.1),
            ),
            ("registrations", "open"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert!(ok(&app, &["settings", "show"]).contains("registrations = invite-only"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_command_line_suspends_and_unsuspends_a_teacher() {
    let app = TestApp::spawn().await;
    app.create_user("max").await;
    app.create_user("mel").await;
    let max = api::token(&app, "max").await;
    let front = async |app: &TestApp| browser::get(app, "/", None).await.text().await.unwrap();
    assert!(
        front(&app).await.contains("@max@"),
        "the front page lists max"
    );

    let said = ok(&app, &["user", "suspend", "max", "--reason", "spam"]);
    assert!(said.contains("@max is suspended"), "{said}");
    assert_eq!(
        api::get(&app, "/api/v1/accounts/verify_credentials", Some(&max))
            .await
            .status,
        403
    );
    let page = front(&app).await;
    assert!(
        !page.contains("@max@"),
        "a suspended teacher is not on the front page: {page}"
    );
    assert!(page.contains("@mel@"), "control: others are");
    assert!(ok(&app, &["audit"]).contains("(command line) suspend @max  — spam"));

    ok(&app, &["user", "unsuspend", "max"]);
    assert_eq!(credentials(&app, &max).await["username"], "max");
    assert!(front(&app).await.contains("@max@"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_instance_profile_shows_on_the_about_page_and_to_apps() {
    let app = TestApp::spawn().await;
    let before: Value = app
        .get("/api/v2/instance", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        before["description"],
        "A server for teachers' learning networks."
    );
    ok(
        &app,
        &[
            "settings",
            "set",
            "description",
            "The staff room of Hillside School: lesson ideas and news.",
        ],
    );
    ok(
        &app,
        &["settings", "set", "contact", "office@hillside.example"],
    );
    ok(
        &app,
        &["settings", "set", "rules", "Be kind\nNo pupils' names"],
    );
    let bad = staffroom(&app, &["settings", "set", "contact", "not an address"]);
    assert_eq!(bad.status.code(), Some(1));
    let shown = ok(&app, &["settings", "show"]);
    assert!(
        shown.contains("contact = office@hillside.example"),
        "{shown}"
    );

    let v1: Value = app
        .get("/api/v1/instance", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v1["description"],
        "The staff room of Hillside School: lesson ideas and news."
    );
    assert_eq!(v1["email"], "office@hillside.example");
    let v2: Value = app
        .get("/api/v2/instance", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        v2["description"],
        "The staff room of Hillside School: lesson ideas and news."
    );
    assert_eq!(v2["contact"]["email"], "office@hillside.example");
    assert_eq!(v2["rules"][1]["text"], "No pupils' names");
    let about = app.get("/about", None).await.text().await.unwrap();
    for text in [
        "The staff room of Hillside School",
        "<li>Be kind</li>",
        "mailto:office@hillside.example",
    ] {
        assert!(about.contains(text), "{text} on the about page");
    }

    // An admin changes them in the admin pages.
    let head = app.create_user("head").await;
    ok(&app, &["user", "role", "head", "admin"]);
    let cookie = {
        let res = web_sign_in(&app, "head", head.generated_password.as_deref().unwrap()).await;
        browser::set_cookie(&res, "staffroom_session").unwrap()
    };
    let page = browser::get(&app, "/admin/joining", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let csrf = browser::csrf_of(&page);
    let saved = browser::post(
        &app,
        "/admin/joining/profile",
        Some(&cookie),
        &[
            ("csrf", csrf.as_str()),
            ("description", "Hillside's staff room."),
            ("contact", "office@hillside.example"),
            ("rules", "Be kind\nNo pupils' names\nNo adverts"),
        ],
    )
    .await;
    assert_eq!(saved.status(), 303);
    let v2: Value = app
        .get("/api/v2/instance", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v2["description"], "Hillside's staff room.");
    assert_eq!(v2["rules"].as_array().unwrap().len(), 3);
    let audit = ok(&app, &["audit"]);
    assert!(
        audit.contains("@head change_setting:description"),
        "{audit}"
    );
    assert!(
        !audit.contains("@head change_setting:contact"),
        "an unchanged setting is not written again: {audit}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_warning_and_its_note_are_shown_to_the_teacher() {
    let app = TestApp::spawn().await;
    app.create_user("mona").await;
    ok(&app, &["user", "role", "mona", "moderator"]);
    let max = app.create_user("max").await;
    let cookie = {
        let res = web_sign_in(&app, "max", max.generated_password.as_deref().unwrap()).await;
        browser::set_cookie(&res, "staffroom_session").unwrap()
    };
    let before = browser::get(&app, "/notifications", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(!before.contains("From the moderators"));
    let mona = staffroom::services::tokens::create(
        &app.pool,
        "mona",
        "test",
        "read write admin:read admin:write",
    )
    .await
    .unwrap();
    let warned = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{}/action", max.account.id),
        &mona,
        &[("type", "none"), ("text", "Adverts again: please stop.")],
    )
    .await;
    assert_eq!(warned.status, 200, "{}", warned.body);
    let silenced = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{}/action", max.account.id),
        &mona,
        &[("type", "silence"), ("text", "Third advert this week.")],
    )
    .await;
    assert_eq!(silenced.status, 200, "{}", silenced.body);
    let page = browser::get(&app, "/notifications", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("From the moderators"), "{page}");
    assert!(
        page.contains("The moderators sent you a warning.")
            && page.contains("Adverts again: please stop."),
        "{page}"
    );
    assert!(
        page.contains("The moderators limited your account")
            && page.contains("Third advert this week."),
        "{page}"
    );
    assert!(!page.contains("@mona"), "who moderated is not shown");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_warning_reaches_apps_as_a_moderation_warning_notification() {
    let app = TestApp::spawn().await;
    app.create_user("mona").await;
    ok(&app, &["user", "role", "mona", "moderator"]);
    let max = app.create_user("max").await.account;
    app.create_user("ann").await;
    let mona = staffroom::services::tokens::create(
        &app.pool,
        "mona",
        "test",
        "read write admin:read admin:write",
    )
    .await
    .unwrap();
    let max_token = api::token(&app, "max").await;
    let ann = api::token(&app, "ann").await;
    let advert = api::status(&app, &max_token, "Buy my lesson plans!", "public").await;
    let advert_id = advert["id"].as_str().unwrap();
    // A notification of another kind beside it, for the filters below.
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/statuses/{advert_id}/favourite"),
            &ann,
            &[]
        )
        .await
        .status,
        200
    );
    let report = api::post(
        &app,
        "/api/v1/reports",
        &ann,
        &[
            ("account_id", &max.id.to_string()),
            ("status_ids[]", advert_id),
            ("comment", "adverts"),
        ],
    )
    .await;
    assert_eq!(report.status, 200, "{}", report.body);
    let report_id = report.body["id"].as_str().unwrap().to_string();

    let limited = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{}/action", max.id),
        &mona,
        &[
            ("type", "silence"),
            ("report_id", &report_id),
            ("text", "Third advert this week."),
        ],
    )
    .await;
    assert_eq!(limited.status, 200, "{}", limited.body);

    let all = api::get(&app, "/api/v1/notifications", Some(&max_token)).await;
    assert_eq!(all.status, 200);
    let kinds: Vec<&str> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["moderation_warning", "favourite"], "{}", all.body);
    let n = &all.body[0];
    assert_eq!(
        n["account"]["id"],
        max.id.to_string(),
        "from the account itself: the moderator is not named"
    );
    let warning = &n["moderation_warning"];
    assert_eq!(warning["action"], "silence");
    assert_eq!(warning["text"], "Third advert this week.");
    assert_eq!(warning["status_ids"], serde_json::json!([advert_id]));
    assert_eq!(warning["target_account"]["id"], max.id.to_string());
    assert!(
        warning["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{warning}"
    );
    assert!(
        warning["created_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{warning}"
    );
    assert!(
        all.body[1].get("moderation_warning").is_none(),
        "only warnings carry one"
    );
    let one = api::get(
        &app,
        &format!("/api/v1/notifications/{}", n["id"].as_str().unwrap()),
        Some(&max_token),
    )
    .await;
    assert_eq!(
        one.body["moderation_warning"]["text"],
        "Third advert this week."
    );

    // Each warning is its own notification (the once-per-cause rule is for posts).
    let warned = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{}/action", max.id),
        &mona,
        &[("type", "none"), ("text", "Please stop.")],
    )
    .await;
    assert_eq!(warned.status, 200, "{}", warned.body);
    let only = api::get(
        &app,
        "/api/v1/notifications?types[]=moderation_warning",
        Some(&max_token),
    )
    .await;
    let actions: Vec<&str> = only
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["moderation_warning"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["none", "silence"], "{}", only.body);
    let favourites = api::get(
        &app,
        "/api/v1/notifications?types[]=favourite",
        Some(&max_token),
    )
    .await;
    assert_eq!(favourites.ids().len(), 1);
    assert_eq!(favourites.body[0]["type"], "favourite");
    let without = api::get(
        &app,
        "/api/v1/notifications?exclude_types[]=moderation_warning",
        Some(&max_token),
    )
    .await;
    assert_eq!(without.ids(), favourites.ids());
    // Undoing is not announced.
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/admin/accounts/{}/unsilence", max.id),
            &mona,
            &[]
        )
        .await
        .status,
        200
    );
    assert_eq!(
        api::get(
            &app,
            "/api/v1/notifications?types[]=moderation_warning",
            Some(&max_token)
        )
        .await
        .ids()
        .len(),
        2
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moderator_handles_a_report_in_the_pages_removing_a_post_and_warning_its_author() {
    let app = TestApp::spawn().await;
    staff(&app).await;
    let max = api::token(&app, "max").await;
    let mel = api::token(&app, "mel").await;
    let adam = api::token(&app, "adam").await;
    // Signing in on the web below resets passwords, which revokes tokens: olga only looks.
    let olga = api::token(&app, "olga").await;
    let ad = api::status(&app, &max, "Buy my lesson plans!", "public").await;
    let ad_id = ad["id"].as_str().unwrap().to_string();
    let fine = api::status(&app, &max, "Fractions with paper strips", "public").await;
    let fine_id = fine["id"].as_str().unwrap().to_string();
    let admins_post = api::status(&app, &adam, "Staff meeting at four", "public").await;
    let admins_id = admins_post["id"].as_str().unwrap().to_string();
    let max_id = account_id(&app, "max").await;
    let filed = api::post(
        &app,
        "/api/v1/reports",
        &mel,
        &[
            ("account_id", &max_id),
            ("status_ids[]", &ad_id),
            ("comment", "adverts again"),
        ],
    )
    .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let report_id = filed.body["id"].as_str().unwrap().to_string();

    let mona = browser_session(&app, "mona").await;
    let (status, html) = admin_page(&app, &mona, "/admin/reports").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Report about @max") && html.contains("Buy my lesson plans!"),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"action="/admin/statuses/{ad_id}/delete""#))
            && html.contains("What to do about @max"),
        "the report offers removing the post and acting on its author: {html}"
    );
    let csrf = browser::csrf_of(&html);

    // A member's forged form removes nothing; the moderator's removes the advert only.
    let member = browser_session(&app, "mel").await;
    let member_csrf = browser::csrf_of(
        &browser::get(&app, "/settings/profile", Some(&member))
            .await
            .text()
            .await
            .unwrap(),
    );
    let refused = browser::post(
        &app,
        &format!("/admin/statuses/{ad_id}/delete"),
        Some(&member),
        &[("csrf", &member_csrf), ("text", "")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        api::get(&app, &format!("/api/v1/statuses/{ad_id}"), Some(&olga))
            .await
            .status,
        200,
        "still there after the member's try"
    );
    let removed = browser::post(
        &app,
        &format!("/admin/statuses/{ad_id}/delete"),
        Some(&mona),
        &[("csrf", &csrf), ("text", "advertising")],
    )
    .await;
    assert_eq!(removed.status(), 303);
    assert_eq!(
        api::get(&app, &format!("/api/v1/statuses/{ad_id}"), Some(&olga))
            .await
            .status,
        404,
        "the advert is gone"
    );
    assert_eq!(
        api::get(&app, &format!("/api/v1/statuses/{fine_id}"), Some(&olga))
            .await
            .status,
        200,
        "the author's other post stays"
    );
    // A moderator does not remove an admin's post.
    let above = browser::post(
        &app,
        &format!("/admin/statuses/{admins_id}/delete"),
        Some(&mona),
        &[("csrf", &csrf), ("text", "")],
    )
    .await;
    assert_eq!(above.status(), 403);
    assert_eq!(
        api::get(&app, &format!("/api/v1/statuses/{admins_id}"), Some(&olga))
            .await
            .status,
        200
    );

    // Warn with a note, which resolves the report; the teacher reads the note.
    let acted = browser::post(
        &app,
        &format!("/admin/reports/{report_id}/act"),
        Some(&mona),
        &[
            ("csrf", &csrf),
            ("action", "warn"),
            ("text", "No adverts here, please."),
        ],
    )
    .await;
    assert_eq!(acted.status(), 303);
    let moderator = admin_token(&app, "mona").await;
    let report = api::get(
        &app,
        &format!("/api/v1/admin/reports/{report_id}"),
        Some(&moderator),
    )
    .await;
    assert_eq!(report.body["action_taken"], true, "{}", report.body);
    let max_browser = browser_session(&app, "max").await;
    let notices = browser::get(&app, "/notifications", Some(&max_browser))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        notices.contains("The moderators sent you a warning.")
            && notices.contains("No adverts here, please."),
        "{notices}"
    );

    // Resolved reports are listed apart, and can be reopened.
    let (_, open) = admin_page(&app, &mona, "/admin/reports").await;
    assert!(!open.contains("Report about @max"), "{open}");
    let (_, resolved) = admin_page(&app, &mona, "/admin/reports?resolved=1").await;
    assert!(
        resolved.contains("Report about @max") && resolved.contains("Reopen"),
        "{resolved}"
    );
    let reopened = browser::post(
        &app,
        &format!("/admin/reports/{report_id}/reopen"),
        Some(&mona),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(reopened.status(), 303);
    let report = api::get(
        &app,
        &format!("/api/v1/admin/reports/{report_id}"),
        Some(&moderator),
    )
    .await;
    assert_eq!(report.body["action_taken"], false, "{}", report.body);

    let log = ok(&app, &["audit"]);
    assert!(
        log.contains("@mona delete_status") && log.contains("advertising"),
        "{log}"
    );
    assert!(log.contains("@mona warn @max"), "{log}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_blocks_and_allows_servers_in_the_pages_and_a_moderator_may_not() {
    let app = TestApp::spawn().await;
    let staff = staff(&app).await;
    // Signing in on the web resets adam's password (and tokens): the owner's token reads.
    let adam = browser_session(&app, "adam").await;
    let (status, html) = admin_page(&app, &adam, "/admin/federation").await;
    assert_eq!(status, 200);
    assert!(html.contains("No server is blocked."), "{html}");
    let csrf = browser::csrf_of(&html);
    let blocked = browser::post(
        &app,
        "/admin/federation/blocks",
        Some(&adam),
        &[
            ("csrf", &csrf),
            ("domain", "spam.example"),
            ("private_comment", "sent adverts to every teacher"),
            ("public_comment", "spam"),
        ],
    )
    .await;
    assert_eq!(blocked.status(), 303);
    let listed = api::get(&app, "/api/v1/admin/domain_blocks", Some(&staff.owner)).await;
    assert_eq!(listed.body[0]["domain"], "spam.example", "{}", listed.body);
    assert_eq!(listed.body[0]["public_comment"], "spam");
    assert!(ok(&app, &["domain", "list"]).contains("spam.example"));

    // A moderator may not change which servers we talk to.
    let mona = browser_session(&app, "mona").await;
    assert_eq!(admin_page(&app, &mona, "/admin/federation").await.0, 403);
    let mona_csrf = browser::csrf_of(&admin_page(&app, &mona, "/admin/reports").await.1);
    let refused = browser::post(
        &app,
        "/admin/federation/blocks",
        Some(&mona),
        &[("csrf", &mona_csrf), ("domain", "other.example")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert!(!ok(&app, &["domain", "list"]).contains("other.example"));

    let allowed = browser::post(
        &app,
        "/admin/federation/allows",
        Some(&adam),
        &[("csrf", &csrf), ("domain", "partner-school.example")],
    )
    .await;
    assert_eq!(allowed.status(), 303);
    let allows = api::get(&app, "/api/v1/admin/domain_allows", Some(&staff.owner)).await;
    assert_eq!(allows.body[0]["domain"], "partner-school.example");
    let (_, html) = admin_page(&app, &adam, "/admin/federation").await;
    assert!(
        html.contains("Unblock spam.example")
            && html.contains("Remove partner-school.example from the allowlist"),
        "{html}"
    );

    let id = listed.body[0]["id"].as_str().unwrap();
    let unblocked = browser::post(
        &app,
        &format!("/admin/federation/blocks/{id}/remove"),
        Some(&adam),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(unblocked.status(), 303);
    assert!(!ok(&app, &["domain", "list"]).contains("spam.example"));
    let log = ok(&app, &["audit"]);
    assert!(
        log.contains("@adam block_domain spam.example")
            && log.contains("@adam unblock_domain spam.example")
            && log.contains("@adam allow_domain partner-school.example"),
        "{log}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn teachers_invite_colleagues_when_the_admins_allow_it() {
    let app = TestApp::spawn().await;
    staff(&app).await;
    ok(&app, &["settings", "set", "registrations", "invite-only"]);
    let mel = browser_session(&app, "mel").await;
    let html = browser::get(&app, "/settings/invites", Some(&mel))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("invites are made by its admins"), "{html}");
    let csrf = browser::csrf_of(&html);
    let refused = browser::post(
        &app,
        "/settings/invites",
        Some(&mel),
        &[("csrf", &csrf), ("max_uses", "1"), ("expires_in", "")],
    )
    .await;
    assert_eq!(refused.status(), 403);

    // A moderator may not change who invites; an admin may.
    let mona = browser_session(&app, "mona").await;
    let mona_csrf = browser::csrf_of(&admin_page(&app, &mona, "/admin/reports").await.1);
    let not_theirs = browser::post(
        &app,
        "/admin/joining/invites_by",
        Some(&mona),
        &[("csrf", &mona_csrf), ("invites_by", "everyone")],
    )
    .await;
    assert_eq!(not_theirs.status(), 403);
    assert!(ok(&app, &["settings", "show"]).contains("invites_by = admins"));
    let adam = browser_session(&app, "adam").await;
    let (_, joining) = admin_page(&app, &adam, "/admin/joining").await;
    assert!(joining.contains(r#"<label for="invites_by">"#), "{joining}");
    let set = browser::post(
        &app,
        "/admin/joining/invites_by",
        Some(&adam),
        &[
            ("csrf", &browser::csrf_of(&joining)),
            ("invites_by", "everyone"),
        ],
    )
    .await;
    assert_eq!(set.status(), 303);
    assert!(ok(&app, &["settings", "show"]).contains("invites_by = everyone"));

    let made = browser::post(
        &app,
        "/settings/invites",
        Some(&mel),
        &[("csrf", &csrf), ("max_uses", "1"), ("expires_in", "7")],
    )
    .await;
    assert_eq!(made.status(), 200);
    let html = made.text().await.unwrap();
    let url = made_invite(&html);
    let path = url.strip_prefix(&app.address).unwrap();
    assert_eq!(
        browser::get(&app, path, None).await.status(),
        303,
        "the teacher's invite leads to sign-up"
    );
    // Each teacher sees their own invites only.
    let max = browser_session(&app, "max").await;
    let theirs = browser::get(&app, "/settings/invites", Some(&max))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !theirs.contains(url) && theirs.contains("Make an invite"),
        "{theirs}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stats_count_teachers_posts_and_reports() {
    let app = TestApp::spawn().await;
    staff(&app).await;
    let max = api::token(&app, "max").await;
    let mel = api::token(&app, "mel").await;
    api::status(&app, &max, "Buy my lesson plans!", "public").await;
    api::status(&app, &mel, "Times tables song", "public").await;
    let filed = api::post(
        &app,
        "/api/v1/reports",
        &mel,
        &[("account_id", &account_id(&app, "max").await)],
    )
    .await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let out = ok(&app, &["stats"]);
    assert!(out.contains("teachers: 5 "), "{out}");
    assert!(out.contains("posts: 2 written here"), "{out}");
    assert!(out.contains("open reports: 1"), "{out}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_suspended_teacher_cannot_sign_in_on_the_web() {
    let app = TestApp::spawn().await;
    let max = app.create_user("max").await;
    let mel = app.create_user("mel").await;
    ok(&app, &["user", "suspend", "max"]);
    let refused = web_sign_in(&app, "max", max.generated_password.as_deref().unwrap()).await;
    assert_ne!(refused.status(), 303);
    assert!(browser::set_cookie(&refused, "staffroom_session").is_none());
    let signed_in = web_sign_in(&app, "mel", mel.generated_password.as_deref().unwrap()).await;
    assert_eq!(signed_in.status(), 303, "an unsuspended teacher signs in");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moderator_switches_a_hashtag_off_and_on_in_the_admin_pages_and_a_member_cannot() {
    let app = TestApp::spawn().await;
    staff(&app).await;

    let mel = browser_session(&app, "mel").await;
    let (status, _) = admin_page(&app, &mel, "/admin/tags").await;
    assert_eq!(status, 403, "a member does not see the tag actors");
    let (_, home) = admin_page(&app, &mel, "/home").await;
    let refused = browser::post(
        &app,
        "/admin/tags",
        Some(&mel),
        &[("csrf", &browser::csrf_of(&home)), ("name", "edchat")],
    )
    .await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("manage hashtags"));
    assert!(
        !ok(&app, &["tag", "list"]).contains("#edchat"),
        "nothing changed"
    );

    let mona = browser_session(&app, "mona").await;
    let (status, html) = admin_page(&app, &mona, "/admin/tags").await;
    assert_eq!(status, 200);
    assert!(html.contains("Switch off a hashtag"), "{html}");
    let csrf = browser::csrf_of(&html);
    let done = browser::post(
        &app,
        "/admin/tags",
        Some(&mona),
        &[("csrf", &csrf), ("name", "#EdChat")],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert!(ok(&app, &["tag", "list"]).contains("#edchat\tdisabled"));
    let (_, html) = admin_page(&app, &mona, "/admin/tags").await;
    assert!(html.contains("Switch on #edchat"), "{html}");
    let done = browser::post(
        &app,
        "/admin/tags/edchat/enable",
        Some(&mona),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(done.status(), 303);
    assert!(ok(&app, &["tag", "list"]).contains("#edchat\tenabled"));
    let audit = ok(&app, &["audit"]);
    assert!(audit.contains("@mona tag_actor.disable #edchat"), "{audit}");
    assert!(audit.contains("@mona tag_actor.enable #edchat"), "{audit}");
}
