//! Group commit of incoming posts: a batch stores each new post once, and a repeat
//! of an activity or of a post (in the same batch or later) changes nothing.

mod common;

use staffroom::db::{
    statuses::{Received, ReceivedPost, Status, StatusInsertForm},
    AccountId, StatusId,
};

fn received(activity: &str, uri: &str, author: AccountId, tags: &[&str]) -> ReceivedPost {
    ReceivedPost {
        media: Vec::new(),
        poll: None,
        activity_uri: Some(activity.into()),
        form: StatusInsertForm {
            id: StatusId::generate(),
            account_id: author,
            uri: Some(uri.into()),
            url: None,
            content: "<p>hi</p>".into(),
            spoiler_text: String::new(),
            sensitive: false,
            visibility: 0,
            language: Some("en".into()),
            in_reply_to_id: None,
            in_reply_to_uri: None,
            in_reply_to_account_id: None,
            reblog_of_id: None,
            local: false,
            text: None,
            object_type: "Note".into(),
            title: None,
            created_at: chrono::Utc::now(),
        },
        mentions: vec![],
        tags: tags.iter().map(|t| t.to_string()).collect(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_stores_each_post_once() {
    let app = common::TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let mut conn = app.pool.get().await.unwrap();
    let batch = vec![
        received(
            "https://r.example/a/1",
            "https://r.example/p/1",
            alice.id,
            &["maths", "edchat"],
        ),
        // The same activity again (another inbox), and another activity with the same post.
        received(
            "https://r.example/a/1",
            "https://r.example/p/1",
            alice.id,
            &[],
        ),
        received(
            "https://r.example/a/2",
            "https://r.example/p/1",
            alice.id,
            &[],
        ),
        received(
            "https://r.example/a/3",
            "https://r.example/p/3",
            alice.id,
            &[],
        ),
    ];
    let stored = Status::store_received(&mut conn, &batch).await.unwrap();
    assert_eq!(
        stored.iter().map(|r| r.is_new()).collect::<Vec<_>>(),
        vec![true, false, false, true]
    );
    assert_eq!(stored[1], Received::Repeat, "the same activity again");
    assert_eq!(
        stored[2],
        Received::Known(batch[0].form.id),
        "the same post in another activity"
    );
    let post = Status::find_by_uri(&mut conn, "https://r.example/p/1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        Status::tags(&mut conn, post.id).await.unwrap(),
        vec!["edchat".to_string(), "maths".to_string()]
    );
    // Later repeats change nothing either.
    let again = Status::store_received(&mut conn, &batch[..1])
        .await
        .unwrap();
    assert_eq!(again, vec![Received::Repeat]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_post_does_not_sink_its_batch() {
    let app = common::TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    // The second post's author does not exist: the batch statement fails, and the
    // writer stores the others one by one.
    let good = received(
        "https://r.example/a/10",
        "https://r.example/p/10",
        alice.id,
        &[],
    );
    let bad = received(
        "https://r.example/a/11",
        "https://r.example/p/11",
        AccountId(42),
        &[],
    );
    let (a, b) = tokio::join!(app.ctx.posts.store(good), app.ctx.posts.store(bad));
    assert!(a.unwrap().is_new());
    assert!(b.is_err());
    let mut conn = app.pool.get().await.unwrap();
    assert!(Status::find_by_uri(&mut conn, "https://r.example/p/10")
        .await
        .unwrap()
        .is_some());
    assert!(Status::find_by_uri(&mut conn, "https://r.example/p/11")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn fetched_posts_take_the_same_path_and_find_their_parents() {
    let app = common::TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let mut conn = app.pool.get().await.unwrap();
    // A fetched post (no activity) that replies to one we have, named by its uri.
    let parent = received(
        "https://r.example/a/20",
        "https://r.example/p/20",
        alice.id,
        &[],
    );
    let mut fetched = received("unused", "https://r.example/p/21", alice.id, &[]);
    fetched.activity_uri = None;
    fetched.form.in_reply_to_uri = Some("https://r.example/p/20".into());
    let stored = Status::store_received(&mut conn, &[parent.clone(), fetched.clone()])
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![
            Received::New(parent.form.id),
            Received::New(fetched.form.id)
        ]
    );
    let reply = Status::find(&mut conn, fetched.form.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        reply.in_reply_to_id,
        Some(parent.form.id),
        "the parent is found by its uri"
    );
    assert_eq!(reply.in_reply_to_account_id, Some(alice.id));
    // Fetched again, it is known: its stored id comes back.
    let mut again = fetched.clone();
    again.form.id = StatusId::generate();
    assert_eq!(
        Status::store_received(&mut conn, &[again]).await.unwrap(),
        vec![Received::Known(fetched.form.id)]
    );
}
