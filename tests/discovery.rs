//! What a remote server sees when it looks up an account here: WebFinger, host-meta,
//! NodeInfo, the actor document and its collections, over real HTTP.

mod common;

use common::TestApp;
use serde_json::Value;

const AS_JSON: &str = "application/activity+json";
const LD_JSON: &str = r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#;

async fn json(res: reqwest::Response) -> Value {
    res.json().await.expect("JSON body")
}

#[tokio::test(flavor = "multi_thread")]
async fn webfinger_finds_a_new_account_as_mastodon_would() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let base = &app.address;
    let res = app
        .get(
            &format!("/.well-known/webfinger?resource=acct:alice@{}", app.domain),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/jrd+json"));
    assert_eq!(res.headers()["access-control-allow-origin"], "*");
    let jrd = json(res).await;
    assert_eq!(jrd["subject"], format!("acct:alice@{}", app.domain));
    assert_eq!(
        jrd["aliases"],
        serde_json::json!([format!("{base}/@alice"), format!("{base}/users/alice")])
    );
    let links = jrd["links"].as_array().unwrap();
    let link = |rel: &str| {
        links
            .iter()
            .find(|l| l["rel"] == rel)
            .unwrap_or_else(|| panic!("no {rel} link"))
            .clone()
    };
    assert_eq!(link("self")["type"], "application/activity+json");
    assert_eq!(link("self")["href"], format!("{base}/users/alice"));
    assert_eq!(
        link("http://webfinger.net/rel/profile-page")["href"],
        format!("{base}/@alice")
    );
    assert_eq!(
        link("http://ostatus.org/schema/1.0/subscribe")["template"],
        format!("{base}/authorize_interaction?uri={{uri}}")
    );

    // The forms Mastodon also accepts: other letter case, no acct:, the actor URL.
    for resource in [
        format!("acct:ALICE@{}", app.domain),
        format!("alice@{}", app.domain),
        format!("{base}/users/alice"),
        format!("{base}/@alice"),
    ] {
        let res = app
            .get(&format!("/.well-known/webfinger?resource={resource}"), None)
            .await;
        assert_eq!(res.status(), 200, "{resource}");
        assert_eq!(
            json(res).await["subject"],
            format!("acct:alice@{}", app.domain),
            "{resource}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn webfinger_refuses_unknown_and_malformed_resources() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    for (query, status) in [
        (format!("resource=acct:alice@{}", app.domain), 200), // control: the account that exists
        (format!("resource=acct:nobody@{}", app.domain), 404),
        ("resource=acct:alice@elsewhere.example".to_string(), 404),
        (format!("resource=acct:no.such.name@{}", app.domain), 404),
        (
            "resource=https://elsewhere.example/users/alice".to_string(),
            404,
        ),
        (String::new(), 400),
        ("resource=".to_string(), 400),
        ("resource=alice".to_string(), 400),
        ("resource=acct:alice@".to_string(), 400),
        (format!("resource=acct:@{}", app.domain), 400),
    ] {
        let res = app
            .get(&format!("/.well-known/webfinger?{query}"), None)
            .await;
        assert_eq!(res.status(), status, "{query}");
        let body = json(res).await;
        if status == 200 {
            assert_eq!(body["subject"], format!("acct:alice@{}", app.domain));
            continue;
        }
        assert!(
            body["error"].is_string(),
            "{query}: errors have Mastodon's shape: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_instance_actor_is_discoverable_and_signs_with_its_own_key() {
    let app = TestApp::spawn().await;
    let res = app
        .get(
            &format!("/.well-known/webfinger?resource=acct:{0}@{0}", app.domain),
            None,
        )
        .await;
    assert_eq!(res.status(), 200);
    let jrd = json(res).await;
    let href = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap()["href"]
        .clone();
    assert_eq!(href, format!("{}/actor", app.address));

    let actor = json(app.get("/actor", Some(AS_JSON)).await).await;
    assert_eq!(actor["type"], "Application");
    assert_eq!(actor["id"], format!("{}/actor", app.address));
    assert_eq!(actor["preferredUsername"], app.domain);
    assert_eq!(
        actor["publicKey"]["id"],
        format!("{}/actor#main-key", app.address)
    );
    assert_eq!(actor["publicKey"]["owner"], actor["id"]);
    let pem = actor["publicKey"]["publicKeyPem"].as_str().unwrap();
    assert_eq!(
        openssl::pkey::PKey::public_key_from_pem(pem.as_bytes())
            .unwrap()
            .bits(),
        2048
    );
    assert_eq!(actor["inbox"], format!("{}/actor/inbox", app.address));
    let outbox = json(app.get("/actor/outbox", Some(AS_JSON)).await).await;
    assert_eq!(outbox["type"], "OrderedCollection");

    // The key survives restarts: a second server on the same database publishes the same one.
    let again = staffroom::services::instance::ensure_site(&app.pool)
        .await
        .unwrap();
    assert_eq!(again.public_key_pem, pem);

    // Our fetches are signed with it: a server that checks signatures (with code we
    // did not write) verifies the GET against the published key. Its answer is empty,
    // so the fetch itself fails; the request is what counts here.
    let remote = &common::receiver::start(1, pem)[0];
    let _ = staffroom::federation::fetch::fetch_object(&app.ctx, &remote.inbox("/notes/1")).await;
    let log = remote.log.lock().unwrap().clone();
    assert_eq!(log.len(), 1, "one fetch reached the server");
    assert!(
        log[0].verified,
        "the fetch is signed with the instance actor's published key"
    );

    // Browsers are sent to the about page.
    let res = app.get("/actor", Some("text/html")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/about");
}

#[tokio::test(flavor = "multi_thread")]
async fn actor_document_has_every_field_mastodon_reads() {
    let app = TestApp::spawn().await;
    let created = app.create_user("bob").await;
    let base = &app.address;
    for accept in [AS_JSON, LD_JSON] {
        let res = app.get("/users/bob", Some(accept)).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/activity+json"));
        assert_eq!(res.headers()["vary"], "Accept");
        let actor = json(res).await;
        let context = actor["@context"].as_array().unwrap();
        assert_eq!(context[0], "https://www.w3.org/ns/activitystreams");
        assert_eq!(context[1], "https://w3id.org/security/v1");
        assert_eq!(
            context[2]["manuallyApprovesFollowers"],
            "as:manuallyApprovesFollowers"
        );
        assert_eq!(actor["id"], format!("{base}/users/bob"));
        assert_eq!(actor["type"], "Person");
        assert_eq!(actor["preferredUsername"], "bob");
        assert_eq!(actor["name"], "bob (teacher)");
        assert_eq!(actor["summary"], "");
        assert_eq!(actor["inbox"], format!("{base}/users/bob/inbox"));
        assert_eq!(actor["outbox"], format!("{base}/users/bob/outbox"));
        assert_eq!(actor["followers"], format!("{base}/users/bob/followers"));
        assert_eq!(actor["following"], format!("{base}/users/bob/following"));
        assert_eq!(
            actor["featured"],
            format!("{base}/users/bob/collections/featured")
        );
        assert_eq!(actor["endpoints"]["sharedInbox"], format!("{base}/inbox"));
        assert_eq!(actor["url"], format!("{base}/@bob"));
        assert_eq!(actor["manuallyApprovesFollowers"], false);
        assert_eq!(actor["discoverable"], true);
        assert!(chrono::DateTime::parse_from_rfc3339(actor["published"].as_str().unwrap()).is_ok());
        assert_eq!(
            actor["publicKey"]["id"],
            format!("{base}/users/bob#main-key")
        );
        assert_eq!(actor["publicKey"]["owner"], format!("{base}/users/bob"));
        assert_eq!(
            actor["publicKey"]["publicKeyPem"],
            created.account.public_key_pem
        );
        // The private key never leaves the database.
        assert!(!actor.to_string().contains("PRIVATE"));
    }
    // Any letter case finds the account; the document names it as created.
    let actor = json(app.get("/users/BOB", Some(AS_JSON)).await).await;
    assert_eq!(actor["id"], format!("{base}/users/bob"));
}

#[tokio::test(flavor = "multi_thread")]
async fn browsers_get_a_readable_profile_page() {
    let app = TestApp::spawn().await;
    app.create_user("carol").await;
    for path in ["/users/carol", "/@carol"] {
        let res = app
            .get(path, Some("text/html,application/xhtml+xml,*/*;q=0.8"))
            .await;
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let page = res.text().await.unwrap();
        assert!(page.contains("carol (teacher)"), "{path}: {page}");
        assert!(page.contains(&format!("@carol@{}", app.domain)));
    }
    // No Accept header at all is a browser too, as on Mastodon.
    let res = app.get("/users/carol", None).await;
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    // The front page lists the people here.
    let home = app.get("/", None).await.text().await.unwrap();
    assert!(home.contains("/@carol"));
}

#[tokio::test(flavor = "multi_thread")]
async fn display_names_are_escaped_on_pages() {
    let app = TestApp::spawn().await;
    staffroom::services::accounts::create_local_user(
        &app.pool,
        staffroom::services::accounts::NewUser {
            username: "mallory".into(),
            display_name: Some("<script>alert(1)</script>".into()),
            password: Some("long enough password".into()),
            admin: false,
        },
    )
    .await
    .unwrap();
    let page = app.get("/@mallory", None).await.text().await.unwrap();
    assert!(!page.contains("<script>alert"), "{page}");
    assert!(page.contains("&lt;script&gt;"));
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_accounts_are_404_everywhere() {
    let app = TestApp::spawn().await;
    app.create_user("carol").await;
    for path in [
        "/users/ghost",
        "/users/ghost/outbox",
        "/users/ghost/followers",
        "/users/ghost/following",
        "/users/ghost/collections/featured",
        "/@ghost",
        "/users/not%20a%20name",
    ] {
        assert_eq!(app.get(path, Some(AS_JSON)).await.status(), 404, "{path}");
        // Control: the same path for an account that exists answers.
        let known = path
            .replace("ghost", "carol")
            .replace("not%20a%20name", "carol");
        assert_eq!(
            app.get(&known, Some(AS_JSON)).await.status(),
            200,
            "{known}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn collections_answer_with_valid_ordered_collections() {
    let app = TestApp::spawn().await;
    app.create_user("dave").await;
    let base = format!("{}/users/dave", app.address);
    for name in ["outbox", "followers", "following"] {
        let res = app.get(&format!("/users/dave/{name}"), Some(AS_JSON)).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/activity+json"));
        let collection = json(res).await;
        assert_eq!(
            collection["@context"],
            "https://www.w3.org/ns/activitystreams"
        );
        assert_eq!(collection["id"], format!("{base}/{name}"));
        assert_eq!(collection["type"], "OrderedCollection");
        assert_eq!(collection["totalItems"], 0);
        let first = collection["first"].as_str().unwrap();
        let page_path = first.strip_prefix(&app.address).unwrap();
        let page = json(app.get(page_path, Some(AS_JSON)).await).await;
        assert_eq!(page["type"], "OrderedCollectionPage");
        assert_eq!(page["partOf"], format!("{base}/{name}"));
        assert_eq!(page["orderedItems"], serde_json::json!([]));
    }
    let featured = json(
        app.get("/users/dave/collections/featured", Some(AS_JSON))
            .await,
    )
    .await;
    assert_eq!(featured["type"], "OrderedCollection");
    assert_eq!(featured["orderedItems"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn host_meta_points_at_webfinger() {
    let app = TestApp::spawn().await;
    let res = app.get("/.well-known/host-meta", None).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/xrd+xml"));
    let xml = res.text().await.unwrap();
    assert!(xml.contains(r#"<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">"#));
    assert!(xml.contains(&format!(
        r#"template="{}/.well-known/webfinger?resource={{uri}}""#,
        app.address
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn nodeinfo_counts_users_and_posts() {
    let app = TestApp::spawn().await;
    let links = json(app.get("/.well-known/nodeinfo", None).await).await;
    let links = links["links"].as_array().unwrap();
    assert_eq!(links.len(), 2);
    for (version, link) in ["2.0", "2.1"].iter().zip(links) {
        assert_eq!(
            link["rel"],
            format!("http://nodeinfo.diaspora.software/ns/schema/{version}")
        );
        assert_eq!(link["href"], format!("{}/nodeinfo/{version}", app.address));
    }

    let before = json(app.get("/nodeinfo/2.0", None).await).await;
    assert_eq!(before["usage"]["users"]["total"], 0);
    let alice = app.create_user("alice").await;
    app.create_user("bob").await;
    // A post made the way the posting service will (no client API yet).
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.pool.get().await.unwrap();
        diesel::sql_query(format!(
            "INSERT INTO statuses (id, account_id, content, local) VALUES ({}, {}, '<p>hello</p>', true)",
            staffroom::db::new_id(),
            alice.account.id
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    for version in ["2.0", "2.1"] {
        let res = app.get(&format!("/nodeinfo/{version}"), None).await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains(&format!("schema/{version}#")));
        let info = json(res).await;
        assert_eq!(info["version"], version);
        assert_eq!(info["software"]["name"], "staffroom");
        assert_eq!(info["software"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(info["protocols"], serde_json::json!(["activitypub"]));
        assert_eq!(info["usage"]["users"]["total"], 2);
        assert_eq!(info["usage"]["users"]["activeMonth"], 2);
        assert_eq!(info["usage"]["users"]["activeHalfyear"], 2);
        assert_eq!(info["usage"]["localPosts"], 1);
        assert_eq!(info["openRegistrations"], false);
    }
    assert_eq!(app.get("/nodeinfo/3.0", None).await.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_the_database() {
    let app = TestApp::spawn().await;
    let res = app.get("/health", None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(json(res).await["database"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_in_the_outbox_names_the_post_it_answers() {
    use staffroom::services::statuses::{self, NewPost};
    let app = TestApp::spawn().await;
    app.create_user("erin").await;
    app.create_user("finn").await;
    let mut conn = app.pool.get().await.unwrap();
    let erin = staffroom::db::accounts::Account::find_local(&mut conn, "erin")
        .await
        .unwrap()
        .unwrap();
    let finn = staffroom::db::accounts::Account::find_local(&mut conn, "finn")
        .await
        .unwrap()
        .unwrap();
    let post = |text: &str, in_reply_to| NewPost {
        text: text.into(),
        visibility: staffroom::db::statuses::Visibility::Public,
        in_reply_to,
        spoiler_text: String::new(),
        sensitive: false,
        language: None,
    };
    let question = statuses::post(
        &app.ctx,
        &erin,
        post("Best picture books for Year 2?", None),
    )
    .await
    .unwrap();
    statuses::post(
        &app.ctx,
        &finn,
        post("@erin The Gruffalo, always.", Some(question.id)),
    )
    .await
    .unwrap();

    let collection = json(app.get("/users/finn/outbox", Some(AS_JSON)).await).await;
    let page_path = collection["first"]
        .as_str()
        .unwrap()
        .strip_prefix(&app.address)
        .unwrap()
        .to_string();
    let page = json(app.get(&page_path, Some(AS_JSON)).await).await;
    let note = &page["orderedItems"][0]["object"];
    assert_eq!(
        note["inReplyTo"],
        format!("{}/users/erin/statuses/{}", app.address, question.id.0)
    );
}
