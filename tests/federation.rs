//! Two real Staffroom instances (separate databases, separate ports, real HTTP and
//! real signatures between them) following and talking to each other.

mod common;

use common::{eventually, queue_drained, TestApp};
use staffroom::{
    db::{
        accounts::Account,
        follows::Follow,
        statuses::{Status, Visibility},
    },
    federation::fetch,
    services::{
        follows,
        statuses::{self, NewPost, PostEdit},
    },
};
use std::time::Duration;

/// Long enough for a delivery between two servers on a busy machine.
const WAIT: Duration = Duration::from_secs(20);

fn post(text: &str) -> NewPost {
    NewPost {
        text: text.into(),
        visibility: Visibility::Public,
        in_reply_to: None,
        spoiler_text: String::new(),
        sensitive: false,
        language: Some("en".into()),
    }
}

/// The copy of a remote post stored on `app`, found by its ActivityPub id.
async fn stored(app: &TestApp, uri: &str) -> Option<Status> {
    let mut conn = app.pool.get().await.unwrap();
    Status::find_by_uri(&mut conn, uri).await.unwrap()
}

async fn follow_row(app: &TestApp, follower: &Account, target: &Account) -> Option<Follow> {
    let mut conn = app.pool.get().await.unwrap();
    Follow::find(&mut conn, follower.id, target.id)
        .await
        .unwrap()
}

struct Pair {
    a: TestApp,
    b: TestApp,
    alice: Account,
    bob: Account,
    /// bob as known on A, alice as known on B.
    bob_on_a: Account,
}

async fn pair() -> Pair {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let alice = a.create_user("alice").await.account;
    let bob = b.create_user("bob").await.account;
    let bob_on_a = fetch::webfinger(&a.ctx, "bob", &b.domain)
        .await
        .expect("A finds bob through WebFinger");
    Pair {
        a,
        b,
        alice,
        bob,
        bob_on_a,
    }
}

fn uri_on(app: &TestApp, status: &Status, author: &Account) -> String {
    app.ctx.urls.status(&author.username, status.id)
}

#[tokio::test(flavor = "multi_thread")]
async fn follow_post_reply_like_boost_edit_delete_across_instances() {
    let Pair {
        a,
        b,
        alice,
        bob,
        bob_on_a,
    } = pair().await;
    assert_eq!(
        bob_on_a.uri.as_deref(),
        Some(format!("{}/users/bob", b.address).as_str())
    );

    // alice follows bob; bob's server accepts at once; both sides agree.
    follows::follow(&a.ctx, &alice, &bob_on_a).await.unwrap();
    eventually(WAIT, "bob's server accepted", || async {
        follow_row(&a, &alice, &bob_on_a)
            .await
            .is_some_and(|f| f.accepted)
    })
    .await;
    let alice_on_b = {
        let mut conn = b.pool.get().await.unwrap();
        Account::find_by_uri(&mut conn, &format!("{}/users/alice", a.address))
            .await
            .unwrap()
            .expect("B knows alice")
    };
    assert!(follow_row(&b, &alice_on_b, &bob).await.unwrap().accepted);

    // bob posts; it reaches alice's server with its content, hashtags and language.
    let original = statuses::post(
        &b.ctx,
        &bob,
        post("Ideas for teaching fractions? #maths #edchat"),
    )
    .await
    .unwrap();
    let original_uri = uri_on(&b, &original, &bob);
    eventually(WAIT, "bob's post arrived at A", || async {
        stored(&a, &original_uri).await.is_some()
    })
    .await;
    let copy = stored(&a, &original_uri).await.unwrap();
    assert!(
        copy.content.contains("Ideas for teaching fractions?"),
        "{}",
        copy.content
    );
    assert!(copy.content.contains("class=\"mention hashtag\""));
    assert_eq!(copy.visibility(), Visibility::Public);
    assert_eq!(copy.language.as_deref(), Some("en"));
    {
        let mut conn = a.pool.get().await.unwrap();
        assert_eq!(
            Status::tags(&mut conn, copy.id).await.unwrap(),
            vec!["edchat".to_string(), "maths".to_string()]
        );
    }

    // alice replies; the reply threads under bob's post on bob's server.
    let reply = statuses::post(
        &a.ctx,
        &alice,
        NewPost {
            in_reply_to: Some(copy.id),
            ..post("Pizza slices work every time!")
        },
    )
    .await
    .unwrap();
    let reply_uri = uri_on(&a, &reply, &alice);
    eventually(WAIT, "alice's reply arrived at B", || async {
        stored(&b, &reply_uri).await.is_some()
    })
    .await;
    let reply_on_b = stored(&b, &reply_uri).await.unwrap();
    assert_eq!(
        reply_on_b.in_reply_to_id,
        Some(original.id),
        "the reply threads under the original"
    );
    {
        let mut conn = b.pool.get().await.unwrap();
        let mentioned = Status::mentioned_accounts(&mut conn, reply_on_b.id)
            .await
            .unwrap();
        assert!(
            mentioned.iter().any(|m| m.id == bob.id),
            "the replied-to author is mentioned"
        );
    }

    // alice likes and boosts bob's post.
    statuses::favourite(&a.ctx, &alice, copy.id).await.unwrap();
    statuses::reblog(&a.ctx, &alice, copy.id).await.unwrap();
    eventually(WAIT, "the like and the boost arrived at B", || async {
        let mut conn = b.pool.get().await.unwrap();
        Status::count_favourites(&mut conn, original.id)
            .await
            .unwrap()
            == 1
            && Status::count_reblogs(&mut conn, original.id).await.unwrap() == 1
    })
    .await;
    // ... and takes both back.
    statuses::unfavourite(&a.ctx, &alice, copy.id)
        .await
        .unwrap();
    statuses::unreblog(&a.ctx, &alice, copy.id).await.unwrap();
    eventually(WAIT, "the like and the boost were undone at B", || async {
        let mut conn = b.pool.get().await.unwrap();
        Status::count_favourites(&mut conn, original.id)
            .await
            .unwrap()
            == 0
            && Status::count_reblogs(&mut conn, original.id).await.unwrap() == 0
    })
    .await;

    // bob edits; alice's copy changes.
    statuses::edit(
        &b.ctx,
        &bob,
        original.id,
        PostEdit {
            text: "Ideas for teaching fractions and decimals?".into(),
            media: None,
            spoiler_text: String::new(),
            sensitive: false,
            language: None,
        },
    )
    .await
    .unwrap();
    eventually(WAIT, "the edit arrived at A", || async {
        stored(&a, &original_uri)
            .await
            .is_some_and(|s| s.content.contains("and decimals") && s.edited_at.is_some())
    })
    .await;

    // bob deletes; alice's copy goes, and the post's URL answers 410.
    statuses::delete(&b.ctx, &bob, original.id).await.unwrap();
    eventually(WAIT, "the delete arrived at A", || async {
        stored(&a, &original_uri).await.is_none()
    })
    .await;
    let gone = b
        .get(
            &format!("/users/bob/statuses/{}", original.id),
            Some("application/activity+json"),
        )
        .await;
    assert_eq!(gone.status(), 410);
    let tombstone: serde_json::Value = gone.json().await.unwrap();
    assert_eq!(tombstone["type"], "Tombstone");

    // alice unfollows; bob's server forgets the follow.
    follows::unfollow(&a.ctx, &alice, &bob_on_a).await.unwrap();
    eventually(WAIT, "the unfollow arrived at B", || async {
        follow_row(&b, &alice_on_b, &bob).await.is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_account_approves_followers() {
    let Pair {
        a,
        b,
        alice,
        bob,
        bob_on_a,
    } = pair().await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = b.pool.get().await.unwrap();
        diesel::sql_query(format!(
            "UPDATE accounts SET locked = true WHERE id = {}",
            bob.id
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let bob = {
        let mut conn = b.pool.get().await.unwrap();
        Account::find(&mut conn, bob.id).await.unwrap().unwrap()
    };
    // The actor document says so, and A reads it.
    let bob_on_a = fetch::fetch_actor(&a.ctx, bob_on_a.uri.as_deref().unwrap())
        .await
        .unwrap();
    assert!(bob_on_a.form.locked);
    let bob_on_a = fetch::store_actor(&a.ctx, &bob_on_a).await.unwrap();

    follows::follow(&a.ctx, &alice, &bob_on_a).await.unwrap();
    let alice_uri = format!("{}/users/alice", a.address);
    let find_alice = || async {
        let mut conn = b.pool.get().await.unwrap();
        Account::find_by_uri(&mut conn, &alice_uri).await.unwrap()
    };
    eventually(WAIT, "the request arrived at B", || async {
        find_alice().await.is_some()
    })
    .await;
    let alice_on_b = find_alice().await.unwrap();
    eventually(WAIT, "the request is stored", || async {
        follow_row(&b, &alice_on_b, &bob).await.is_some()
    })
    .await;
    let pending = follow_row(&b, &alice_on_b, &bob).await.unwrap();
    assert!(!pending.accepted, "a locked account's follower waits");
    // Control: bob mentions alice after her request arrived. Once that mention is at A
    // and B's queue is empty, an Accept B sent on its own would be there too.
    let hello = statuses::post(
        &b.ctx,
        &bob,
        post(&format!(
            "Hello @alice@{}, I will look at your request",
            a.domain
        )),
    )
    .await
    .unwrap();
    let hello_uri = uri_on(&b, &hello, &bob);
    eventually(WAIT, "bob's mention arrived at A", || async {
        stored(&a, &hello_uri).await.is_some()
    })
    .await;
    queue_drained(&b.db.url).await;
    assert!(
        !follow_row(&a, &alice, &bob_on_a).await.unwrap().accepted,
        "and knows it is waiting"
    );

    follows::authorize(&b.ctx, &bob, &alice_on_b).await.unwrap();
    eventually(WAIT, "the approval arrived at A", || async {
        follow_row(&a, &alice, &bob_on_a)
            .await
            .is_some_and(|f| f.accepted)
    })
    .await;

    // Followers-only posts now reach alice, and only with the right addressing.
    let secret = statuses::post(
        &b.ctx,
        &bob,
        NewPost {
            visibility: Visibility::Private,
            ..post("For my followers")
        },
    )
    .await
    .unwrap();
    let uri = uri_on(&b, &secret, &bob);
    eventually(WAIT, "the followers-only post arrived", || async {
        stored(&a, &uri).await.is_some()
    })
    .await;
    assert_eq!(
        stored(&a, &uri).await.unwrap().visibility(),
        Visibility::Private
    );
    // An unsigned fetch cannot see it.
    let res = b
        .get(
            &format!("/users/bob/statuses/{}", secret.id),
            Some("application/activity+json"),
        )
        .await;
    assert_eq!(res.status(), 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_request_and_a_mention_from_a_stranger() {
    let Pair {
        a,
        b,
        alice,
        bob,
        bob_on_a,
    } = pair().await;
    {
        use diesel_async::RunQueryDsl;
        let mut conn = b.pool.get().await.unwrap();
        diesel::sql_query(format!(
            "UPDATE accounts SET locked = true WHERE id = {}",
            bob.id
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    follows::follow(&a.ctx, &alice, &bob_on_a).await.unwrap();
    let alice_uri = format!("{}/users/alice", a.address);
    let find_alice = || async {
        let mut conn = b.pool.get().await.unwrap();
        Account::find_by_uri(&mut conn, &alice_uri).await.unwrap()
    };
    eventually(WAIT, "the request arrived", || async {
        find_alice().await.is_some()
    })
    .await;
    let alice_on_b = find_alice().await.unwrap();
    eventually(WAIT, "the request is stored", || async {
        follow_row(&b, &alice_on_b, &bob).await.is_some()
    })
    .await;
    follows::reject(&b.ctx, &bob, &alice_on_b).await.unwrap();
    eventually(WAIT, "the rejection arrived at A", || async {
        follow_row(&a, &alice, &bob_on_a).await.is_none()
    })
    .await;

    // alice does not follow bob, but mentions him: the post matters to him and is stored on B.
    let hello = statuses::post(
        &a.ctx,
        &alice,
        post(&format!(
            "Hello @bob@{} — shall we swap lesson plans?",
            b.domain
        )),
    )
    .await
    .unwrap();
    assert!(
        hello.content.contains("class=\"u-url mention\""),
        "{}",
        hello.content
    );
    let uri = uri_on(&a, &hello, &alice);
    eventually(WAIT, "the mention arrived at B", || async {
        stored(&b, &uri).await.is_some()
    })
    .await;
    let on_b = stored(&b, &uri).await.unwrap();
    let mut conn = b.pool.get().await.unwrap();
    assert!(Status::mentioned_accounts(&mut conn, on_b.id)
        .await
        .unwrap()
        .iter()
        .any(|m| m.id == bob.id));

    // A post by a stranger that concerns nobody on B is not stored there. Control: her
    // next post, which mentions bob, does arrive; by then A has sent all it had for B.
    let carol = a.create_user("carol").await.account;
    let unrelated = statuses::post(&a.ctx, &carol, post("Nothing to do with bob"))
        .await
        .unwrap();
    let related = statuses::post(
        &a.ctx,
        &carol,
        post(&format!("@bob@{} this one is for you", b.domain)),
    )
    .await
    .unwrap();
    let related_uri = uri_on(&a, &related, &carol);
    eventually(WAIT, "carol's mention of bob arrived at B", || async {
        stored(&b, &related_uri).await.is_some()
    })
    .await;
    queue_drained(&a.db.url).await;
    assert!(stored(&b, &uri_on(&a, &unrelated, &carol)).await.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_boost_of_a_post_we_lack_fetches_it_from_its_origin() {
    let Pair {
        a,
        b,
        alice,
        bob,
        bob_on_a,
    } = pair().await;
    let c = TestApp::spawn().await;
    let carol = c.create_user("carol").await.account;
    // alice follows bob; bob follows carol.
    follows::follow(&a.ctx, &alice, &bob_on_a).await.unwrap();
    let carol_on_b = fetch::webfinger(&b.ctx, "carol", &c.domain).await.unwrap();
    follows::follow(&b.ctx, &bob, &carol_on_b).await.unwrap();
    eventually(WAIT, "both follows accepted", || async {
        follow_row(&a, &alice, &bob_on_a)
            .await
            .is_some_and(|f| f.accepted)
            && follow_row(&b, &bob, &carol_on_b)
                .await
                .is_some_and(|f| f.accepted)
    })
    .await;

    // carol posts; bob's server has it, alice's does not (nobody there follows carol).
    // Control: carol's next post mentions alice and does reach A; by then C has sent
    // all it had for A.
    let worksheet = statuses::post(&c.ctx, &carol, post("Free worksheets on photosynthesis"))
        .await
        .unwrap();
    let uri = uri_on(&c, &worksheet, &carol);
    eventually(WAIT, "carol's post reached bob's server", || async {
        stored(&b, &uri).await.is_some()
    })
    .await;
    let hello = statuses::post(
        &c.ctx,
        &carol,
        NewPost {
            visibility: Visibility::Direct,
            ..post(&format!("@alice@{} hello!", a.domain))
        },
    )
    .await
    .unwrap();
    let hello_uri = uri_on(&c, &hello, &carol);
    eventually(WAIT, "carol's mention of alice reached A", || async {
        stored(&a, &hello_uri).await.is_some()
    })
    .await;
    queue_drained(&c.db.url).await;
    assert!(
        stored(&a, &uri).await.is_none(),
        "A lacks the post before the boost"
    );

    // bob boosts it: alice's server fetches the post from carol's server and shows the boost.
    let on_b = stored(&b, &uri).await.unwrap();
    statuses::reblog(&b.ctx, &bob, on_b.id).await.unwrap();
    eventually(
        WAIT,
        "the boosted post was fetched by alice's server",
        || async { stored(&a, &uri).await.is_some() },
    )
    .await;
    let original = stored(&a, &uri).await.unwrap();
    assert!(original
        .content
        .contains("Free worksheets on photosynthesis"));
    // The boost is stored just after the post it boosts.
    eventually(WAIT, "bob's boost is stored beside it", || async {
        let mut conn = a.pool.get().await.unwrap();
        Status::count_reblogs(&mut conn, original.id).await.unwrap() == 1
    })
    .await;
    let mut conn = a.pool.get().await.unwrap();
    let author = Account::find(&mut conn, original.account_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        author.uri.as_deref(),
        Some(format!("{}/users/carol", c.address).as_str()),
        "attributed to carol, not bob"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_actor_that_deletes_itself_disappears_with_its_posts() {
    let Pair {
        a,
        b,
        alice,
        bob,
        bob_on_a,
    } = pair().await;
    follows::follow(&a.ctx, &alice, &bob_on_a).await.unwrap();
    eventually(WAIT, "accepted", || async {
        follow_row(&a, &alice, &bob_on_a)
            .await
            .is_some_and(|f| f.accepted)
    })
    .await;
    let p = statuses::post(&b.ctx, &bob, post("Goodbye soon"))
        .await
        .unwrap();
    let uri = uri_on(&b, &p, &bob);
    eventually(WAIT, "the post arrived", || async {
        stored(&a, &uri).await.is_some()
    })
    .await;
    let own = statuses::post(&a.ctx, &alice, post("Not going anywhere"))
        .await
        .unwrap();

    // bob's server announces his account is deleted (as Mastodon does), signed with his key.
    let delete = serde_json::json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{}/users/bob#delete", b.address),
        "type": "Delete",
        "actor": format!("{}/users/bob", b.address),
        "object": format!("{}/users/bob", b.address),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    {
        let mut conn = b.pool.get().await.unwrap();
        staffroom::federation::delivery::enqueue(
            &mut conn,
            &b.ctx.urls,
            &bob,
            delete["id"].as_str().unwrap(),
            &delete,
            [format!("{}/inbox", a.address)],
        )
        .await
        .unwrap();
    }
    b.ctx.deliveries_queued();
    let bob_uri = bob_on_a.uri.clone().unwrap();
    eventually(WAIT, "bob is gone from alice's server", || async {
        let mut conn = a.pool.get().await.unwrap();
        Account::find_by_uri(&mut conn, &bob_uri)
            .await
            .unwrap()
            .is_none()
    })
    .await;
    assert!(stored(&a, &uri).await.is_none(), "his posts went with him");
    assert!(follow_row(&a, &alice, &bob_on_a).await.is_none());
    let mut conn = a.pool.get().await.unwrap();
    assert!(
        Status::find(&mut conn, own.id).await.unwrap().is_some(),
        "what is not his stays"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_brings_its_missing_ancestors_along() {
    let Pair {
        a,
        b,
        alice,
        bob,
        bob_on_a,
    } = pair().await;
    let c = TestApp::spawn().await;
    let carol = c.create_user("carol").await.account;
    follows::follow(&a.ctx, &alice, &bob_on_a).await.unwrap();
    let carol_on_b = fetch::webfinger(&b.ctx, "carol", &c.domain).await.unwrap();
    follows::follow(&b.ctx, &bob, &carol_on_b).await.unwrap();
    eventually(WAIT, "both follows accepted", || async {
        follow_row(&a, &alice, &bob_on_a)
            .await
            .is_some_and(|f| f.accepted)
            && follow_row(&b, &bob, &carol_on_b)
                .await
                .is_some_and(|f| f.accepted)
    })
    .await;
    // A thread on carol's server: a question and her own follow-up.
    let question = statuses::post(
        &c.ctx,
        &carol,
        post("What is your favourite starter activity?"),
    )
    .await
    .unwrap();
    let follow_up = statuses::post(
        &c.ctx,
        &carol,
        NewPost {
            in_reply_to: Some(question.id),
            ..post("Mine is a quick quiz.")
        },
    )
    .await
    .unwrap();
    let follow_up_uri = uri_on(&c, &follow_up, &carol);
    eventually(WAIT, "carol's thread reached bob", || async {
        stored(&b, &follow_up_uri).await.is_some()
    })
    .await;
    // bob answers the follow-up; alice's server gets the answer and fetches the thread above it.
    let on_b = stored(&b, &follow_up_uri).await.unwrap();
    let answer = statuses::post(
        &b.ctx,
        &bob,
        NewPost {
            in_reply_to: Some(on_b.id),
            ..post("Think-pair-share!")
        },
    )
    .await
    .unwrap();
    let answer_uri = uri_on(&b, &answer, &bob);
    eventually(WAIT, "bob's answer reached alice", || async {
        stored(&a, &answer_uri).await.is_some()
    })
    .await;
    let answer_on_a = stored(&a, &answer_uri).await.unwrap();
    let follow_up_on_a = stored(&a, &follow_up_uri)
        .await
        .expect("the parent was fetched");
    let question_on_a = stored(&a, &uri_on(&c, &question, &carol))
        .await
        .expect("the grandparent was fetched");
    assert_eq!(answer_on_a.in_reply_to_id, Some(follow_up_on_a.id));
    assert_eq!(follow_up_on_a.in_reply_to_id, Some(question_on_a.id));
    assert!(question_on_a.content.contains("favourite starter activity"));
}
