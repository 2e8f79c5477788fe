//! Lists in the client API page as Mastodon's do (max_id, since_id, min_id, limit,
//! Link headers) and show each reader only what it may see: timelines, an account's
//! posts, followers and following, bookmarks and favourites.

mod common;

use common::{api, TestApp};
use serde_json::Value;

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn home_pages_by_max_id_since_id_and_min_id_with_link_headers() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let alice = api::token(&app, "alice").await;
    let mut posted = Vec::new();
    for n in 1..=5 {
        posted.push(id(&api::status(
            &app,
            &alice,
            &format!("post {n}"),
            "public",
        )
        .await));
    }
    let [s1, s2, s3, s4, s5] = <[String; 5]>::try_from(posted).unwrap();

    let first = api::get(&app, "/api/v1/timelines/home?limit=2", Some(&alice)).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.ids(), [s5.clone(), s4.clone()]);
    let base = format!("http://{}/api/v1/timelines/home", app.domain);
    assert_eq!(
        first.link.as_deref(),
        Some(format!("<{base}?limit=2&max_id={s4}>; rel=\"next\", <{base}?limit=2&min_id={s5}>; rel=\"prev\"").as_str())
    );
    let second = api::get(&app, &first.link_to("next").unwrap(), Some(&alice)).await;
    assert_eq!(second.ids(), [s3.clone(), s2.clone()]);
    let third = api::get(&app, &second.link_to("next").unwrap(), Some(&alice)).await;
    assert_eq!(third.ids(), [s1.clone()]);
    let past_the_end = api::get(&app, &third.link_to("next").unwrap(), Some(&alice)).await;
    assert_eq!(past_the_end.ids(), Vec::<String>::new());
    assert_eq!(past_the_end.link, None, "an empty page has no Link header");
    // Going back from the third page gives the page just newer than it.
    let back = api::get(&app, &third.link_to("prev").unwrap(), Some(&alice)).await;
    assert_eq!(back.ids(), [s3.clone(), s2.clone()]);

    // min_id: the page just after it; since_id: the newest items after it.
    let after = api::get(
        &app,
        &format!("/api/v1/timelines/home?min_id={s1}&limit=2"),
        Some(&alice),
    )
    .await;
    assert_eq!(after.ids(), [s3.clone(), s2.clone()]);
    let newest = api::get(
        &app,
        &format!("/api/v1/timelines/home?since_id={s1}&limit=2"),
        Some(&alice),
    )
    .await;
    assert_eq!(newest.ids(), [s5.clone(), s4.clone()]);
    let between = api::get(
        &app,
        &format!("/api/v1/timelines/home?since_id={s1}&max_id={s4}"),
        Some(&alice),
    )
    .await;
    assert_eq!(between.ids(), [s3, s2]);

    // Limits: at most 40; nonsense is a clear 400.
    for n in 6..=45 {
        api::status(&app, &alice, &format!("post {n}"), "public").await;
    }
    assert_eq!(
        api::get(&app, "/api/v1/timelines/home", Some(&alice))
            .await
            .ids()
            .len(),
        20
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/home?limit=1000", Some(&alice))
            .await
            .ids()
            .len(),
        40
    );
    let bad = api::get(
        &app,
        "/api/v1/timelines/home?max_id=yesterday",
        Some(&alice),
    )
    .await;
    assert_eq!(bad.status, 400);
    assert!(bad.body["error"].as_str().unwrap().contains("max_id"));
    assert_eq!(
        api::get(&app, "/api/v1/timelines/home", None).await.status,
        401
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn public_and_hashtag_timelines_show_public_posts_to_anyone() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let public = api::status(&app, &alice, "Fractions lesson #Maths", "public").await;
    api::status(&app, &alice, "Unlisted #maths", "unlisted").await;
    api::status(&app, &alice, "Followers only #maths", "private").await;
    api::status(&app, &alice, "@bob secret #maths", "direct").await;
    let thread = api::post(
        &app,
        "/api/v1/statuses",
        &alice,
        &[
            ("status", "and a second part"),
            ("in_reply_to_id", &id(&public)),
        ],
    )
    .await
    .body;
    let reply = api::post(
        &app,
        "/api/v1/statuses",
        &bob,
        &[
            ("status", "@alice thanks"),
            ("in_reply_to_id", &id(&public)),
        ],
    )
    .await
    .body;
    let boost = api::post(
        &app,
        &format!("/api/v1/statuses/{}/reblog", id(&public)),
        &bob,
        &[],
    )
    .await;
    assert_eq!(boost.status, 200);

    // No token needed; boosts and replies to others left out, self-replies kept.
    let anonymous = api::get(&app, "/api/v1/timelines/public", None).await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(
        anonymous.ids(),
        [id(&thread), id(&public)],
        "not the other posts, the boost, nor bob's reply {}",
        id(&reply)
    );
    assert!(anonymous.link_to("next").is_some());
    let signed_in = api::get(&app, "/api/v1/timelines/public?local=true", Some(&bob)).await;
    assert_eq!(signed_in.ids(), [id(&thread), id(&public)]);
    assert_eq!(
        signed_in.body[1]["reblogged"], true,
        "bob sees that he boosted it"
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/public?remote=true", None)
            .await
            .ids(),
        Vec::<String>::new()
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/public?only_media=true", None)
            .await
            .ids(),
        Vec::<String>::new()
    );

    let tagged = api::get(&app, "/api/v1/timelines/tag/maths", None).await;
    assert_eq!(tagged.ids(), [id(&public)]);
    assert_eq!(
        api::get(&app, "/api/v1/timelines/tag/MATHS?limit=5", Some(&bob))
            .await
            .ids(),
        [id(&public)]
    );
    let science = api::status(&app, &bob, "Volcano experiment #science #maths", "public").await;
    assert_eq!(
        api::get(&app, "/api/v1/timelines/tag/maths", None)
            .await
            .ids(),
        [id(&science), id(&public)]
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/tag/maths?none[]=science", None)
            .await
            .ids(),
        [id(&public)]
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/tag/maths?all[]=science", None)
            .await
            .ids(),
        [id(&science)]
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/tag/art?any[]=science", None)
            .await
            .ids(),
        [id(&science)]
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/tag/nothing", None)
            .await
            .ids(),
        Vec::<String>::new()
    );

    // Control for `remote=true` being empty: a public post from another server shows
    // there, and only there.
    let carol = common::remote::start("carol");
    let note_id = format!("{}/statuses/1", carol.id());
    let create = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{note_id}/activity"),
        "type": "Create",
        "actor": carol.id(),
        "object": {
            "id": note_id, "type": "Note", "attributedTo": carol.id(), "content": "<p>Greetings from another school</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "tag": [{ "type": "Mention", "href": format!("{}/users/bob", app.address) }]
        }
    });
    let res = carol
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
    let remote = api::get(&app, "/api/v1/timelines/public?remote=true", None).await;
    assert_eq!(remote.ids().len(), 1, "{}", remote.body);
    assert!(
        remote.body[0]["content"]
            .as_str()
            .unwrap()
            .contains("another school"),
        "{}",
        remote.body
    );
    assert_eq!(
        api::get(&app, "/api/v1/timelines/public?local=true", None)
            .await
            .ids(),
        [id(&science), id(&thread), id(&public)]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn account_statuses_respect_visibility_and_filters() {
    let app = TestApp::spawn().await;
    let bob_id = app.create_user("bob").await.account.id.to_string();
    app.create_user("alice").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let open = api::status(&app, &bob, "Open day #science", "public").await;
    let quiet = api::status(&app, &bob, "Quiet note", "unlisted").await;
    let followers_only = api::status(&app, &bob, "For my followers", "private").await;
    let own_thread = api::post(
        &app,
        "/api/v1/statuses",
        &bob,
        &[("status", "more"), ("in_reply_to_id", &id(&open))],
    )
    .await
    .body;
    let alices = api::status(&app, &alice, "Alice's post", "public").await;
    let reply = api::post(
        &app,
        "/api/v1/statuses",
        &bob,
        &[("status", "@alice yes"), ("in_reply_to_id", &id(&alices))],
    )
    .await
    .body;
    let boost = api::post(
        &app,
        &format!("/api/v1/statuses/{}/reblog", id(&alices)),
        &bob,
        &[],
    )
    .await
    .body;
    let path = format!("/api/v1/accounts/{bob_id}/statuses");

    let everyone = [
        id(&boost),
        id(&reply),
        id(&own_thread),
        id(&quiet),
        id(&open),
    ];
    assert_eq!(
        api::get(&app, &path, None).await.ids(),
        everyone,
        "strangers see public and unlisted posts"
    );
    assert_eq!(api::get(&app, &path, Some(&alice)).await.ids(), everyone);
    let mine = api::get(&app, &path, Some(&bob)).await.ids();
    assert!(
        mine.contains(&id(&followers_only)),
        "the author sees everything"
    );

    let follow = api::post(
        &app,
        &format!("/api/v1/accounts/{bob_id}/follow"),
        &alice,
        &[],
    )
    .await;
    assert_eq!(follow.body["following"], true);
    let as_follower = api::get(&app, &path, Some(&alice)).await.ids();
    assert!(
        as_follower.contains(&id(&followers_only)),
        "a follower sees followers-only posts"
    );
    assert_eq!(
        api::get(&app, &path, None).await.ids(),
        everyone,
        "strangers still do not see followers-only posts"
    );

    assert_eq!(
        api::get(
            &app,
            &format!("{path}?exclude_replies=true&exclude_reblogs=true"),
            None
        )
        .await
        .ids(),
        [id(&own_thread), id(&quiet), id(&open)],
        "replies to others and boosts left out; a thread of one's own stays"
    );
    assert_eq!(
        api::get(&app, &format!("{path}?tagged=science"), None)
            .await
            .ids(),
        [id(&open)]
    );
    assert_eq!(
        api::get(&app, &format!("{path}?pinned=true"), None)
            .await
            .ids(),
        Vec::<String>::new()
    );
    let paged = api::get(&app, &format!("{path}?limit=2"), None).await;
    assert_eq!(paged.ids(), [id(&boost), id(&reply)]);
    assert_eq!(
        api::get(&app, &paged.link_to("next").unwrap(), None)
            .await
            .ids(),
        [id(&own_thread), id(&quiet)]
    );
    assert_eq!(
        api::get(&app, "/api/v1/accounts/12345/statuses", None)
            .await
            .status,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn followers_and_following_page_by_follow() {
    let app = TestApp::spawn().await;
    let alice_id = app.create_user("alice").await.account.id.to_string();
    let mut ids = Vec::new();
    for name in ["bob", "carol", "dave"] {
        ids.push(app.create_user(name).await.account.id.to_string());
        let token = api::token(&app, name).await;
        assert_eq!(
            api::post(
                &app,
                &format!("/api/v1/accounts/{alice_id}/follow"),
                &token,
                &[]
            )
            .await
            .status,
            200
        );
    }
    let alice = api::token(&app, "alice").await;
    api::post(
        &app,
        &format!("/api/v1/accounts/{}/follow", ids[0]),
        &alice,
        &[],
    )
    .await;

    let all = api::get(
        &app,
        &format!("/api/v1/accounts/{alice_id}/followers"),
        None,
    )
    .await;
    assert_eq!(
        all.ids(),
        [ids[2].clone(), ids[1].clone(), ids[0].clone()],
        "newest follower first"
    );
    assert_eq!(all.body[0]["username"], "dave");
    assert_eq!(all.body[0]["following_count"], 1);
    assert!(all.link_to("next").is_none(), "a short page is the last");
    let page = api::get(
        &app,
        &format!("/api/v1/accounts/{alice_id}/followers?limit=2"),
        Some(&alice),
    )
    .await;
    assert_eq!(page.ids(), [ids[2].clone(), ids[1].clone()]);
    let next = page.link_to("next").expect("a full page links to the next");
    assert!(
        !next.contains(&ids[1]),
        "pages by the follow's id, not the account's: {next}"
    );
    assert_eq!(
        api::get(&app, &next, Some(&alice)).await.ids(),
        [ids[0].clone()]
    );
    let following = api::get(
        &app,
        &format!("/api/v1/accounts/{alice_id}/following"),
        Some(&alice),
    )
    .await;
    assert_eq!(following.ids(), [ids[0].clone()]);
    assert_eq!(following.body[0]["followers_count"], 1, "alice follows bob");
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/accounts/{}/followers", ids[0]),
            None
        )
        .await
        .ids(),
        [alice_id]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bookmarks_favourites_and_who_did_what() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    let bob_id = app.create_user("bob").await.account.id.to_string();
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    let first = api::status(&app, &bob, "Worksheet one", "public").await;
    let second = api::status(&app, &bob, "Worksheet two", "public").await;

    // Bookmarked second, then first: listed by when they were bookmarked.
    let marked = api::post(
        &app,
        &format!("/api/v1/statuses/{}/bookmark", id(&second)),
        &alice,
        &[],
    )
    .await;
    assert_eq!(
        (marked.status, marked.body["bookmarked"].clone()),
        (200, Value::Bool(true))
    );
    api::post(
        &app,
        &format!("/api/v1/statuses/{}/bookmark", id(&first)),
        &alice,
        &[],
    )
    .await;
    api::post(
        &app,
        &format!("/api/v1/statuses/{}/bookmark", id(&first)),
        &alice,
        &[],
    )
    .await;
    let list = api::get(&app, "/api/v1/bookmarks", Some(&alice)).await;
    assert_eq!(list.ids(), [id(&first), id(&second)]);
    let page = api::get(&app, "/api/v1/bookmarks?limit=1", Some(&alice)).await;
    let next = page.link_to("next").unwrap();
    assert!(
        !next.contains(&id(&first)),
        "bookmarks page by the bookmark's id: {next}"
    );
    assert_eq!(
        api::get(&app, &next, Some(&alice)).await.ids(),
        [id(&second)]
    );
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/statuses/{}", id(&first)),
            Some(&alice)
        )
        .await
        .body["bookmarked"],
        true
    );
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/statuses/{}", id(&first)),
            Some(&bob)
        )
        .await
        .body["bookmarked"],
        false,
        "bookmarks are private"
    );
    assert_eq!(
        api::get(&app, "/api/v1/bookmarks", Some(&bob)).await.ids(),
        Vec::<String>::new()
    );
    let unmarked = api::post(
        &app,
        &format!("/api/v1/statuses/{}/unbookmark", id(&first)),
        &alice,
        &[],
    )
    .await;
    assert_eq!(unmarked.body["bookmarked"], false);
    assert_eq!(
        api::get(&app, "/api/v1/bookmarks", Some(&alice))
            .await
            .ids(),
        [id(&second)]
    );
    assert_eq!(
        api::post(&app, "/api/v1/statuses/999/bookmark", &alice, &[])
            .await
            .status,
        404
    );

    // Favourites, and who favourited and boosted.
    api::post(
        &app,
        &format!("/api/v1/statuses/{}/favourite", id(&first)),
        &alice,
        &[],
    )
    .await;
    api::post(
        &app,
        &format!("/api/v1/statuses/{}/favourite", id(&second)),
        &alice,
        &[],
    )
    .await;
    assert_eq!(
        api::get(&app, "/api/v1/favourites", Some(&alice))
            .await
            .ids(),
        [id(&second), id(&first)]
    );
    let fav_page = api::get(&app, "/api/v1/favourites?limit=1", Some(&alice)).await;
    assert_eq!(
        api::get(&app, &fav_page.link_to("next").unwrap(), Some(&alice))
            .await
            .ids(),
        [id(&first)]
    );
    let alice_id = api::get(&app, "/api/v1/accounts/verify_credentials", Some(&alice))
        .await
        .body["id"]
        .clone();
    let by = api::get(
        &app,
        &format!("/api/v1/statuses/{}/favourited_by", id(&first)),
        Some(&bob),
    )
    .await;
    assert_eq!(by.status, 200);
    assert_eq!(
        by.body
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].clone())
            .collect::<Vec<_>>(),
        [alice_id.clone()]
    );
    api::post(
        &app,
        &format!("/api/v1/statuses/{}/reblog", id(&first)),
        &alice,
        &[],
    )
    .await;
    let boosted = api::get(
        &app,
        &format!("/api/v1/statuses/{}/reblogged_by", id(&first)),
        Some(&bob),
    )
    .await;
    assert_eq!(boosted.body[0]["id"], alice_id);
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/statuses/{}/reblogged_by", id(&second)),
            Some(&bob)
        )
        .await
        .ids(),
        Vec::<String>::new()
    );
    let private = api::status(&app, &bob, "followers only", "private").await;
    assert_eq!(
        api::get(
            &app,
            &format!("/api/v1/statuses/{}/favourited_by", id(&private)),
            Some(&alice)
        )
        .await
        .status,
        404
    );
    let _ = bob_id;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_idempotency_key_posts_once() {
    let app = TestApp::spawn().await;
    app.create_user("alice").await;
    app.create_user("bob").await;
    let alice = api::token(&app, "alice").await;
    let bob = api::token(&app, "bob").await;
    // A follower elsewhere, so that every post of alice's is delivered.
    let carol = common::remote::start("carol");
    let follow = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}#follows/1", carol.id()),
        "type": "Follow",
        "actor": carol.id(),
        "object": format!("{}/users/alice", app.address),
    })
    .to_string();
    let res = carol
        .signed_post(
            &app.client,
            &format!("{}/users/alice/inbox", app.address),
            &follow,
            chrono::Utc::now(),
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let send = |token: String, key: &'static str| {
        let app_client = app.client.clone();
        let url = format!("{}/api/v1/statuses", app.address);
        async move {
            let req = app_client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key);
            let res = req
                .form(&[("status", "Parents' evening at six")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    // Two at once, as a retrying app may send them.
    let (a, b) = tokio::join!(send(alice.clone(), "k-1"), send(alice.clone(), "k-1"));
    assert_eq!(id(&a), id(&b));
    let again = send(alice.clone(), "k-1").await;
    assert_eq!(id(&again), id(&a));
    let other_key = send(alice.clone(), "k-2").await;
    assert_ne!(id(&other_key), id(&a));
    let other_user = send(bob.clone(), "k-1").await;
    assert_ne!(id(&other_user), id(&a));
    let home = api::get(&app, "/api/v1/timelines/home", Some(&alice)).await;
    assert_eq!(home.ids(), [id(&other_key), id(&a)], "one post per key");
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    use diesel_async::RunQueryDsl;
    let mut conn = app.pool.get().await.unwrap();
    let creates: N = diesel::sql_query(
        "SELECT count(*) AS n FROM outgoing_activities
         WHERE body LIKE '%\"Create\"%Parents%' AND account_id = (SELECT id FROM accounts WHERE username = 'alice')",
    )
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        creates.n, 2,
        "one Create delivered per post, none for the repeats"
    );
}
