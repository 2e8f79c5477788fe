//! Search that finds things: `/api/v2/search` finds posts by their words (a
//! teacher's own, those they favourited, bookmarked, boosted, replied to or were
//! mentioned in, and public posts of accounts that opted in with `indexable`, here
//! or on another server) and never a stranger's public post that did not opt in or
//! a post the searcher may not see; hashtags with their history; the web's search
//! page shows the same posts.

mod common;

use common::{api, browser, eventually, TestApp};
use serde_json::{json, Value};
use std::time::Duration;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A remote actor whose actor document says `indexable`, posting a public note with
/// `#maths` (kept here because bob follows that hashtag).
async fn remote_teacher(app: &TestApp, name: &str, indexable: bool, text: &str) {
    let actor = common::remote::start(name);
    let mut doc = actor.actor_document(&actor.key);
    doc["indexable"] = Value::Bool(indexable);
    actor.serve(&format!("/users/{name}"), 200, doc);
    let note_id = format!("{}/statuses/1", actor.id());
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}/activity"), "type": "Create", "actor": actor.id(),
        "object": {
            "id": note_id, "type": "Note", "attributedTo": actor.id(), "content": format!("<p>{text} #maths</p>"), "to": [PUBLIC],
            "tag": [{ "type": "Hashtag", "name": "#maths", "href": "https://elsewhere.example/tags/maths" }]
        }
    });
    let res = actor
        .signed_post(
            &app.client,
            &format!("{}/inbox", app.address),
            &create.to_string(),
            chrono::Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
}

async fn found(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let res = api::get(
        app,
        &format!("/api/v2/search?q={}&type=statuses", urlencode(query)),
        Some(token),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // Apostrophes come back as `&#39;` in the HTML content.
    res.body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap().replace("&#39;", "'"))
        .collect()
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn has(found: &[String], text: &str) -> bool {
    found.iter().any(|c| c.contains(text))
}

#[tokio::test(flavor = "multi_thread")]
async fn full_text_search_finds_own_interacted_and_indexable_posts_and_nothing_else() {
    let app = TestApp::spawn().await;
    let alice_password = app.create_user("alice").await.generated_password.unwrap();
    app.create_user("bob").await;
    let dora_id = app.create_user("dora").await.account.id.to_string();
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let dora = api::token(&app, "dora").await;

    // dora opts in through the API, as apps offer it.
    let res = app
        .client
        .patch(format!(
            "{}/api/v1/accounts/update_credentials",
            app.address
        ))
        .bearer_auth(&dora)
        .form(&[("indexable", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me = api::get(&app, "/api/v1/accounts/verify_credentials", Some(&dora))
        .await
        .body;
    assert_eq!(me["indexable"], true, "{me}");
    assert_eq!(me["source"]["indexable"], true, "{me}");
    assert_eq!(
        api::get(&app, "/api/v1/accounts/verify_credentials", Some(&bob))
            .await
            .body["indexable"],
        false
    );

    // alice's own, even followers-only.
    api::status(
        &app,
        &alice,
        "My fractions worksheet for year five",
        "private",
    )
    .await;
    // bob did not opt in: only what alice interacted with is hers to find.
    api::status(
        &app,
        &bob,
        "Bob's fractions game nobody here touched",
        "public",
    )
    .await;
    let favourited = api::status(&app, &bob, "Bob's fractions puzzle", "public").await;
    let bookmarked = api::status(&app, &bob, "Bob's fractions quiz", "public").await;
    let boosted = api::status(&app, &bob, "Bob's fractions relay", "public").await;
    let replied = api::status(&app, &bob, "Bob's fractions debate", "public").await;
    api::status(&app, &bob, "@alice the fractions homework is due", "direct").await;
    for (path, post) in [
        ("favourite", &favourited),
        ("bookmark", &bookmarked),
        ("reblog", &boosted),
    ] {
        assert_eq!(
            api::post(
                &app,
                &format!("/api/v1/statuses/{}/{path}", id(post)),
                &alice,
                &[]
            )
            .await
            .status,
            200
        );
    }
    let reply = api::post(
        &app,
        "/api/v1/statuses",
        &alice,
        &[("status", "I agree"), ("in_reply_to_id", &id(&replied))],
    )
    .await;
    assert_eq!(reply.status, 200);
    // dora opted in: her public posts are found; not those alice may not see, nor her
    // unlisted ones (opting in is for public posts).
    api::status(&app, &dora, "Dora's fractions wall display", "public").await;
    api::status(&app, &dora, "Dora's secret fractions plan", "private").await;
    api::status(&app, &dora, "Dora's quiet fractions note", "unlisted").await;
    // Another server: erin opted in (her actor document says so), frank did not.
    api::post(&app, "/api/v1/tags/maths/follow", &bob, &[]).await;
    remote_teacher(&app, "erin", true, "Erin's fractions circle").await;
    remote_teacher(&app, "frank", false, "Frank's fractions chart").await;

    let results = eventually(Duration::from_secs(10), "erin's post is found", || async {
        let f = found(&app, &alice, "fractions").await;
        has(&f, "Erin's fractions circle").then_some(f)
    })
    .await;
    for expected in [
        "My fractions worksheet",
        "fractions puzzle",
        "fractions quiz",
        "fractions relay",
        "fractions debate",
        "fractions homework",
        "Dora's fractions wall",
        "Erin's fractions circle",
    ] {
        assert!(
            has(&results, expected),
            "{expected:?} must be found: {results:?}"
        );
    }
    for absent in [
        "nobody here touched",
        "secret fractions plan",
        "quiet fractions note",
        "Frank's fractions chart",
    ] {
        assert!(
            !has(&results, absent),
            "{absent:?} must not be found: {results:?}"
        );
    }
    assert_eq!(results.len(), 8, "{results:?}");
    // Frank's post is stored (a control: bob has it in his home through #maths).
    let bobs_home = api::get(&app, "/api/v1/timelines/home", Some(&bob))
        .await
        .body
        .to_string()
        .replace("&#39;", "'");
    assert!(bobs_home.contains("Frank's fractions chart"), "{bobs_home}");

    // Words as a web search engine takes them: stems ("worksheets"), phrases, exclusions.
    assert!(has(
        &found(&app, &alice, "worksheets").await,
        "My fractions worksheet"
    ));
    assert_eq!(found(&app, &alice, "\"fractions puzzle\"").await.len(), 1);
    let without = found(&app, &alice, "fractions -bob -dora -erin").await;
    assert!(
        without.len() == 2 && has(&without, "worksheet") && has(&without, "homework"),
        "{without:?}"
    );
    assert!(found(&app, &alice, "photosynthesis").await.is_empty());
    // bob finds none of alice's followers-only post, and his own direct message.
    let bobs = found(&app, &bob, "fractions").await;
    assert!(
        !has(&bobs, "My fractions worksheet") && has(&bobs, "homework"),
        "{bobs:?}"
    );

    // Paging: limit, offset, max_id, one account.
    let all = api::get(
        &app,
        "/api/v2/search?q=fractions&type=statuses",
        Some(&alice),
    )
    .await
    .body["statuses"]
        .clone();
    let ids: Vec<String> = all.as_array().unwrap().iter().map(id).collect();
    let page = |q: String| {
        let app = &app;
        let alice = &alice;
        async move {
            api::get(
                app,
                &format!("/api/v2/search?q=fractions&type=statuses&{q}"),
                Some(alice),
            )
            .await
            .body["statuses"]
                .as_array()
                .unwrap()
                .iter()
                .map(id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(page("limit=3".into()).await, ids[..3]);
    assert_eq!(page("limit=3&offset=3".into()).await, ids[3..6]);
    assert_eq!(page(format!("max_id={}", ids[1])).await, ids[2..]);
    assert_eq!(page(format!("min_id={}", ids[2])).await, ids[..2]);
    let doras = api::get(
        &app,
        &format!("/api/v2/search?q=fractions&account_id={dora_id}"),
        Some(&alice),
    )
    .await
    .body;
    assert_eq!(doras["statuses"].as_array().unwrap().len(), 1, "{doras}");
    assert!(
        doras["statuses"][0]["content"]
            .as_str()
            .unwrap()
            .contains("fractions wall"),
        "{doras}"
    );
    assert_eq!(
        api::get(&app, "/api/v2/search?q=fractions&type=bogus", Some(&alice))
            .await
            .status,
        400
    );

    // Another server's post nobody here had touched becomes findable for alice when
    // she favourites it (its words are kept from then on), and still not for bob.
    let franks = api::get(&app, "/api/v1/timelines/home", Some(&bob))
        .await
        .body;
    let franks = franks
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["content"].as_str().unwrap().contains("chart"))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        api::post(
            &app,
            &format!("/api/v1/statuses/{franks}/favourite"),
            &alice,
            &[]
        )
        .await
        .status,
        200
    );
    assert!(has(
        &found(&app, &alice, "fractions").await,
        "Frank's fractions chart"
    ));
    assert!(!has(
        &found(&app, &bob, "fractions").await,
        "Frank's fractions chart"
    ));

    // Hashtags: the one typed first, then those in use that start with it.
    api::status(&app, &dora, "Today: #FractionsFun and #fractions", "public").await;
    let tags = api::get(
        &app,
        "/api/v2/search?q=%23fraction&type=hashtags",
        Some(&alice),
    )
    .await
    .body;
    let names: Vec<&str> = tags["hashtags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["fraction", "fractions", "fractionsfun"], "{tags}");
    assert_eq!(tags["hashtags"][1]["history"][0]["uses"], "1", "{tags}");
    assert_eq!(
        tags["hashtags"][1]["url"],
        format!("http://{}/tags/fractions", app.domain)
    );
    assert!(
        tags["statuses"].as_array().unwrap().is_empty()
            && tags["accounts"].as_array().unwrap().is_empty()
    );

    // The web's search page shows the same posts.
    let form = app
        .client
        .get(format!("{}/auth/sign_in", app.address))
        .send()
        .await
        .unwrap();
    let pre = browser::set_cookie(&form, "staffroom_sign_in").unwrap();
    let csrf = browser::csrf_of(&form.text().await.unwrap());
    let signed_in = app
        .client
        .post(format!("{}/auth/sign_in", app.address))
        .header("Cookie", pre)
        .form(&[
            ("csrf", csrf.as_str()),
            ("login", "alice"),
            ("password", alice_password.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let session = browser::set_cookie(&signed_in, "staffroom_session").expect("signed in");
    let page = browser::get(&app, "/search?q=fractions", Some(&session)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Dora&#39;s fractions wall") || html.contains("Dora's fractions wall"),
        "{html}"
    );
    assert!(
        html.contains("Erin") && html.contains("fractions circle"),
        "{html}"
    );
    assert!(
        !html.contains("nobody here touched") && !html.contains("secret fractions plan"),
        "{html}"
    );
}

/// A remote teacher who opts in later (an `Update` of their actor saying `indexable`):
/// their public posts already here become findable by everyone, not only from then on.
#[tokio::test(flavor = "multi_thread")]
async fn posts_of_a_remote_account_that_opts_in_later_become_findable_and_not_after_it_opts_out() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alice = api::token(&app, "alice").await;
    // Posts from another server are kept when someone here wants them: alice follows #maths.
    assert_eq!(
        api::post(&app, "/api/v1/tags/maths/follow", &alice, &[])
            .await
            .status,
        200
    );
    let actor = common::remote::start("gina");
    let mut doc = actor.actor_document(&actor.key);
    doc["indexable"] = Value::Bool(false);
    actor.serve("/users/gina", 200, doc.clone());
    let send = |activity: Value| {
        let (actor, app) = (&actor, &app);
        async move {
            let res = actor
                .signed_post(
                    &app.client,
                    &format!("{}/inbox", app.address),
                    &activity.to_string(),
                    chrono::Utc::now(),
                )
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 202);
        }
    };
    for (n, text) in [
        (1, "Gina's photosynthesis experiment"),
        (2, "Gina's photosynthesis worksheet"),
    ] {
        let note_id = format!("{}/statuses/{n}", actor.id());
        send(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note_id}/activity"), "type": "Create", "actor": actor.id(),
            "object": {
                "id": note_id, "type": "Note", "attributedTo": actor.id(), "content": format!("<p>{text} #maths</p>"), "to": [PUBLIC],
                "tag": [{ "type": "Hashtag", "name": "#maths", "href": "https://elsewhere.example/tags/maths" }]
            }
        }))
        .await;
    }
    // Stored (a control: looked up by its address, alice sees it), not findable by its words.
    let url = urlencode(&format!("{}/statuses/1", actor.id()));
    let stored = eventually(Duration::from_secs(10), "gina's post is stored", || async {
        let body = api::get(
            &app,
            &format!("/api/v2/search?q={url}&type=statuses"),
            Some(&alice),
        )
        .await
        .body;
        (body["statuses"].as_array().map_or(0, Vec::len) == 1).then_some(body)
    })
    .await;
    assert!(
        stored.to_string().contains("photosynthesis experiment"),
        "{stored}"
    );
    assert!(found(&app, &alice, "photosynthesis").await.is_empty());

    doc["indexable"] = Value::Bool(true);
    send(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#updates/1", actor.id()), "type": "Update", "actor": actor.id(), "to": [PUBLIC], "object": doc
    }))
    .await;
    let results = eventually(
        Duration::from_secs(10),
        "gina's earlier posts are found",
        || async {
            let f = found(&app, &alice, "photosynthesis").await;
            (f.len() == 2).then_some(f)
        },
    )
    .await;
    assert!(
        has(&results, "Gina's photosynthesis experiment")
            && has(&results, "Gina's photosynthesis worksheet"),
        "{results:?}"
    );

    // She opts out again: her posts can no longer be found by their words (they are
    // still there: looked up by address, as the control above).
    doc["indexable"] = Value::Bool(false);
    send(json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#updates/2", actor.id()), "type": "Update", "actor": actor.id(), "to": [PUBLIC], "object": doc
    }))
    .await;
    eventually(
        Duration::from_secs(10),
        "gina's posts are no longer found",
        || async { found(&app, &alice, "photosynthesis").await.is_empty() },
    )
    .await;
    let still = api::get(
        &app,
        &format!("/api/v2/search?q={url}&type=statuses"),
        Some(&alice),
    )
    .await;
    assert_eq!(
        still.body["statuses"].as_array().map_or(0, Vec::len),
        1,
        "{}",
        still.body
    );
}

/// Opts `token`'s teacher in to being found.
async fn opt_in(app: &TestApp, token: &str) {
    let res = api::send(
        app,
        reqwest::Method::PATCH,
        "/api/v1/accounts/update_credentials",
        token,
        &[("indexable", "true")],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
}

/// A word in many recent posts is read from the newest posts in order (the search
/// stops once the page is full); a word only in posts older than those is still
/// found, through the index. Both ways keep the visibility rule and the order.
#[tokio::test(flavor = "multi_thread")]
async fn common_and_rare_words_are_found_newest_first_however_far_back() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let dora_id = app.create_user("dora").await.account.id.0;
    let zed_id = app.create_user("zed").await.account.id.0;
    let (alice, bob) = (
        api::token(&app, "alice").await,
        api::token(&app, "bob").await,
    );
    for name in ["dora", "zed"] {
        opt_in(&app, &api::token(&app, name).await).await;
    }
    // 2,100 posts of dora's, a minute apart, newest first by n: "volcano" in the 30
    // newest, "zeppelin" only in the 50 oldest, more than the newest 2,000 back.
    let now_ms = chrono::Utc::now().timestamp_millis() - 60_000;
    let mut conn = app.pool.get().await.unwrap();
    diesel::sql_query(format!(
        "INSERT INTO statuses (id, account_id, content, text, visibility, local, created_at, language)
         SELECT (({now_ms}::bigint - n * 60000) << 16) + 7, {dora_id},
                '<p>' || t || '</p>', t, 0, true, to_timestamp(({now_ms} - n * 60000) / 1000.0), 'en'
           FROM (SELECT n, 'Field trip ' || n || ': ' || CASE WHEN n < 30 THEN 'volcano'
                                                             WHEN n >= 2050 THEN 'zeppelin'
                                                             ELSE 'museum' END AS t
                   FROM generate_series(0, 2099) AS n) AS posts"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    // zed, whom alice blocks, posted about volcanoes last of all.
    for i in 0..3 {
        api::status(
            &app,
            &api::token(&app, "zed").await,
            &format!("Zed's volcano {i}"),
            "public",
        )
        .await;
    }
    let blocked = api::post(
        &app,
        &format!("/api/v1/accounts/{zed_id}/block"),
        &alice,
        &[],
    )
    .await;
    assert_eq!(blocked.status, 200, "{}", blocked.body);

    let trip = |n: i32| format!("Field trip {n}: ");
    let volcano = found(&app, &alice, "volcano").await;
    assert_eq!(volcano.len(), 20, "{volcano:?}");
    for (i, content) in volcano.iter().enumerate() {
        assert!(
            content.contains(&trip(i as i32)),
            "result {i} is trip {i}: {volcano:?}"
        );
    }
    // The positive control of the block: bob, who does not block zed, finds zed first.
    let bobs = found(&app, &bob, "volcano").await;
    assert!(bobs[0].contains("Zed's volcano 2"), "{bobs:?}");
    assert!(
        has(&bobs, "Zed's volcano 0") && bobs.len() == 20,
        "{bobs:?}"
    );

    let zeppelin = found(&app, &alice, "zeppelin").await;
    assert_eq!(zeppelin.len(), 20, "{zeppelin:?}");
    for (i, content) in zeppelin.iter().enumerate() {
        let n = 2050 + i as i32;
        assert!(
            content.contains(&trip(n)),
            "result {i} is trip {n}: {zeppelin:?}"
        );
    }

    // The next page of the common word carries on where the first stopped.
    let res = api::get(
        &app,
        "/api/v2/search?q=volcano&type=statuses&offset=20",
        Some(&alice),
    )
    .await;
    let next: Vec<&str> = res.body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(next.len(), 10, "{next:?}");
    assert!(
        next[0].contains(&trip(20)) && next[9].contains(&trip(29)),
        "{next:?}"
    );
}
