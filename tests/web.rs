//! The web interface over real HTTP, as a browser without JavaScript uses it:
//! signing in and out, the session cookie, CSRF tokens on every form, the home
//! timeline and compose form, the security headers, and the German catalogue.
//! Cookies are carried by hand from `Set-Cookie`.

mod common;

use common::{api, TestApp};
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
    let start = html.find(r#"name="csrf" value=""#).unwrap_or_else(|| panic!("no CSRF field in {html}")) + r#"name="csrf" value=""#.len();
    html[start..].split('"').next().unwrap().to_string()
}

fn location(res: &Response) -> String {
    res.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
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
        let mut req = self.app.client.post(format!("{}{path}", self.app.address)).form(form);
        if let Some(c) = &self.session {
            req = req.header(header::COOKIE, c);
        }
        req.send().await.unwrap()
    }

    /// Fills in and sends the sign-in form; keeps the session cookie it sets.
    async fn sign_in(&mut self, login: &str, password: &str) -> Response {
        // The form is fetched without the session (signed in, the page sends the
        // browser home); the POST carries it, as a planted session id would be.
        let form = self.app.client.get(format!("{}/auth/sign_in", self.app.address)).send().await.unwrap();
        assert_eq!(form.status(), 200);
        let pre = cookie_pair(&set_cookie(&form, "staffroom_sign_in").expect("the sign-in form sets its token cookie"));
        let csrf = csrf_of(&form.text().await.unwrap());
        let mut req = self
            .app
            .client
            .post(format!("{}/auth/sign_in", self.app.address))
            .form(&[("csrf", csrf.as_str()), ("login", login), ("password", password)]);
        let cookies = match &self.session {
            Some(s) => format!("{pre}; {s}"),
            None => pre,
        };
        req = req.header(header::COOKIE, cookies);
        let res = req.send().await.unwrap();
        if let Some(c) = set_cookie(&res, "staffroom_session").filter(|c| !c.starts_with("staffroom_session=;")) {
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
    app.create_user(name).await.generated_password.expect("a generated password")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_is_refused_and_the_right_one_lands_on_home() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);

    let wrong = browser.sign_in("ada", "not her password").await;
    assert_eq!(wrong.status(), 401);
    assert!(set_cookie(&wrong, "staffroom_session").is_none(), "no session for a wrong password");
    assert!(wrong.text().await.unwrap().contains("Wrong username or password."));
    assert!(browser.session.is_none());

    let right = browser.sign_in("ada", &password).await;
    assert_eq!(right.status(), 303);
    assert_eq!(location(&right), "/home");
    let home = browser.get("/home").await;
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    for name in ["Post text", "Content warning", "Visibility", ">Post<", "Sign out", "@ada"] {
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
    assert!(page.contains(r#"<label for="login">Username or email</label>"#), "the field is labelled: {page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_post_from_the_compose_form_appears_on_home_and_through_the_api() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let csrf = browser.csrf().await;

    let res = browser
        .post("/statuses", &[("csrf", &csrf), ("status", "Fractions with pizza #maths"), ("spoiler_text", ""), ("visibility", "public")])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/home");
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(home.contains("Fractions with pizza"), "{home}");
    assert!(home.contains("<article"));
    for name in [">Reply<", ">Boost<", ">Like<", ">Bookmark<", ">Edit<", ">Delete<"] {
        assert!(home.contains(name), "each post has {name:?}");
    }

    let token = api::token(&app, "ada").await;
    let timeline = api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
    assert_eq!(timeline.body[0]["content"].as_str().unwrap().contains("Fractions with pizza"), true, "{}", timeline.body);
    assert_eq!(timeline.body[0]["visibility"], "public");
    let id = timeline.body[0]["id"].as_str().unwrap().to_string();

    // The buttons call the same services: a like through the page is a like in the API.
    let res = browser.post(&format!("/statuses/{id}/favourite"), &[("csrf", &csrf), ("back", "/home")]).await;
    assert_eq!(res.status(), 303);
    let res = browser.post(&format!("/statuses/{id}/bookmark"), &[("csrf", &csrf), ("back", "https://elsewhere.example/")]).await;
    assert_eq!(location(&res), "/home", "never sent back to another site");
    let status = api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await;
    assert_eq!(status.body["favourited"], true);
    assert_eq!(status.body["bookmarked"], true);
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(home.contains(r#"aria-pressed="true">Like<"#), "{home}");

    // Public pages show it too: the local timeline and the hashtag.
    for page in ["/public/local", "/public", "/tags/maths"] {
        let html = Browser::new(&app).get(page).await.text().await.unwrap();
        assert!(html.contains("Fractions with pizza"), "{page} shows the post");
    }
    let thread = browser.get(&format!("/statuses/{id}")).await;
    assert_eq!(thread.status(), 200);
    assert!(thread.text().await.unwrap().contains(&format!(r#"name="in_reply_to_id" value="{id}""#)));

    // Edit: the form starts with the post's own text; the change shows in the API.
    let form = browser.get(&format!("/statuses/{id}/edit")).await.text().await.unwrap();
    assert!(form.contains(">Fractions with pizza #maths</textarea>"), "{form}");
    assert!(form.contains(">Save<"));
    let res = browser.post(&format!("/statuses/{id}/edit"), &[("csrf", &csrf), ("status", "Fractions with pie #maths"), ("spoiler_text", "")]).await;
    assert_eq!(res.status(), 303);
    let edited = api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await;
    assert!(edited.body["content"].as_str().unwrap().contains("Fractions with pie"), "{}", edited.body);
    assert!(edited.body["edited_at"].is_string());
    // Someone else's post has no Edit, and editing it anyway is refused.
    let bob_password = teacher(&app, "bob").await;
    let mut bob = Browser::new(&app);
    bob.sign_in("bob", &bob_password).await;
    let bob_csrf = bob.csrf().await;
    let thread = bob.get(&format!("/statuses/{id}")).await.text().await.unwrap();
    assert!(thread.contains(">Like<") && !thread.contains(">Edit<") && !thread.contains(">Delete<"), "{thread}");
    let res = bob.post(&format!("/statuses/{id}/edit"), &[("csrf", &bob_csrf), ("status", "hijacked"), ("spoiler_text", "")]).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    let res = bob.post(&format!("/statuses/{id}/delete"), &[("csrf", &bob_csrf)]).await;
    assert!(res.status().is_client_error(), "{}", res.status());
    assert!(!api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await.body["content"].as_str().unwrap().contains("hijacked"));

    let res = browser.post(&format!("/statuses/{id}/delete"), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_without_its_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let csrf = browser.csrf().await;
    let token = api::token(&app, "ada").await;

    let missing = browser.post("/statuses", &[("status", "forged without a token"), ("visibility", "public")]).await;
    assert_eq!(missing.status(), 403);
    let wrong = browser.post("/statuses", &[("csrf", "0000"), ("status", "forged with a wrong token"), ("visibility", "public")]).await;
    assert_eq!(wrong.status(), 403);
    // Another session's token does not open this one's forms.
    let mut other = Browser::new(&app);
    other.sign_in("ada", &password).await;
    let others = other.csrf().await;
    assert_ne!(others, csrf);
    let crossed = browser.post("/statuses", &[("csrf", &others), ("status", "forged with another token"), ("visibility", "public")]).await;
    assert_eq!(crossed.status(), 403);
    let mine = api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 0, "nothing was posted: {}", mine.body);

    // Control: the same form with its token goes through.
    let ok = browser.post("/statuses", &[("csrf", &csrf), ("status", "posted with the token"), ("visibility", "public")]).await;
    assert_eq!(ok.status(), 303);
    let mine = api::get(&app, "/api/v1/timelines/home", Some(&token)).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1);
    let id = mine.body[0]["id"].as_str().unwrap().to_string();

    // Actions and signing out need it too.
    assert_eq!(browser.post(&format!("/statuses/{id}/delete"), &[]).await.status(), 403);
    assert_eq!(browser.post("/auth/sign_out", &[]).await.status(), 403);
    assert_eq!(api::get(&app, &format!("/api/v1/statuses/{id}"), Some(&token)).await.status, 200);
    assert_eq!(browser.get("/home").await.status(), 200, "still signed in");

    // The sign-in form needs its own token (from its cookie) as well.
    let res = app.client.post(format!("{}/auth/sign_in", app.address)).form(&[("login", "ada"), ("password", password.as_str())]).send().await.unwrap();
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
    let old = Browser { app: &app, session: Some(first) };
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
        assert_eq!(attributes.contains(&"Secure"), dev == "false", "Secure outside dev mode only: {cookie}");
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
            let rows: Vec<N> = diesel::sql_query("SELECT count(*) AS n FROM web_sessions WHERE session_hash = $1")
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
    let signed_out: Vec<&str> = vec!["/", "/about", "/auth/sign_in", "/@ada", "/public/local", "/public", "/tags/maths"];
    for page in &signed_out {
        check_headers(page, browser.get(page).await).await;
    }
    browser.sign_in("ada", &password).await;
    let res = browser.get("/home").await;
    assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
    check_headers("/home", res).await;

    let css = browser.get("/assets/staffroom.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/css"));
    assert!(css.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("max-age=31536000"));
}

async fn check_headers(page: &str, res: Response) {
    assert_eq!(res.status(), 200, "{page}");
    let h = res.headers();
    let csp = h.get(header::CONTENT_SECURITY_POLICY).unwrap_or_else(|| panic!("{page} has a CSP")).to_str().unwrap().to_string();
    assert!(csp.contains("default-src 'self'"), "{page}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{page}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{page}: {csp}");
    assert!(h.get(header::REFERRER_POLICY).is_some(), "{page} has a Referrer-Policy");
    assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).map(|v| v.to_str().unwrap()), Some("nosniff"), "{page}");
    let html = res.text().await.unwrap();
    assert!(!html.contains("<style") && !html.contains("<script") && !html.contains(" style="), "{page} has no inline styles or scripts");
    assert!(html.contains(r#"<link rel="stylesheet" href="/assets/staffroom.css?v="#), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_speak_german_to_browsers_that_ask_for_it() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "ada").await;
    let get = |path: &'static str, lang: &'static str, cookie: Option<String>| {
        let mut req = app.client.get(format!("{}{path}", app.address)).header(header::ACCEPT_LANGUAGE, lang);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        async move { req.send().await.unwrap().text().await.unwrap() }
    };
    let de = get("/auth/sign_in", "de-DE,de;q=0.9,en;q=0.8", None).await;
    assert!(de.contains(r#"<html lang="de">"#), "{de}");
    assert!(de.contains("Benutzername oder E-Mail") && de.contains("Passwort") && de.contains(">Anmelden<"), "{de}");
    let en = get("/auth/sign_in", "fr-FR,en;q=0.5", None).await;
    assert!(en.contains(r#"<html lang="en">"#) && en.contains("Username or email"));

    let mut browser = Browser::new(&app);
    browser.sign_in("ada", &password).await;
    let home = get("/home", "de", browser.session.clone()).await;
    for text in ["Beitragstext", "Inhaltswarnung", "Sichtbarkeit", ">Veröffentlichen<", ">Abmelden<"] {
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
    assert!(refused.text().await.unwrap().contains("Formular nicht angenommen"));
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
    assert!(res.text().await.unwrap().contains("Too many failed sign-in attempts"));
    assert!(browser.session.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn public_pages_offer_sign_in_and_follow_the_browser_language() {
    let app = TestApp::spawn().await;
    teacher(&app, "ada").await;
    for (lang, words) in [("en", ["People", "Sign in"]), ("de", ["Menschen", "Anmelden"])] {
        for page in ["/", "/@ada"] {
            let res = app.client.get(format!("{}{page}", app.address)).header(header::ACCEPT_LANGUAGE, lang).send().await.unwrap();
            assert_eq!(res.status(), 200);
            assert!(res.headers()[header::VARY].to_str().unwrap().contains("Accept-Language"));
            let html = res.text().await.unwrap();
            assert!(html.contains(&format!(r#"<html lang="{lang}">"#)), "{page} in {lang}");
            assert!(html.contains(r#"href="/auth/sign_in""#), "{page} links to sign-in");
            if page == "/" {
                assert!(words.iter().all(|w| html.contains(w)), "{page} in {lang}: {html}");
            }
        }
    }
}

/// The ids in the revoke forms of a sessions page.
fn revocable(html: &str) -> Vec<String> {
    html.split(r#"action="/settings/sessions/"#).skip(1).map(|rest| rest.split('/').next().unwrap().to_string()).collect()
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
    assert_eq!(others.len(), 1, "the other browser, not this one, and not bob's: {html}");
    let csrf = csrf_of(&html);

    // Without the token nothing happens; another person's session cannot be ended.
    assert_eq!(laptop.post(&format!("/settings/sessions/{}/revoke", others[0]), &[]).await.status(), 403);
    assert_eq!(staffroom_pc.get("/home").await.status(), 200);
    let bobs = revocable(&bob.get("/settings/sessions").await.text().await.unwrap());
    assert_eq!(bobs.len(), 1, "bob's phone");
    assert_eq!(laptop.post(&format!("/settings/sessions/{}/revoke", bobs[0]), &[("csrf", &csrf)]).await.status(), 404);
    assert_eq!(bobs_phone.get("/home").await.status(), 200, "bob's phone stays signed in");

    let res = laptop.post(&format!("/settings/sessions/{}/revoke", others[0]), &[("csrf", &csrf)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&staffroom_pc.get("/home").await), "/auth/sign_in", "the revoked browser is signed out");
    assert_eq!(laptop.get("/home").await.status(), 200, "this one stays signed in");
    assert_eq!(bob.get("/home").await.status(), 200, "bob stays signed in");
    // A second revocation finds nothing to end.
    assert_eq!(laptop.post(&format!("/settings/sessions/{}/revoke", others[0]), &[("csrf", &csrf)]).await.status(), 404);
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
    assert!(browser.get("/notifications").await.text().await.unwrap().contains("No notifications yet."));

    let post = api::status(&app, &bob, "Who has a good plan for photosynthesis?", "public").await;
    let id = post["id"].as_str().unwrap();
    assert_eq!(api::post(&app, &format!("/api/v1/statuses/{id}/favourite"), &ada, &[]).await.status, 200);
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
    assert!(profile.contains(">Follow<") && !profile.contains(">Unfollow<"), "{profile}");
    assert!(profile.contains("Bob&#39;s first lesson plan") || profile.contains("Bob's first lesson plan"), "the profile lists bob's posts");
    let own = browser.get("/@ada").await.text().await.unwrap();
    assert!(!own.contains(">Follow<"), "no Follow on one's own profile");
    let csrf = csrf_of(&profile);
    let action = profile.split(r#"action="/accounts/"#).nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(action.ends_with("/follow"), "{action}");

    assert_eq!(browser.post(&format!("/accounts/{action}"), &[("back", "/@bob")]).await.status(), 403, "not without the token");
    let res = browser.post(&format!("/accounts/{action}"), &[("csrf", &csrf), ("back", "/@bob")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/@bob");
    let bob_id = action.split('/').next().unwrap();
    let rel = api::get(&app, &format!("/api/v1/accounts/relationships?id[]={bob_id}"), Some(&ada)).await;
    assert_eq!(rel.body[0]["following"], true, "{}", rel.body);
    assert!(browser.get("/@bob").await.text().await.unwrap().contains(">Unfollow<"));

    api::status(&app, &bob, "Bob's second lesson plan", "private").await;
    let home = browser.get("/home").await.text().await.unwrap();
    assert!(home.contains("second lesson plan"), "a followers-only post of someone followed: {home}");

    let res = browser.post(&format!("/accounts/{bob_id}/unfollow"), &[("csrf", &csrf), ("back", "/@bob")]).await;
    assert_eq!(res.status(), 303);
    let rel = api::get(&app, &format!("/api/v1/accounts/relationships?id[]={bob_id}"), Some(&ada)).await;
    assert_eq!(rel.body[0]["following"], false);
    let visitor = Browser::new(&app).get("/@bob").await.text().await.unwrap();
    assert!(!visitor.contains("second lesson plan"), "followers-only stays hidden from visitors");
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
    assert_eq!(laptop.post("/settings/password", &[("current_password", &password), ("new_password", new)]).await.status(), 403);
    let wrong = laptop.post("/settings/password", &[("csrf", &csrf), ("current_password", "wrong"), ("new_password", new)]).await;
    assert_eq!(wrong.status(), 401);
    let short = laptop.post("/settings/password", &[("csrf", &csrf), ("current_password", &password), ("new_password", "short")]).await;
    assert_eq!(short.status(), 400);
    assert_eq!(phone.get("/home").await.status(), 200, "nothing changed yet");

    let ok = laptop.post("/settings/password", &[("csrf", &csrf), ("current_password", &password), ("new_password", new)]).await;
    assert_eq!(ok.status(), 200);
    assert!(ok.text().await.unwrap().contains("Your password has been changed."));
    assert_eq!(laptop.get("/home").await.status(), 200, "this browser stays signed in");
    assert_eq!(location(&phone.get("/home").await), "/auth/sign_in", "the others are signed out");
    assert_eq!(Browser::new(&app).sign_in("ada", &password).await.status(), 401, "the old password is gone");
    assert_eq!(Browser::new(&app).sign_in("ada", new).await.status(), 303);
}
