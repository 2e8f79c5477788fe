//! Mail through a real SMTP server (aiosmtpd, writing a Maildir): a sign-up's
//! confirmation link, the moderators' news of a sign-up waiting, the applicant's
//! approval, a password reset by a mailed link, a moderator's warning; and without
//! SMTP, the reset page sends people to their admins.

mod common;

use common::{api, browser, mail::MailCatcher, TestApp};

fn ok(app: &TestApp, args: &[&str]) -> String {
    app.cli_ok(args)
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

/// The path and query of one of our links.
fn local(app: &TestApp, link: &str) -> String {
    link.strip_prefix(&app.address)
        .unwrap_or_else(|| panic!("{link} is not on {}", app.address))
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_up_approval_password_reset_and_warning_arrive_by_mail() {
    let smtp = MailCatcher::start();
    let app = TestApp::spawn_with(&[
        ("STAFFROOM_SMTP_URL", &smtp.url),
        (
            "STAFFROOM_MAIL_FROM",
            "Staffroom <staffroom@school.example>",
        ),
    ])
    .await;
    ok(
        &app,
        &[
            "user",
            "add",
            "head",
            "--admin",
            "--email",
            "head@school.example",
        ],
    );
    ok(&app, &["settings", "set", "registrations", "approval"]);

    let fields = [
        ("username", "ada"),
        ("email", "ada@school.example"),
        ("password", "an old passphrase"),
        ("reason", "I teach physics in room 12"),
        ("agreement", "1"),
    ];
    let signed_up = browser::fill_in(
        &app,
        "/auth/sign_up",
        "staffroom_sign_up",
        "/auth/sign_up",
        &fields,
    )
    .await;
    assert_eq!(signed_up.status(), 200);

    let waiting = smtp
        .wait_for("head@school.example", "New sign-up waiting: @ada")
        .await;
    assert!(
        waiting.body.contains("I teach physics in room 12"),
        "{}",
        waiting.body
    );
    assert!(
        waiting
            .body
            .contains(&format!("{}/admin/joining", app.address)),
        "{}",
        waiting.body
    );
    assert_eq!(
        waiting.header("from"),
        Some("Staffroom <staffroom@school.example>")
    );

    // The confirmation link works once.
    let confirm = smtp
        .wait_for("ada@school.example", "Confirm your email address")
        .await;
    let link = confirm
        .link(&format!("{}/auth/confirmation?token=", app.address))
        .expect("a confirmation link");
    let confirmed = browser::get(&app, &local(&app, &link), None).await;
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed
        .text()
        .await
        .unwrap()
        .contains("your email address is confirmed"));
    assert_eq!(
        browser::get(&app, &local(&app, &link), None).await.status(),
        400,
        "a used link"
    );

    ok(&app, &["user", "approve", "ada"]);
    let approved = smtp
        .wait_for("ada@school.example", "Your account is approved")
        .await;
    assert!(
        approved
            .body
            .contains(&format!("{}/auth/sign_in", app.address)),
        "{}",
        approved.body
    );

    // A reset link is mailed; the page says the same whoever is asked about.
    let asked = browser::fill_in(
        &app,
        "/auth/password/new",
        "staffroom_password",
        "/auth/password/new",
        &[("login", "ada")],
    )
    .await;
    assert_eq!(asked.status(), 200);
    let answer = asked.text().await.unwrap();
    assert!(answer.contains("a link is on its way"), "{answer}");
    let nobody = browser::fill_in(
        &app,
        "/auth/password/new",
        "staffroom_password",
        "/auth/password/new",
        &[("login", "nobody")],
    )
    .await;
    assert_eq!(nobody.status(), 200);
    assert!(nobody
        .text()
        .await
        .unwrap()
        .contains("a link is on its way"));

    let reset = smtp
        .wait_for("ada@school.example", "Set a new password")
        .await;
    let link = reset
        .link(&format!("{}/auth/password/edit?token=", app.address))
        .expect("a reset link");
    let token = link.split_once("token=").unwrap().1.to_string();
    let path = local(&app, &link);
    let too_short = browser::fill_in(
        &app,
        &path,
        "staffroom_password",
        "/auth/password/edit",
        &[("token", token.as_str()), ("password", "short")],
    )
    .await;
    assert_eq!(
        too_short.status(),
        422,
        "a refused password leaves the link usable"
    );
    let set = browser::fill_in(
        &app,
        &path,
        "staffroom_password",
        "/auth/password/edit",
        &[
            ("token", token.as_str()),
            ("password", "a brand new passphrase"),
        ],
    )
    .await;
    assert_eq!(set.status(), 200);
    assert!(set
        .text()
        .await
        .unwrap()
        .contains("Your new password is set"));
    assert_eq!(
        web_sign_in(&app, "ada", "a brand new passphrase")
            .await
            .status(),
        303,
        "the new password works"
    );
    assert_eq!(
        web_sign_in(&app, "ada", "an old passphrase").await.status(),
        401,
        "the old one does not"
    );
    assert_eq!(
        browser::get(&app, &path, None).await.status(),
        400,
        "the link works once"
    );

    // A warning from a moderator reaches the teacher with its note.
    let head = staffroom::services::tokens::create(
        &app.pool,
        "head",
        "test",
        "read write admin:read admin:write",
    )
    .await
    .unwrap();
    let ada = staffroom::services::accounts::find_local_account(&app.pool, "ada")
        .await
        .unwrap();
    let warned = api::post(
        &app,
        &format!("/api/v1/admin/accounts/{}/action", ada.id),
        &head,
        &[
            ("type", "none"),
            ("text", "Please keep lesson plans of others private."),
        ],
    )
    .await;
    assert_eq!(warned.status, 200, "{}", warned.body);
    let warning = smtp
        .wait_for("ada@school.example", "A message from the moderators")
        .await;
    assert!(
        warning.body.contains("sent you a warning"),
        "{}",
        warning.body
    );
    assert!(
        warning
            .body
            .contains("Please keep lesson plans of others private."),
        "{}",
        warning.body
    );

    // Nobody else got mail meant for ada.
    assert!(smtp
        .all()
        .iter()
        .all(|m| !m.body.contains("keep lesson plans")
            || m.header("x-rcptto").is_some_and(|r| r.contains("ada@"))));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_smtp_the_reset_page_sends_people_to_their_admins() {
    let app = TestApp::spawn().await;
    let page = browser::get(&app, "/auth/password/new", None).await;
    assert_eq!(page.status(), 200);
    let text = page.text().await.unwrap();
    assert!(
        text.contains("ask its administrators to reset your password"),
        "{text}"
    );
    assert!(
        !text.contains("<form method=\"post\" action=\"/auth/password/new\""),
        "no form to send"
    );
    // The sign-in page links there.
    assert!(browser::get(&app, "/auth/sign_in", None)
        .await
        .text()
        .await
        .unwrap()
        .contains("href=\"/auth/password/new\""));
    app.stop().await;
}
