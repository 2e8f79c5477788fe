//! The web interface over real HTTP, as a browser without JavaScript uses it:
//! signing in and out, the session cookie, CSRF tokens on every form, the home
//! timeline and compose form, the security headers, and the German catalogue.
//! Cookies are carried by hand from `Set-Cookie`.

mod common;

use common::{api, eventually, TestApp};
use reqwest::{header, Response};

/// A browser: its session cookie, if it has one.
struct Browser<'a> {
    app: &'a TestApp,
    session: Option<String>,
}

/// The `name=value` of the cookie `name` a response sets, if any.
fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

/// The first CSRF token a page's forms carry.
fn csrf_of(html: &str) -> String {
    let start = html
        .find(r#"name="csrf" value=""#)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn location(res: &Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp) -> Browser<'a> {
        Browser { app, session: None }
    }

    async fn get(&self, path: &str) -> Response {
        let mut req = self.app.client.get(format!("{}{path}", self.app.address));
        if let Some(c) = &self.session {
            req = req.header(header::COOKIE, c);
        }
        req.send().await.unwrap()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Response {
        let mut req = self
            .app
            .client
            .post(format!("{}{path}", self.app.address))
            .form(form);
        if let Some(c) = &self.session {
            req = req.header(header::COOKIE, c);
        }
        req.send().await.unwrap()
    }

    /// Fills in and sends the sign-in form; keeps the session cookie it sets.
    async fn sign_in(&mut self, login: &str, password: &str) -> Response {
        // The form is fetched without the session (signed in, the page sends the
        // browser home); the POST carries it, as a planted session id would be.
        let form = self
            .app
            .client
            .get(format!("{}/auth/sign_in", self.app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(form.status(), 200);
        let pre = cookie_pair(
            &set_cookie(&form, "staffroom_sign_in")
                .expect("the sign-in form sets its token cookie"),
        );
        let csrf = csrf_of(&form.text().await.unwrap());
        let mut req = self
            .app
            .client
            .post(format!("{}/auth/sign_in", self.app.address))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
            ]);
        let cookies = match &self.session {
            Some(s) => format!("{pre}; {s}"),
            None => pre,
        };
        req = req.header(header::COOKIE, cookies);
        let res = req.send().await.unwrap();
        if let Some(c) =
            set_cookie(&res, "staffroom_session").filter(|c| !c.starts_with("staffroom_session=;"))
        {
            self.session = Some(cookie_pair(&c));
        }
        res
    }

    /// The CSRF token of the session, from the home page's forms.
    async fn csrf(&self) -> String {
        let home = self.get("/home").await;
        assert_eq!(home.status(), 200);
        csrf_of(&home.text().await.unwrap())
    }
}

async fn teacher(app: &TestApp, name: &str) -> String {
    app.create_user(name)
        .await
        .generated_password
        .expect("a generated password")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_refused_and_the_right_one_lands_on_home() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);

    let wrong = browser.sign_in("ada", "not her password").await;
    assert_eq!(wrong.status(), 401);
    assert!(
        set_cookie(&wrong, "staffroom_session").is_none(),
        "no session for a wrong password"
    );
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("Wrong username or password."));
    assert!(browser.session.is_none());

    let right = browser.sign_in("ada", &password).await;
    assert_eq!(right.status(), 303);
    assert_eq!(location(&right), "/home");
    let home = browser.get("/home").await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    for name in [
        "Post text",
        "Content warning",
        "Visibility",
        ">Post<",
        "Sign out",
        "@ada",
    ] {
        assert!(html.contains(name), "/home shows {name:?}: {html}");
    }
    assert!(html.contains(r#"<html lang="en">"#));
    assert!(html.contains("<main") && html.contains("<header") && html.contains("<nav"));
    // Signed in, the sign-in page sends the browser home.
    assert_eq!(location(&browser.get("/auth/sign_in").await), "/home");
}

#[tokio::test(flavor = "multi_thread")]
async fn home_without_a_session_redirects_to_sign_in() {
    let app = TestApp::spawn().await;
    let mut browser = Browser::new(&app);
    let res = browser.get("/home").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/auth/sign_in");
    // A made-up session id opens nothing either.
    browser.session = Some("staffroom_session=made-up".into());
    let res = browser.get("/home").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/auth/sign_in");
    let page = browser.get("/auth/sign_in").await.text().await.unwrap();
    for name in ["Username or email", "Password", ">Sign in<"] {
        assert!(page.contains(name), "sign-in page shows {name:?}");
    }
    assert!(
        page.contains(r#"<label for="login">Username or email</label>"#),
        "the field is labelled: {page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_from_the_compose_form_appears_on_home_and_through_the_api() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let csrf = browser.csrf().await;

    let res = browser
        .post(
            "/statuses",
            &[
                ("csrf", &csrf),
                ("status", "Fractions with pizza #maths"),
                ("spoiler_text", ""),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/home");
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(home.contains("Fractions with pizza"), "{home}");
    assert!(home.contains("<article"));
    for name in [
        ">Reply<",
        ">Boost<",
        ">Like<",
        ">Bookmark<",
        ">Edit<",
        ">Delete<",
    ] {
        assert!(home.contains(name), "each post has {name:?}");
    }

    let token = api::token(&app, "ada").await;
    let timeline = api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
    assert_eq!(
        timeline.body[0]["content"]
            .as_str()
            .unwrap()
            .contains("Fractions with pizza"),
        true,
        "{}",
        timeline.body
    );
    assert_eq!(timeline.body[0]["visibility"], "public");
    let id = timeline.body[0]["id"].as_str().unwrap().to_string();

    // The buttons call the same services: a like through the page is a like in the API.
    let res = browser
        .post(
            &format!("/statuses/{id}/favourite"),
            &[("csrf", &csrf), ("back", "/home")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = browser
        .post(
            &format!("/statuses/{id}/bookmark"),
            &[("csrf", &csrf), ("back", "https://elsewhere.example/")],
        )
        .await;
    assert_eq!(location(&res), "/home", "never sent back to another site");
    let status = api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await;
    assert_eq!(status.body["favourited"], true);
    assert_eq!(status.body["bookmarked"], true);
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(home.contains(r#"aria-pressed="true">Like<"#), "{home}");

    // Public pages show it too: the local timeline and the hashtag.
    for page in ["/public/local", "/public", "/tags/maths"] {
        let html = Browser::new(&app).get(page).await.text().await.unwrap();
        assert!(
            html.contains("Fractions with pizza"),
            "{page} shows the post"
        );
    }
    let thread = browser.get(&format!("/statuses/{id}")).await;
    assert_eq!(thread.status(), 200);
    assert!(thread
        .text()
        .await
        .unwrap()
        .contains(&format!(r#"name="in_reply_to_id" value="{id}""#)));

    // Edit: the form starts with the post's own text; the change shows in the API.
    let form = browser
        .get(&format!("/statuses/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        form.contains(">Fractions with pizza #maths</textarea>"),
        "{form}"
    );
    assert!(form.contains(">Save<"));
    let res = browser
        .post(
            &format!("/statuses/{id}/edit"),
            &[
                ("csrf", &csrf),
                ("status", "Fractions with pie #maths"),
                ("spoiler_text", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let edited = api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await;
    assert!(
        edited.body["content"]
            .as_str()
            .unwrap()
            .contains("Fractions with pie"),
        "{}",
        edited.body
    );
    assert!(edited.body["edited_at"].is_string());
    // Someone else's post has no Edit, and editing it anyway is refused.
    let bob_password = teacher(&app, "bob").await;
    let mut bob = Browser::new(&app);
    bob.sign_in("bob", &bob_password).await;
    let bob_csrf = bob.csrf().await;
    let thread = bob
        .get(&format!("/statuses/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        thread.contains(">Like<") && !thread.contains(">Edit<") && !thread.contains(">Delete<"),
        "{thread}"
    );
    let res = bob
        .post(
            &format!("/statuses/{id}/edit"),
            &[
                ("csrf", &bob_csrf),
                ("status", "hijacked"),
                ("spoiler_text", ""),
            ],
        )
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = bob
        .post(&format!("/statuses/{id}/delete"), &[("csrf", &bob_csrf)])
        .await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(
        !api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token))
            .await
            .body["content"]
            .as_str()
            .unwrap()
            .contains("hijacked")
    );

    let res = browser
        .post(&format!("/statuses/{id}/delete"), &[("csrf", &csrf)])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token))
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let csrf = browser.csrf().await;
    let token = api::token(&app, "ada").await;

    let missing = browser
        .post(
            "/statuses",
            &[
                ("status", "forged without a token"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(missing.status(), 403);
    let wrong = browser
        .post(
            "/statuses",
            &[
                ("csrf", "0000"),
                ("status", "forged with a wrong token"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 403);
    // Another session's token does not open this one's forms.
    let mut other = Browser::new(&app);
    other.sign_in("ada", &password).await;
    let others = other.csrf().await;
    assert_ne!(others, csrf);
    let crossed = browser
        .post(
            "/statuses",
            &[
                ("csrf", &others),
                ("status", "forged with another token"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(crossed.status(), 403);
    let mine = api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
    assert_eq!(
        mine.body.as_array().unwrap().len(),
        0,
        "nothing was posted: {}",
        mine.body
    );

    // Control: the same form with its token goes through.
    let ok = browser
        .post(
            "/statuses",
            &[
                ("csrf", &csrf),
                ("status", "posted with the token"),
                ("visibility", "public"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 303);
    let mine = api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    let id = mine.body[0]["id"].as_str().unwrap().to_string();

    // Actions and signing out need it too.
    assert_eq!(
        browser
            .post(&format!("/statuses/{id}/delete"), &[])
            .await
            .status(),
        403
    );
    assert_eq!(browser.post("/auth/sign_out", &[]).await.status(), 403);
    assert_eq!(
        api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token))
            .await
            .status,
        200
    );
    assert_eq!(browser.get("/home").await.status(), 200, "still signed in");

    // The sign-in form needs its own token (from its cookie) as well.
    let res = app
        .client
        .post(format!("{}/auth/sign_in", app.address))
        .form(&[("login", "ada"), ("password", password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(set_cookie(&res, "staffroom_session").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn signing_out_ends_the_session_and_signing_in_again_rotates_it() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let first = browser.session.clone().unwrap();

    // Signing in again replaces the session, and the old id stops working.
    browser.sign_in("ada", &password).await;
    let second = browser.session.clone().unwrap();
    assert_ne!(first, second);
    let old = Browser {
        app: &app,
        session: Some(first),
    };
    assert_eq!(old.get("/home").await.status(), 303);

    let csrf = browser.csrf().await;
    let res = browser.post("/auth/sign_out", &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/auth/sign_in");
    let cleared = set_cookie(&res, "staffroom_session").expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // The old cookie, sent anyway, no longer opens /home: the server forgot the session.
    let res = browser.get("/home").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/auth/sign_in");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_session_cookie_is_http_only_same_site_lax_and_secure_outside_dev_mode() {
    for dev in ["true", "false"] {
        let app = TestApp::spawn_with(&[("STAFFROOM_DEV", dev)]).await;
        let password = teacher(&app, "ada").await;
        let mut browser = Browser::new(&app);
        let res = browser.sign_in("ada", &password).await;
        let cookie = set_cookie(&res, "staffroom_session").expect("a session cookie");
        let attributes: Vec<&str> = cookie.split(';').map(str::trim).collect();
        assert!(attributes.contains(&"HttpOnly"), "{cookie}");
        assert!(attributes.contains(&"SameSite=Lax"), "{cookie}");
        assert!(attributes.contains(&"Path=/"), "{cookie}");
        assert_eq!(
            attributes.contains(&"Secure"),
            dev == "false",
            "Secure outside dev mode only: {cookie}"
        );
        let value = cookie_pair(&cookie)["staffroom_session=".len()..].to_string();
        assert!(value.len() >= 43, "a long random id: {value}");
        // Only its hash is stored.
        let stored: i64 = {
            use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
            #[derive(diesel::QueryableByName)]
            struct N {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn = AsyncPgConnection::establish(&app.db.url).await.unwrap();
            let rows: Vec<N> =
                diesel::sql_query("SELECT count(*) AS n FROM web_sessions WHERE session_hash = $1")
                    .bind::<diesel::sql_types::Text, _>(&value)
                    .load(&mut conn)
                    .await
                    .unwrap();
            rows[0].n
        };
        assert_eq!(stored, 0, "the session id itself is not in the database");
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_page_carries_the_security_headers_and_no_inline_code() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);
    let signed_out: Vec<&str> = vec![
        "/",
        "/about",
        "/auth/sign_in",
        "/@ada",
        "/public/local",
        "/public",
        "/tags/maths",
    ];
    for page in &signed_out {
        check_headers(page, browser.get(page).await).await;
    }
    browser.sign_in("ada", &password).await;
    let res = browser.get("/home").await;
    assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
    check_headers("/home", res).await;

    let css = browser.get("/assets/staffroom.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(css.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("max-age=31536000"));
}

async fn check_headers(page: &str, res: Response) {
    assert_eq!(res.status(), 200, "{page}");
    let h = res.headers();
    let csp = h
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{page} has a CSP"))
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'self'"), "{page}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{page}: {csp}");
    assert!(
        h.get(header::REFERRER_POLICY).is_some(),
        "{page} has a Referrer-Policy"
    );
    assert_eq!(
        h.get(header::X_CONTENT_TYPE_OPTIONS)
            .map(|v| v.to_str().unwrap()),
        Some("nosniff"),
        "{page}"
    );
    let html = res.text().await.unwrap();
    // The one script allowed is ours, from its file, with nothing inline.
    let ours = html.split("<script").skip(1).all(|tag| {
        tag.starts_with(r#" src="/assets/staffroom.js?v="#)
            && tag
                .split('>')
                .nth(1)
                .is_some_and(|rest| rest.starts_with("</script"))
    });
    assert!(ours, "{page} has no inline scripts");
    assert!(
        !html.contains("<style")
            && !html.contains(" style=")
            && !html.contains(" onclick=")
            && !html.contains(" onload="),
        "{page} has no inline styles or handlers"
    );
    assert!(
        html.contains(r#"<link rel="stylesheet" href="/assets/staffroom.css?v="#),
        "{page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_speak_german_to_browsers_that_ask_for_it() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let get = |path: &'static str, lang: &'static str, cookie: Option<String>| {
        let mut req = app
            .client
            .get(format!("{}{path}", app.address))
            .header(header::ACCEPT_LANGUAGE, lang);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let de = get("/auth/sign_in", "de-DE,de;q=0.9,en;q=0.8", None).await;
    assert!(de.contains(r#"<html lang="de">"#), "{de}");
    assert!(
        de.contains("Benutzername oder E-Mail")
            && de.contains("Passwort")
            && de.contains(">Anmelden<"),
        "{de}"
    );
    let en = get("/auth/sign_in", "fr-FR,en;q=0.5", None).await;
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("Username or email"));

    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let home = get("/home", "de", browser.session.clone()).await;
    for text in [
        "Beitragstext",
        "Inhaltswarnung",
        "Sichtbarkeit",
        ">Veröffentlichen<",
        ">Abmelden<",
    ] {
        assert!(home.contains(text), "German home shows {text:?}: {home}");
    }
    let refused = app
        .client
        .post(format!("{}/statuses", app.address))
        .header(header::ACCEPT_LANGUAGE, "de")
        .header(header::COOKIE, browser.session.clone().unwrap())
        .form(&[("status", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("Formular nicht angenommen"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_page_counts_failures_with_the_limits_oauth_has() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);
    for _ in 0..staffroom::services::oauth::NAME_FAILURES {
        assert_eq!(browser.sign_in("ada", "guess").await.status(), 401);
    }
    // Even the right password waits now, and the page says for how long.
    let res = browser.sign_in("ada", &password).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().get(header::RETRY_AFTER).is_some());
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-in attempts"));
    assert!(browser.session.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_offer_sign_in_and_follow_the_browser_language() {
    let app = TestApp::spawn().await;
    teacher(&app, "ada").await;
    for (lang, words) in [
        ("en", ["People", "Sign in"]),
        ("de", ["Menschen", "Anmelden"]),
    ] {
        for page in ["/", "/@ada"] {
            let res = app
                .client
                .get(format!("{}{page}", app.address))
                .header(header::ACCEPT_LANGUAGE, lang)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            assert!(res.headers()[header::VARY]
                .to_str()
                .unwrap()
                .contains("Accept-Language"));
            let html = res.text().await.unwrap();
            assert!(
                html.contains(&format!(r#"<html lang="{lang}">"#)),
                "{page} in {lang}"
            );
            assert!(
                html.contains(r#"href="/auth/sign_in""#),
                "{page} links to sign-in"
            );
            if page == "/" {
                assert!(
                    words.iter().all(|w| html.contains(w)),
                    "{page} in {lang}: {html}"
                );
            }
        }
    }
}

/// The ids in the revoke forms of a sessions page.
fn revocable(html: &str) -> Vec<String> {
    html.split(r#"action="/settings/sessions/"#)
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_can_be_revoked_from_another_browser() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let bob_password = teacher(&app, "bob").await;
    let mut laptop = Browser::new(&app);
    laptop.sign_in("ada", &password).await;
    let mut staffroom_pc = Browser::new(&app);
    staffroom_pc.sign_in("ada", &password).await;
    let mut bob = Browser::new(&app);
    bob.sign_in("bob", &bob_password).await;
    let mut bobs_phone = Browser::new(&app);
    bobs_phone.sign_in("bob", &bob_password).await;

    let page = laptop.get("/settings/sessions").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("This browser"), "{html}");
    let others = revocable(&html);
    assert_eq!(
        others.len(),
        1,
        "the other browser, not this one, and not bob's: {html}"
    );
    let csrf = csrf_of(&html);

    // Without the token nothing happens; another person's session cannot be ended.
    assert_eq!(
        laptop
            .post(&format!("/settings/sessions/{}/revoke", others[0]), &[])
            .await
            .status(),
        403
    );
    assert_eq!(staffroom_pc.get("/home").await.status(), 200);
    let bobs = revocable(&bob.get("/settings/sessions").await.text().await.unwrap());
    assert_eq!(bobs.len(), 1, "bob's phone");
    assert_eq!(
        laptop
            .post(
                &format!("/settings/sessions/{}/revoke", bobs[0]),
                &[("csrf", &csrf)]
            )
            .await
            .status(),
        404
    );
    assert_eq!(
        bobs_phone.get("/home").await.status(),
        200,
        "bob's phone stays signed in"
    );

    let res = laptop
        .post(
            &format!("/settings/sessions/{}/revoke", others[0]),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&staffroom_pc.get("/home").await),
        "/auth/sign_in",
        "the revoked browser is signed out"
    );
    assert_eq!(
        laptop.get("/home").await.status(),
        200,
        "this one stays signed in"
    );
    assert_eq!(bob.get("/home").await.status(), 200, "bob stays signed in");
    // A second revocation finds nothing to end.
    assert_eq!(
        laptop
            .post(
                &format!("/settings/sessions/{}/revoke", others[0]),
                &[("csrf", &csrf)]
            )
            .await
            .status(),
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_show_what_others_did() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "bob").await;
    teacher(&app, "ada").await;
    let ada = api::token(&app, "ada").await;
    let bob = api::token(&app, "bob").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("bob", &password).await;
    assert!(browser
        .get("/notifications")
        .await
        .text()
        .await
        .unwrap()
        .contains("No notifications yet."));

    let post = api::status(
        &app,
        &bob,
        "Who has a good plan for photosynthesis?",
        "public",
    )
    .await;
    let id = post["id"].as_str().unwrap();
    assert_eq!(
        api::post(&app, &format!("/api/v1/statuses/{id}/favourite"), &ada, &[])
            .await
            .status,
        200
    );
    api::status(&app, &ada, "@bob try the leaf-disc experiment", "public").await;

    let page = browser.get("/notifications").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("ada (teacher) mentioned you"), "{html}");
    assert!(html.contains("try the leaf-disc experiment"));
    assert!(html.contains("ada (teacher) liked your post"));
    let de = app
        .client
        .get(format!("{}/notifications", app.address))
        .header(header::COOKIE, browser.session.clone().unwrap())
        .header(header::ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(de.contains("ada (teacher) hat dich erwähnt"), "{de}");
}

#[tokio::test(flavor = "multi_thread")]
async fn following_from_a_profile_brings_their_posts_home() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    teacher(&app, "bob").await;
    let bob = api::token(&app, "bob").await;
    let ada = api::token(&app, "ada").await;
    api::status(&app, &bob, "Bob's first lesson plan", "public").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;

    let profile = browser.get("/@bob").await.text().await.unwrap();
    assert!(
        profile.contains(">Follow<") && !profile.contains(">Unfollow<"),
        "{profile}"
    );
    assert!(
        profile.contains("Bob&#39;s first lesson plan")
            || profile.contains("Bob's first lesson plan"),
        "the profile lists bob's posts"
    );
    let own = browser.get("/@ada").await.text().await.unwrap();
    assert!(!own.contains(">Follow<"), "no Follow on one's own profile");
    let csrf = csrf_of(&profile);
    let action = profile
        .split(r#"action="/accounts/"#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(action.ends_with("/follow"), "{action}");

    assert_eq!(
        browser
            .post(&format!("/accounts/{action}"), &[("back", "/@bob")])
            .await
            .status(),
        403,
        "not without the token"
    );
    let res = browser
        .post(
            &format!("/accounts/{action}"),
            &[("csrf", &csrf), ("back", "/@bob")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/@bob");
    let bob_id = action.split('/').next().unwrap();
    let rel = api::get(
        &app,
        &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
        Some(&ada),
    )
    .await;
    assert_eq!(rel.body[0]["following"], true, "{}", rel.body);
    assert!(browser
        .get("/@bob")
        .await
        .text()
        .await
        .unwrap()
        .contains(">Unfollow<"));

    api::status(&app, &bob, "Bob's second lesson plan", "private").await;
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(
        home.contains("second lesson plan"),
        "a followers-only post of someone followed: {home}"
    );

    let res = browser
        .post(
            &format!("/accounts/{bob_id}/unfollow"),
            &[("csrf", &csrf), ("back", "/@bob")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let rel = api::get(
        &app,
        &format!("/api/v1/accounts/relationships?id[]={bob_id}"),
        Some(&ada),
    )
    .await;
    assert_eq!(rel.body[0]["following"], false);
    let visitor = Browser::new(&app).get("/@bob").await.text().await.unwrap();
    assert!(
        !visitor.contains("second lesson plan"),
        "followers-only stays hidden from visitors"
    );
    assert!(!visitor.contains(">Follow<"));
}

#[tokio::test(flavor = "multi_thread")]
async fn changing_the_password_signs_out_the_other_browsers() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut laptop = Browser::new(&app);
    laptop.sign_in("ada", &password).await;
    let mut phone = Browser::new(&app);
    phone.sign_in("ada", &password).await;
    let form = laptop.get("/settings/password").await.text().await.unwrap();
    assert!(form.contains("Current password") && form.contains("New password"));
    let csrf = csrf_of(&form);

    let new = "a much better passphrase";
    assert_eq!(
        laptop
            .post(
                "/settings/password",
                &[("current_password", &password), ("new_password", new)]
            )
            .await
            .status(),
        403
    );
    let wrong = laptop
        .post(
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current_password", "wrong"),
                ("new_password", new),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 401);
    let short = laptop
        .post(
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current_password", &password),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status(), 400);
    assert_eq!(
        phone.get("/home").await.status(),
        200,
        "nothing changed yet"
    );

    let ok = laptop
        .post(
            "/settings/password",
            &[
                ("csrf", &csrf),
                ("current_password", &password),
                ("new_password", new),
            ],
        )
        .await;
    assert_eq!(ok.status(), 200);
    assert!(ok
        .text()
        .await
        .unwrap()
        .contains("Your password has been changed."));
    assert_eq!(
        laptop.get("/home").await.status(),
        200,
        "this browser stays signed in"
    );
    assert_eq!(
        location(&phone.get("/home").await),
        "/auth/sign_in",
        "the others are signed out"
    );
    assert_eq!(
        Browser::new(&app).sign_in("ada", &password).await.status(),
        401,
        "the old password is gone"
    );
    assert_eq!(Browser::new(&app).sign_in("ada", new).await.status(), 303);
}

/// The `action` of the form whose button reads `label`.
fn form_action(html: &str, label: &str) -> String {
    let button = html
        .find(&format!(">{label}</button>"))
        .unwrap_or_else(|| panic!("no button {label:?} in {html}"));
    let form = html[..button].rfind("<form").unwrap();
    let action = &html[form..button];
    let start = action.find(r#"action=""#).unwrap() + r#"action=""#.len();
    action[start..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&")
}

fn query(q: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .finish()
}

const FEDERATION_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread")]
async fn searching_a_teacher_on_another_server_following_and_seeing_their_post_arrive() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let password = teacher(&a, "ada").await;
    teacher(&b, "bob").await;
    let bob = api::token(&b, "bob").await;
    let earlier = api::status(&b, &bob, "Bob's earlier post about #fractions", "public").await;
    let handle = format!("@bob@{}", b.domain);

    // A visitor cannot make this server look anyone up: unknown here, not found.
    assert_eq!(
        Browser::new(&a).get(&format!("/{handle}")).await.status(),
        404
    );

    let mut browser = Browser::new(&a);
    browser.sign_in("ada", &password).await;
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(
        home.contains(r#"<label for="search-q">Search</label>"#)
            && home.contains(r#"action="/search""#),
        "{home}"
    );
    let results = browser.get(&format!("/search?{}", query(&handle))).await;
    assert_eq!(results.status(), 200);
    let html = results.text().await.unwrap();
    assert!(
        html.contains("bob (teacher)") && html.contains(&handle),
        "bob found through WebFinger: {html}"
    );
    assert!(
        html.contains(&format!(r#"href="/{handle}""#)),
        "linked to his profile here: {html}"
    );
    assert!(
        html.contains(&format!(r#"name="q" value="{handle}""#)),
        "the field keeps what was searched: {html}"
    );
    // Control for the visitor above: now that he is known here, his profile shows.
    assert_eq!(
        Browser::new(&a).get(&format!("/{handle}")).await.status(),
        200
    );

    let csrf = csrf_of(&html);
    let follow = form_action(&html, "Follow");
    let res = browser
        .post(
            &follow,
            &[
                ("csrf", &csrf),
                ("back", &format!("/search?{}", query(&handle))),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(
        location(&res).starts_with("/search?q="),
        "back to the results: {}",
        location(&res)
    );
    // bob's server accepts; the profile here then says Unfollow.
    eventually(
        FEDERATION_WAIT,
        "bob's server accepted the follow",
        || async {
            let profile = browser
                .get(&format!("/{handle}"))
                .await
                .text()
                .await
                .unwrap();
            profile.contains(">Unfollow</button>") && !profile.contains("waits for approval")
        },
    )
    .await;
    let profile = browser
        .get(&format!("/{handle}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(profile.contains(">Block</button>"), "{profile}");

    // What bob posts now arrives on ada's home.
    api::status(&b, &bob, "Bob's fresh post for his new follower", "public").await;
    eventually(
        FEDERATION_WAIT,
        "bob's new post is on ada's home",
        || async {
            browser
                .get("/home")
                .await
                .text()
                .await
                .unwrap()
                .contains("fresh post for his new follower")
        },
    )
    .await;

    // A post by its URL on the other server is fetched and shown with its buttons.
    let url = earlier["url"].as_str().unwrap().to_string();
    let found = browser
        .get(&format!("/search?{}", query(&url)))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        found.contains("earlier post about") && found.contains(">Like</button>"),
        "{found}"
    );
    // And a hashtag leads to its page.
    let tags = browser
        .get(&format!("/search?{}", query("#Fractions")))
        .await
        .text()
        .await
        .unwrap();
    assert!(tags.contains(r#"href="/tags/fractions""#), "{tags}");

    // Unfollow from the profile; the API agrees.
    let unfollow = form_action(&profile, "Unfollow");
    assert_eq!(
        browser
            .post(
                &unfollow,
                &[("csrf", &csrf), ("back", &format!("/{handle}"))]
            )
            .await
            .status(),
        303
    );
    let profile = browser
        .get(&format!("/{handle}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(profile.contains(">Follow</button>"), "{profile}");
}

#[tokio::test(flavor = "multi_thread")]
async fn search_finds_local_teachers_and_profiles_block_and_unblock() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    teacher(&app, "carol").await;
    teacher(&app, "caroline").await;
    let carol = api::token(&app, "carol").await;
    let ada = api::token(&app, "ada").await;
    api::status(&app, &carol, "Carol on photosynthesis", "public").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;

    let found = browser
        .get(&format!("/search?{}", query("car")))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        found.contains(r#"href="/@carol""#) && found.contains(r#"href="/@caroline""#),
        "{found}"
    );
    let none = browser
        .get(&format!("/search?{}", query("nobody_here")))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        none.contains("Nothing found") || none.contains("/tags/nobody_here"),
        "{none}"
    );
    assert!(!none.contains(r#"href="/@carol""#));
    // The same service answers the API.
    let api_found = api::get(
        &app,
        &format!("/api/v2/search?{}", query("@carol")),
        Some(&ada),
    )
    .await;
    assert_eq!(
        api_found.body["accounts"][0]["username"], "carol",
        "{}",
        api_found.body
    );
    let api_tags = api::get(
        &app,
        &format!("/api/v2/search?{}", query("#Photosynthesis")),
        Some(&ada),
    )
    .await;
    assert_eq!(
        api_tags.body["hashtags"][0]["name"], "photosynthesis",
        "{}",
        api_tags.body
    );

    // Block from the profile: carol's posts leave ada's public timeline; Unblock brings them back.
    assert!(browser
        .get("/public/local")
        .await
        .text()
        .await
        .unwrap()
        .contains("Carol on photosynthesis"));
    let profile = browser.get("/@carol").await.text().await.unwrap();
    let csrf = csrf_of(&profile);
    let block = form_action(&profile, "Block");
    assert_eq!(
        browser.post(&block, &[("back", "/@carol")]).await.status(),
        403,
        "not without the token"
    );
    assert!(browser
        .get("/public/local")
        .await
        .text()
        .await
        .unwrap()
        .contains("Carol on photosynthesis"));
    assert_eq!(
        browser
            .post(&block, &[("csrf", &csrf), ("back", "/@carol")])
            .await
            .status(),
        303
    );
    let profile = browser.get("/@carol").await.text().await.unwrap();
    assert!(
        profile.contains(">Unblock</button>") && !profile.contains(">Follow</button>"),
        "{profile}"
    );
    assert!(!browser
        .get("/public/local")
        .await
        .text()
        .await
        .unwrap()
        .contains("Carol on photosynthesis"));
    let carol_id = block.split('/').nth(2).unwrap();
    let rel = api::get(
        &app,
        &format!("/api/v1/accounts/relationships?id[]={carol_id}"),
        Some(&ada),
    )
    .await;
    assert_eq!(rel.body[0]["blocking"], true, "{}", rel.body);
    assert_eq!(
        browser
            .post(
                &form_action(&profile, "Unblock"),
                &[("csrf", &csrf), ("back", "/@carol")]
            )
            .await
            .status(),
        303
    );
    assert!(browser
        .get("/public/local")
        .await
        .text()
        .await
        .unwrap()
        .contains("Carol on photosynthesis"));
    assert!(browser
        .get("/@carol")
        .await
        .text()
        .await
        .unwrap()
        .contains(">Follow</button>"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_teacher_approves_and_rejects_requests_from_another_server() {
    use staffroom::{federation::fetch, services::follows};
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let password = teacher(&a, "ada").await;
    let ada_token = api::token(&a, "ada").await;
    let res = a
        .client
        .patch(format!("{}/api/v1/accounts/update_credentials", a.address))
        .bearer_auth(&ada_token)
        .form(&[("locked", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let bob = b.create_user("bob").await.account;
    let carol = b.create_user("carol").await.account;
    let ada_on_b = fetch::webfinger(&b.ctx, "ada", &a.domain).await.unwrap();
    follows::follow(&b.ctx, &bob, &ada_on_b).await.unwrap();
    follows::follow(&b.ctx, &carol, &ada_on_b).await.unwrap();

    let mut browser = Browser::new(&a);
    browser.sign_in("ada", &password).await;
    assert!(
        browser
            .get("/home")
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"href="/follow_requests""#),
        "locked: the requests are in the navigation"
    );
    let page = eventually(FEDERATION_WAIT, "both requests reached ada", || async {
        let html = browser.get("/follow_requests").await.text().await.unwrap();
        (html.contains(&format!("@bob@{}", b.domain))
            && html.contains(&format!("@carol@{}", b.domain)))
        .then_some(html)
    })
    .await;
    let csrf = csrf_of(&page);
    let row = |name: &str| {
        page.split(&format!(r#"href="/@{name}@{}""#, b.domain))
            .nth(1)
            .unwrap()
            .split("</li>")
            .next()
            .unwrap()
            .to_string()
    };
    let approve_bob = form_action(&row("bob"), "Approve");
    let reject_carol = form_action(&row("carol"), "Reject");
    assert_eq!(
        browser.post(&approve_bob, &[]).await.status(),
        403,
        "not without the token"
    );
    assert_eq!(
        browser
            .post(&approve_bob, &[("csrf", &csrf)])
            .await
            .status(),
        303
    );
    assert_eq!(
        browser
            .post(&reject_carol, &[("csrf", &csrf)])
            .await
            .status(),
        303
    );
    let after = browser.get("/follow_requests").await.text().await.unwrap();
    assert!(
        after.contains("No one is waiting for an answer."),
        "{after}"
    );

    // bob's server heard the Accept, carol's the Reject.
    let follow_on_b = |who: staffroom::db::accounts::Account| {
        let (pool, target) = (b.pool.clone(), ada_on_b.id);
        async move {
            let mut conn = pool.get().await.unwrap();
            staffroom::db::follows::Follow::find(&mut conn, who.id, target)
                .await
                .unwrap()
        }
    };
    eventually(
        FEDERATION_WAIT,
        "bob's follow is accepted on his server",
        || async { follow_on_b(bob.clone()).await.is_some_and(|f| f.accepted) },
    )
    .await;
    eventually(
        FEDERATION_WAIT,
        "carol's request is gone from her server",
        || async { follow_on_b(carol.clone()).await.is_none() },
    )
    .await;

    // The followers list shows bob (for anyone), not carol; bob's following list here shows ada.
    let followers = Browser::new(&a)
        .get("/@ada/followers")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        followers.contains(&format!(r#"href="/@bob@{}""#, b.domain))
            && !followers.contains("@carol@"),
        "{followers}"
    );
    let profile = Browser::new(&a).get("/@ada").await.text().await.unwrap();
    assert!(
        profile.contains(r#"href="/@ada/followers">1 follower<"#),
        "{profile}"
    );
    let following = Browser::new(&a)
        .get(&format!("/@bob@{}/following", b.domain))
        .await
        .text()
        .await
        .unwrap();
    assert!(following.contains(r#"href="/@ada""#), "{following}");
    let nobody = Browser::new(&a)
        .get("/@ada/following")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        nobody.contains("Follows nobody known here yet."),
        "{nobody}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_change_the_profile_everywhere_and_the_preferences_here() {
    use staffroom::{federation::fetch, services::follows};
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let password = teacher(&a, "ada").await;
    let bob = b.create_user("bob").await.account;
    let ada_on_b = fetch::webfinger(&b.ctx, "ada", &a.domain).await.unwrap();
    follows::follow(&b.ctx, &bob, &ada_on_b).await.unwrap();
    let mut browser = Browser::new(&a);
    browser.sign_in("ada", &password).await;
    eventually(FEDERATION_WAIT, "bob follows ada", || async {
        browser
            .get("/@ada/followers")
            .await
            .text()
            .await
            .unwrap()
            .contains("@bob@")
    })
    .await;

    let form = browser.get("/settings/profile").await.text().await.unwrap();
    for label in [
        "Display name",
        "Bio",
        "Approve followers by hand",
        "Let people find this account",
        "Default visibility",
        "Language",
        ">Save<",
    ] {
        assert!(
            form.contains(label),
            "the settings page has {label:?}: {form}"
        );
    }
    assert!(form.contains(r#"value="ada (teacher)""#));
    let csrf = csrf_of(&form);
    let fields = |name: &'static str, lang: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("display_name", name.to_string()),
            ("note", "Maths and physics in Leipzig. #physics".to_string()),
            ("locked", "true".to_string()),
            ("discoverable", "true".to_string()),
            ("default_visibility", "private".to_string()),
            ("language", lang.to_string()),
        ]
    };
    let send = |form: Vec<(&'static str, String)>| {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        a.client
            .post(format!("{}/settings/profile", a.address))
            .header(header::COOKIE, browser.session.clone().unwrap())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // Refused without the token, or with a name too long; nothing changes.
    let mut forged = fields("Ada Lovelace", "de");
    forged.remove(0);
    assert_eq!(send(forged).await.unwrap().status(), 403);
    let long = send(fields("A name far longer than thirty characters", "de"))
        .await
        .unwrap();
    assert_eq!(long.status(), 400);
    assert!(long
        .text()
        .await
        .unwrap()
        .contains("longer than 30 characters"));
    assert!(browser
        .get("/@ada")
        .await
        .text()
        .await
        .unwrap()
        .contains("<h1>ada (teacher)</h1>"));

    let res = send(fields("Ada Lovelace", "de")).await.unwrap();
    assert_eq!(res.status(), 303);
    // The pages now speak German whatever the browser asks for, and the compose
    // form starts followers-only.
    let home = a
        .client
        .get(format!("{}/home", a.address))
        .header(header::COOKIE, browser.session.clone().unwrap())
        .header(header::ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains(r#"<html lang="de">"#) && home.contains("Beitragstext"),
        "{home}"
    );
    assert!(
        home.contains(r#"<option value="private" selected>"#),
        "{home}"
    );
    let profile = Browser::new(&a).get("/@ada").await.text().await.unwrap();
    assert!(
        profile.contains("<h1>Ada Lovelace</h1>")
            && profile.contains("Maths and physics in Leipzig"),
        "{profile}"
    );
    assert!(profile.contains("This account approves its followers."));
    let token = api::token(&a, "ada").await;
    let prefs = api::get(&a, "/api/v1/preferences", Some(&token)).await;
    assert_eq!(
        prefs.body["posting:default:visibility"], "private",
        "{}",
        prefs.body
    );
    // Followers' servers hear of the new name, as after the API's update_credentials.
    eventually(
        FEDERATION_WAIT,
        "bob's server knows ada's new name",
        || async {
            let mut conn = b.pool.get().await.unwrap();
            let ada = staffroom::db::accounts::Account::find(&mut conn, ada_on_b.id)
                .await
                .unwrap()
                .unwrap();
            ada.display_name == "Ada Lovelace" && ada.locked
        },
    )
    .await;

    // Back to the browser's language.
    assert_eq!(
        send(fields("Ada Lovelace", "")).await.unwrap().status(),
        303
    );
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(home.contains(r#"<html lang="en">"#), "{home}");
}

/// The hidden fields of the first form on a page that posts to `action`.
fn hidden_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let form = html
        .split(&format!(r#"action="{action}""#))
        .nth(1)
        .unwrap_or_else(|| panic!("no form to {action}: {html}"))
        .split("</form>")
        .next()
        .unwrap();
    form.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|input| {
            let attr = |name: &str| {
                input
                    .split(&format!(r#"{name}=""#))
                    .nth(1)
                    .map(|v| v.split('"').next().unwrap().replace("&amp;", "&"))
                    .unwrap_or_default()
            };
            (attr("name"), attr("value"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_asks_a_signed_in_teacher_only_for_permission_and_can_be_revoked() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let redirect = "https://app.example/callback";
    let registered: serde_json::Value = app
        .client
        .post(format!("{}/api/v1/apps", app.address))
        .json(&serde_json::json!({ "client_name": "Lesson Planner", "redirect_uris": [redirect], "scopes": "read write", "website": "https://app.example" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (client_id, secret) = (
        registered["client_id"].as_str().unwrap(),
        registered["client_secret"].as_str().unwrap(),
    );
    let authorize = format!(
        "/oauth/authorize?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("response_type", "code"),
                ("client_id", client_id),
                ("redirect_uri", redirect),
                ("scope", "read write"),
                ("state", "s1")
            ])
            .finish()
    );

    // Not signed in: the page offers to sign in first and come back.
    let mut browser = Browser::new(&app);
    let page = browser.get(&authorize).await.text().await.unwrap();
    let sign_in_first = page
        .split(r#"href="/auth/sign_in?back="#)
        .nth(1)
        .expect("a link to sign in first")
        .split('"')
        .next()
        .unwrap();
    let back: String = url::form_urlencoded::parse(
        format!("back={}", sign_in_first.replace("&amp;", "&")).as_bytes(),
    )
    .next()
    .unwrap()
    .1
    .into_owned();
    assert_eq!(back, authorize, "back to this very request");
    let form = browser
        .get(&format!(
            "/auth/sign_in?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("back", &back)
                .finish()
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains(r#"name="back""#), "{form}");
    // sign_in() fetches its own form; send `back` as the form would.
    let pre = app
        .client
        .get(format!("{}/auth/sign_in", app.address))
        .send()
        .await
        .unwrap();
    let pre_cookie = cookie_pair(&set_cookie(&pre, "staffroom_sign_in").unwrap());
    let csrf = csrf_of(&pre.text().await.unwrap());
    let res = app
        .client
        .post(format!("{}/auth/sign_in", app.address))
        .header(header::COOKIE, pre_cookie)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "ada"),
            ("password", password.as_str()),
            ("back", back.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        back,
        "signed in, the browser comes back to the app's request"
    );
    browser.session = Some(cookie_pair(&set_cookie(&res, "staffroom_session").unwrap()));

    // Signed in: permission only, no password field.
    let consent = browser.get(&back).await;
    assert_eq!(consent.status(), 200);
    let csp = consent.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("form-action 'self' https://app.example") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    let html = consent.text().await.unwrap();
    assert!(
        html.contains("Lesson Planner")
            && html.contains(">Allow</button>")
            && html.contains(">Deny</button>"),
        "{html}"
    );
    assert!(
        !html.contains(r#"type="password""#),
        "no password asked again: {html}"
    );
    let fields = hidden_fields(&html, "/oauth/authorize");
    let with = |decision: &'static str, csrf: Option<&str>| {
        let mut f: Vec<(String, String)> = fields
            .iter()
            .filter(|(k, _)| k != "csrf" || csrf.is_none())
            .cloned()
            .collect();
        if let Some(c) = csrf {
            f.push(("csrf".into(), c.into()));
        }
        f.push(("decision".into(), decision.into()));
        f
    };
    // Another site's form (a wrong token) approves nothing.
    let forged = browser
        .post(
            "/oauth/authorize",
            &with("approve", Some("0000"))
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get(header::LOCATION).is_none());
    let allowed = browser
        .post(
            "/oauth/authorize",
            &with("approve", None)
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
    assert_eq!(allowed.status(), 302);
    let to = url::Url::parse(&location(&allowed)).unwrap();
    let answer: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert!(
        to.as_str().starts_with(redirect) && answer["state"] == "s1",
        "{to}"
    );
    let token: serde_json::Value = app
        .client
        .post(format!("{}/oauth/token", app.address))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", answer["code"].as_str()),
            ("redirect_uri", redirect),
            ("client_id", client_id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().expect("a token").to_string();
    assert_eq!(
        api::get(&app, "/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .body["username"],
        "ada"
    );

    // The app is listed in the settings; Revoke ends its token.
    let apps = browser.get("/settings/apps").await.text().await.unwrap();
    assert!(
        apps.contains("Lesson Planner") && apps.contains("read, write"),
        "{apps}"
    );
    let revoke = form_action(&apps, "Revoke");
    assert_eq!(
        browser.post(&revoke, &[]).await.status(),
        403,
        "not without the token"
    );
    assert_eq!(
        api::get(&app, "/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .status,
        200
    );
    assert_eq!(
        browser
            .post(&revoke, &[("csrf", &csrf_of(&apps))])
            .await
            .status(),
        303
    );
    assert_eq!(
        api::get(&app, "/api/v1/accounts/verify_credentials", Some(&token))
            .await
            .status,
        401
    );
    assert!(browser
        .get("/settings/apps")
        .await
        .text()
        .await
        .unwrap()
        .contains("No app uses your account."));
}

/// The `content` of `<meta property="{property}">`.
fn meta(html: &str, property: &str) -> Option<String> {
    let tag = html
        .split(&format!(r#"<meta property="{property}" content=""#))
        .nth(1)?;
    Some(tag.split('"').next().unwrap().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_preview_with_opengraph_and_hide_what_visitors_may_not_see() {
    let app = TestApp::spawn().await;
    teacher(&app, "ada").await;
    let ada = api::token(&app, "ada").await;
    let res = app
        .client
        .patch(format!(
            "{}/api/v1/accounts/update_credentials",
            app.address
        ))
        .bearer_auth(&ada)
        .form(&[("note", "Biology & chemistry, Year 9")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let public = api::status(
        &app,
        &ada,
        "Our pond study: what lives in one litre of water? #biology",
        "public",
    )
    .await;
    let private = api::status(
        &app,
        &ada,
        "Followers only: notes for colleagues",
        "private",
    )
    .await;
    let visitor = Browser::new(&app);

    let post_url = public["url"].as_str().unwrap();
    let path = post_url.strip_prefix(&app.address).unwrap();
    let page = visitor.get(path).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert_eq!(meta(&html, "og:type").as_deref(), Some("article"));
    assert_eq!(meta(&html, "og:url").as_deref(), Some(post_url));
    assert!(
        meta(&html, "og:description")
            .unwrap()
            .starts_with("Our pond study: what lives in one litre of water?"),
        "{html}"
    );
    assert!(meta(&html, "og:title").unwrap().contains("ada (teacher)"));
    assert_eq!(
        meta(&html, "og:site_name").unwrap(),
        format!("Staffroom · {}", app.domain)
    );
    assert!(!html.contains("<script"), "works without JavaScript");

    // The followers-only post is not there for a visitor (and its words are nowhere),
    // though its author sees it at the same address.
    let hidden = private["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    let res = visitor.get(&hidden).await;
    assert_eq!(res.status(), 404);
    assert!(!res.text().await.unwrap().contains("notes for colleagues"));
    let profile = visitor.get("/@ada").await.text().await.unwrap();
    assert!(
        !profile.contains("notes for colleagues") && profile.contains("Our pond study"),
        "{profile}"
    );
    assert_eq!(meta(&profile, "og:type").as_deref(), Some("profile"));
    assert_eq!(
        meta(&profile, "og:url").unwrap(),
        format!("{}/@ada", app.address)
    );
    assert_eq!(
        meta(&profile, "og:description").as_deref(),
        Some("Biology &amp; chemistry, Year 9"),
        "escaped, as HTML attributes are"
    );
    assert!(
        profile.contains(&format!(r#"href="{path}""#)),
        "a visitor's link to a post is its public page: {profile}"
    );

    let tag = visitor.get("/tags/biology").await.text().await.unwrap();
    assert_eq!(meta(&tag, "og:title").as_deref(), Some("#biology"));
    assert_eq!(
        meta(&tag, "og:url").unwrap(),
        format!("{}/tags/biology", app.address)
    );
    assert!(
        meta(&tag, "og:description").is_some()
            && meta(&tag, "og:site_name").is_some()
            && meta(&tag, "og:type").is_some()
    );
    assert!(tag.contains("Our pond study") && !tag.contains("notes for colleagues"));
}

#[tokio::test(flavor = "multi_thread")]
async fn home_counts_characters_and_fetches_new_posts_with_its_one_script() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    teacher(&app, "bob").await;
    let ada = api::token(&app, "ada").await;
    let bob = api::token(&app, "bob").await;
    let bob_id = api::get(&app, "/api/v1/accounts/lookup?acct=bob", Some(&ada))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/accounts/{bob_id}/follow"),
            &ada,
            &[]
        )
        .await
        .status,
        200
    );
    let first = api::status(&app, &bob, "The first post, already there", "public").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;

    let home = browser.get("/home").await.text().await.unwrap();
    let script = home
        .split(r#"<script src=""#)
        .nth(1)
        .expect("signed-in pages load the script")
        .split('"')
        .next()
        .unwrap()
        .to_string();
    assert!(script.starts_with("/assets/staffroom.js?v="), "{script}");
    assert!(
        home.contains(r#"data-counter="status_count""#)
            && home.contains(r#"data-template="{count} characters left""#),
        "{home}"
    );
    assert!(home.contains(r#"data-newer="/home/newer""#), "{home}");
    // Public pages stay without it.
    assert!(!Browser::new(&app)
        .get("/public/local")
        .await
        .text()
        .await
        .unwrap()
        .contains("<script"));
    let js = browser.get(&script).await;
    assert_eq!(js.status(), 200);
    assert!(js.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert!(js.headers()[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let js = js.text().await.unwrap();
    assert!(
        js.contains("data-newer") || js.contains("dataset.newer"),
        "the script is the one that reads the page's attributes"
    );
    assert!(
        !js.contains("http://") && !js.contains("https://"),
        "no third-party requests"
    );

    // The fragment the script asks for: only posts newer than the first one shown.
    let since = first["id"].as_str().unwrap();
    let nothing = browser.get(&format!("/home/newer?since_id={since}")).await;
    assert_eq!(nothing.status(), 200);
    assert_eq!(
        nothing.headers()[header::CACHE_CONTROL],
        "private, no-store"
    );
    assert!(
        !nothing.text().await.unwrap().contains("<article"),
        "nothing new yet"
    );
    api::status(
        &app,
        &bob,
        "A second post, arriving while the page is open",
        "public",
    )
    .await;
    let fragment = browser
        .get(&format!("/home/newer?since_id={since}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(fragment.matches("<article").count(), 1, "{fragment}");
    assert!(
        fragment.contains("arriving while the page is open") && !fragment.contains("already there")
    );
    assert!(
        fragment.contains(">Like</button>") && fragment.contains(r#"name="csrf""#),
        "with its buttons: {fragment}"
    );
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    // Without a session it is not there (the script stops on the redirect).
    assert_eq!(
        Browser::new(&app)
            .get(&format!("/home/newer?since_id={since}"))
            .await
            .status(),
        303
    );

    // The local, federated and hashtag timelines grow the same way for a signed-in reader.
    let local = browser.get("/public/local").await.text().await.unwrap();
    assert!(
        local.contains(r#"data-newer="/public/local?fragment=newer""#),
        "{local}"
    );
    assert!(
        !Browser::new(&app)
            .get("/public/local")
            .await
            .text()
            .await
            .unwrap()
            .contains("data-newer"),
        "not for visitors, who get no script"
    );
    let newer = browser
        .get(&format!("/public/local?fragment=newer&since_id={since}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(newer.matches("<article").count(), 1, "{newer}");
    assert!(newer.contains("arriving while the page is open") && !newer.contains("<html"));
    assert!(browser
        .get("/tags/anything")
        .await
        .text()
        .await
        .unwrap()
        .contains(r#"data-newer="/tags/anything?fragment=newer""#));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_remote_profile_shows_what_is_stored_while_its_server_is_down() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let password = teacher(&a, "ada").await;
    teacher(&b, "bob").await;
    let mut browser = Browser::new(&a);
    browser.sign_in("ada", &password).await;
    let handle = format!("@bob@{}", b.domain);
    assert_eq!(
        browser.get(&format!("/{handle}")).await.status(),
        200,
        "looked up through WebFinger"
    );
    b.stop().await;
    // A day later, with bob's server gone quiet: the copy is stale, the refetch fails.
    {
        use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
        let mut conn = AsyncPgConnection::establish(&a.db.url).await.unwrap();
        diesel::sql_query("UPDATE accounts SET last_fetched_at = now() - interval '2 days' WHERE username = 'bob'").execute(&mut conn).await.unwrap();
    }
    let page = browser.get(&format!("/{handle}")).await;
    assert_eq!(page.status(), 200, "the stored profile");
    assert!(page.text().await.unwrap().contains("bob (teacher)"));
    // Control: someone never stored on that server cannot be shown.
    let unknown = browser.get(&format!("/@carol@{}", b.domain)).await;
    assert!(
        unknown.status().is_server_error() || unknown.status() == 404,
        "{}",
        unknown.status()
    );
    assert!(!unknown.text().await.unwrap().contains("carol (teacher)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_compose_form_suggests_people_to_mention() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    for name in ["carla", "carlos", "carmen"] {
        teacher(&app, name).await;
    }
    let carmen = api::token(&app, "carmen").await;
    let res = app
        .client
        .patch(format!(
            "{}/api/v1/accounts/update_credentials",
            app.address
        ))
        .bearer_auth(&carmen)
        .form(&[("discoverable", "false")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;

    let home = browser.get("/home").await.text().await.unwrap();
    assert!(
        home.contains(r#"data-mentions="/search/mentions""#)
            && home.contains(r#"aria-controls="mention-list""#),
        "{home}"
    );
    assert!(
        home.contains(r#"id="mention-list" role="listbox""#),
        "{home}"
    );
    let options = browser
        .get("/search/mentions?q=car")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        options.contains(r#"data-value="@carla""#) && options.contains(r#"data-value="@carlos""#),
        "{options}"
    );
    assert!(options.contains(r#"role="option""#));
    assert!(
        !options.contains("@carmen"),
        "not suggested: she does not want to be found"
    );
    // Someone followed is suggested even so.
    let ada = api::token(&app, "ada").await;
    let carmen_id = api::get(&app, "/api/v1/accounts/lookup?acct=carmen", Some(&ada))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/accounts/{carmen_id}/follow"),
            &ada,
            &[]
        )
        .await
        .status,
        200
    );
    let options = browser
        .get("/search/mentions?q=carm")
        .await
        .text()
        .await
        .unwrap();
    assert!(options.contains(r#"data-value="@carmen""#), "{options}");
    assert!(!browser
        .get("/search/mentions?q=zz")
        .await
        .text()
        .await
        .unwrap()
        .contains("<li"));
    assert_eq!(
        Browser::new(&app)
            .get("/search/mentions?q=car")
            .await
            .status(),
        303,
        "signed in only"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_poll_is_made_and_answered_on_the_pages() {
    let app = TestApp::spawn().await;
    let (ada_password, ben_password) = (teacher(&app, "ada").await, teacher(&app, "ben").await);
    let mut ada = Browser::new(&app);
    ada.sign_in("ada", &ada_password).await;
    let csrf = ada.csrf().await;
    let form = [
        ("csrf", csrf.as_str()),
        ("status", "Which day for the maths club?"),
        ("visibility", "public"),
        ("poll_option_1", "Tuesday"),
        ("poll_option_2", "Thursday"),
        ("poll_option_3", ""),
        ("poll_expires_in", "3600"),
    ];
    assert_eq!(ada.post("/statuses", &form).await.status(), 303);

    let mut ben = Browser::new(&app);
    ben.sign_in("ben", &ben_password).await;
    let page = ben.get("/public/local").await.text().await.unwrap();
    assert!(
        page.contains(r#"type="radio" name="choice" value="1""#),
        "{page}"
    );
    let action = page
        .split(r#"action="/polls/"#)
        .nth(1)
        .expect("a vote form");
    let poll = action.split('/').next().unwrap();
    let csrf = ben.csrf().await;
    let voted = ben
        .post(
            &format!("/polls/{poll}/vote"),
            &[
                ("csrf", csrf.as_str()),
                ("choice", "1"),
                ("back", "/public/local"),
            ],
        )
        .await;
    assert_eq!(voted.status(), 303);
    let page = ben.get("/public/local").await.text().await.unwrap();
    assert!(
        page.contains("Thursday: 1 vote (100%) (your choice)"),
        "{page}"
    );
    assert!(
        !page.contains(r#"type="radio" name="choice""#),
        "no second vote: {page}"
    );
}

/// The `<img …>` tags of a page.
fn img_tags(html: &str) -> Vec<&str> {
    html.split("<img ")
        .skip(1)
        .map(|rest| &rest[..rest.find('>').unwrap()])
        .collect()
}

/// A post's public page, as a visitor without JavaScript sees it: its image with
/// its alt text (and as the preview's `og:image`), its link card, and its poll's
/// results with their shares, open and then closed.
#[tokio::test(flavor = "multi_thread")]
async fn a_post_page_shows_its_image_card_and_poll_to_a_visitor() {
    use diesel_async::RunQueryDsl;
    use std::time::Duration;
    let app = TestApp::spawn().await;
    for name in ["ada", "ben", "cara", "dee"] {
        teacher(&app, name).await;
    }
    let ada = api::token(&app, "ada").await;
    let site = common::web_server::WebServer::start();
    site.serve("/frogs", 200, "text/html", br#"<html><head><meta property="og:title" content="Life cycle of a frog"><meta property="og:site_name" content="Nature Notes"></head></html>"#);

    let (status, media) = common::media::upload(
        &app,
        &ada,
        "pond.png",
        "image/png",
        &common::media::png(800, 600),
        "Frogspawn in a jar, day 3",
    )
    .await;
    assert_eq!(status, 200, "{media}");
    let text = format!("Pond update, see {}", site.url("/frogs"));
    let posted = api::post(
        &app,
        "/api/v1/statuses",
        &ada,
        &[
            ("status", &text),
            ("visibility", "public"),
            ("media_ids[]", media["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    let id = posted.body["id"].as_str().unwrap().to_string();
    eventually(Duration::from_secs(20), "the card was made", || async {
        api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&ada))
            .await
            .body["card"]["title"]
            == "Life cycle of a frog"
    })
    .await;
    let path = posted.body["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    let html = Browser::new(&app).get(&path).await.text().await.unwrap();
    let images = img_tags(&html);
    assert_eq!(images.len(), 1, "{html}");
    assert!(
        images[0].contains(r#"alt="Frogspawn in a jar, day 3""#),
        "{}",
        images[0]
    );
    assert!(
        images[0].contains(&format!(
            r#"src="{}""#,
            media["preview_url"].as_str().unwrap()
        )),
        "{}",
        images[0]
    );
    assert!(
        html.contains(&format!(r#"href="{}""#, media["url"].as_str().unwrap())),
        "the full size is a click away: {html}"
    );
    assert!(
        html.contains("Life cycle of a frog")
            && html.contains("Nature Notes")
            && html.contains(&format!(r#"href="{}""#, site.url("/frogs"))),
        "{html}"
    );
    assert_eq!(meta(&html, "og:image").as_deref(), media["url"].as_str());
    assert_eq!(
        meta(&html, "og:image:alt").as_deref(),
        Some("Frogspawn in a jar, day 3")
    );
    assert_eq!(meta(&html, "og:image:width").as_deref(), Some("800"));
    assert!(!html.contains("<script"), "works without JavaScript");
    // The served preview is the thumbnail the page points at.
    let thumb = app
        .client
        .get(media["preview_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");

    // A post without images previews without one.
    let plain = api::status(&app, &ada, "Just words today", "public").await;
    let plain_html = Browser::new(&app)
        .get(
            plain["url"]
                .as_str()
                .unwrap()
                .strip_prefix(&app.address)
                .unwrap(),
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        meta(&plain_html, "og:title").is_some() && meta(&plain_html, "og:image").is_none(),
        "{plain_html}"
    );

    let asked = api::post(
        &app,
        "/api/v1/statuses",
        &ada,
        &[
            ("status", "Which day for the maths club?"),
            ("visibility", "public"),
            ("poll[options][]", "Tuesday"),
            ("poll[options][]", "Thursday"),
            ("poll[options][]", "Friday"),
            ("poll[expires_in]", "3600"),
        ],
    )
    .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    let poll_id = asked.body["poll"]["id"].as_str().unwrap().to_string();
    for (name, choice) in [("ben", "1"), ("cara", "1"), ("dee", "0")] {
        let voted = api::post(
            &app,
            &format!("/api/v1/polls/{poll_id}/votes"),
            &api::token(&app, name).await,
            &[("choices[]", choice)],
        )
        .await;
        assert_eq!(voted.status, 200, "{}", voted.body);
    }
    let poll_path = asked.body["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    let html = Browser::new(&app)
        .get(&poll_path)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Tuesday: 1 vote (33%)")
            && html.contains("Thursday: 2 votes (67%)")
            && html.contains("Friday: 0 votes (0%)"),
        "{html}"
    );
    assert!(html.contains("3 votes · ends "), "{html}");
    assert!(
        !html.contains(r#"name="choice""#),
        "a visitor cannot vote: {html}"
    );

    let mut conn = app.pool.get().await.unwrap();
    diesel::sql_query(format!(
        "UPDATE polls SET expires_at = now() - interval '1 minute' WHERE id = {poll_id}"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let html = Browser::new(&app)
        .get(&poll_path)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Thursday: 2 votes (67%)") && html.contains("3 votes · closed"),
        "{html}"
    );
}

/// A teacher starts a group on the web and moderates it there: another teacher
/// finds its page, asks to join (closed by default), is let in from the moderation
/// page, then sees that they are a member and can leave; someone who does not
/// moderate the group is refused its moderation page. German labels as well.
#[tokio::test(flavor = "multi_thread")]
async fn a_group_is_started_joined_and_moderated_on_the_web() {
    let app = TestApp::spawn().await;
    let (mo_password, ben_password) = (teacher(&app, "mo").await, teacher(&app, "ben").await);
    let (mut mo, mut ben) = (Browser::new(&app), Browser::new(&app));
    mo.sign_in("mo", &mo_password).await;
    ben.sign_in("ben", &ben_password).await;

    let index = mo.get("/groups").await;
    assert_eq!(index.status(), 200, "{:?}", index.headers());
    let index = index.text().await.unwrap();
    for label in [
        "Start a group",
        "Anyone may join without approval",
        "Posts go to members only (not public)",
        ">Create group<",
        r#"href="/groups""#,
    ] {
        assert!(index.contains(label), "/groups shows {label:?}: {index}");
    }
    let csrf = mo.csrf().await;
    let created = mo
        .post(
            "/groups",
            &[
                ("csrf", csrf.as_str()),
                ("name", "year5maths"),
                ("display_name", "Year 5 maths team"),
            ],
        )
        .await;
    assert_eq!(created.status(), 303);
    let moderate = location(&created);
    assert!(
        moderate.starts_with("/groups/") && moderate.ends_with("/moderate"),
        "{moderate}"
    );

    // ben finds the group's page: a closed group, with mo as its moderator, and Join.
    let page = ben.get("/@year5maths").await.text().await.unwrap();
    for shown in [
        "Year 5 maths team",
        "Joining needs a moderator",
        "Moderators:",
        "mo (teacher)",
        ">Join<",
    ] {
        assert!(
            page.contains(shown),
            "the group's page shows {shown:?}: {page}"
        );
    }
    assert!(
        !page.contains(&moderate),
        "only moderators are offered the moderation page"
    );
    assert_eq!(
        ben.get(&moderate).await.status(),
        403,
        "ben does not moderate the group"
    );
    let group_id = moderate
        .trim_start_matches("/groups/")
        .trim_end_matches("/moderate")
        .to_string();
    let csrf = ben.csrf().await;
    let joined = ben
        .post(
            &format!("/accounts/{group_id}/follow"),
            &[("csrf", csrf.as_str()), ("back", "/@year5maths")],
        )
        .await;
    assert_eq!(joined.status(), 303);
    let page = ben.get("/@year5maths").await.text().await.unwrap();
    assert!(
        page.contains("Your request to join waits for a moderator.")
            && page.contains(">Withdraw request<"),
        "{page}"
    );

    // mo lets ben in from the moderation page.
    let waiting = mo.get(&moderate).await.text().await.unwrap();
    for shown in [
        "Waiting to join",
        "Let @ben",
        "Refuse @ben",
        "Members",
        "Posts in the group",
    ] {
        assert!(
            waiting.contains(shown),
            "the moderation page shows {shown:?}: {waiting}"
        );
    }
    let ben_account = {
        let mut conn = app.pool.get().await.unwrap();
        staffroom::db::accounts::Account::find_local(&mut conn, "ben")
            .await
            .unwrap()
            .unwrap()
    };
    let csrf = mo.csrf().await;
    let let_in = mo
        .post(
            &format!("/groups/{group_id}/requests/{}/authorize", ben_account.id),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(location(&let_in), moderate);
    let members = mo.get(&moderate).await.text().await.unwrap();
    assert!(
        members.contains("Nobody is waiting.") && members.contains("Remove @ben"),
        "{members}"
    );
    let page = ben.get("/@year5maths").await.text().await.unwrap();
    assert!(
        page.contains("You are a member.") && page.contains(">Leave<"),
        "{page}"
    );

    // In German.
    let german = ben
        .app
        .client
        .get(format!("{}/groups", app.address))
        .header(header::COOKIE, ben.session.clone().unwrap())
        .header(header::ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        german.contains("Gruppe gründen") && german.contains("Gruppe erstellen"),
        "{german}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_compose_form_suggests_hashtags_in_use() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    teacher(&app, "bea").await;
    let bea = api::token(&app, "bea").await;
    api::status(
        &app,
        &bea,
        "Paper strips for #Fractions and #fractals",
        "public",
    )
    .await;
    api::status(&app, &bea, "A #mathchat question", "public").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(
        home.contains(r#"data-hashtags="/search/hashtags""#),
        "{home}"
    );
    let options = browser
        .get("/search/hashtags?q=frac")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        options.contains(r##"data-value="#fractions""##)
            && options.contains(r##"data-value="#fractals""##)
            && options.contains(r#"role="option""#),
        "{options}"
    );
    assert!(!options.contains("mathchat"), "{options}");
    let one = browser
        .get("/search/hashtags?q=%23Math")
        .await
        .text()
        .await
        .unwrap();
    assert!(one.contains(r##"data-value="#mathchat""##), "{one}");
    let none = browser
        .get("/search/hashtags?q=zz")
        .await
        .text()
        .await
        .unwrap();
    assert!(!none.contains("option"), "{none}");
    app.stop().await;
}

/// Filters made through the API apply on the pages as in apps: a `hide` filter's post
/// is not on home, a `warn` filter's is folded under the filter's title. A list made
/// on its page holds exactly its members' posts.
#[tokio::test(flavor = "multi_thread")]
async fn filters_apply_on_the_pages_and_a_list_page_holds_exactly_its_members_posts() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    teacher(&app, "bob").await;
    teacher(&app, "cy").await;
    let ada = api::token(&app, "ada").await;
    let mut ids = Vec::new();
    for (name, text) in [
        ("bob", "Sports day moved to Friday."),
        ("cy", "Library closed on Monday."),
    ] {
        let id = api::get(
            &app,
            &format!("/api/v1/accounts/lookup?acct={name}"),
            Some(&ada),
        )
        .await
        .body["id"]
            .as_str()
            .unwrap()
            .to_string();
        let follow = api::post(&app, &format!("/api/v1/accounts/{id}/follow"), &ada, &[]).await;
        assert_eq!(follow.status, 200, "{}", follow.body);
        let token = api::token(&app, name).await;
        api::status(&app, &token, text, "public").await;
        ids.push(id);
    }
    for form in [
        [
            ("title", "Inspections"),
            ("filter_action", "hide"),
            ("keywords_attributes[][keyword]", "Ofsted"),
        ],
        [
            ("title", "Play"),
            ("filter_action", "warn"),
            ("keywords_attributes[][keyword]", "Macbeth"),
        ],
    ] {
        let mut form = form.to_vec();
        form.push(("context[]", "home"));
        let made = api::post(&app, "/api/v2/filters", &ada, &form).await;
        assert_eq!(made.status, 200, "{}", made.body);
    }
    let bob = api::token(&app, "bob").await;
    api::status(&app, &bob, "Ofsted visit next week.", "public").await;
    api::status(&app, &bob, "Macbeth rehearsal at four.", "public").await;

    let mut browser = Browser::new(&app);
    assert_eq!(browser.sign_in("ada", &password).await.status(), 303);
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(home.contains("Sports day moved"), "{home}");
    assert!(home.contains("Library closed"), "{home}");
    assert!(
        !home.contains("Ofsted visit"),
        "a hidden post is not on home: {home}"
    );
    let folded = home
        .split(r#"<details class="filtered">"#)
        .nth(1)
        .unwrap_or_else(|| panic!("a warned post is folded: {home}"));
    let folded = folded.split("</details>").next().unwrap();
    assert!(
        folded.contains("Filtered: Play") && folded.contains("Macbeth rehearsal"),
        "{folded}"
    );

    let csrf = browser.csrf().await;
    let made = browser
        .post("/lists", &[("csrf", &csrf), ("title", "Sports department")])
        .await;
    assert_eq!(made.status(), 303);
    let list = location(&made);
    assert!(list.starts_with("/lists/"), "{list}");
    let added = browser
        .post(
            &format!("{list}/add"),
            &[("csrf", &csrf), ("account", &ids[0])],
        )
        .await;
    assert_eq!(added.status(), 303);
    let page = browser.get(&list).await.text().await.unwrap();
    assert!(page.contains("Sports department"), "{page}");
    assert!(
        page.contains("Sports day moved"),
        "the member's post is on the list: {page}"
    );
    assert!(
        !page.contains("Library closed"),
        "a post of someone followed but not in the list is not on it: {page}"
    );
    let lists = browser.get("/lists").await.text().await.unwrap();
    assert!(lists.contains(&format!(r#"href="{list}""#)), "{lists}");
}
