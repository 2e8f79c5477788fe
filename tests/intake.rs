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

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Rows of `table` for status `id` (and `account`, for home rows).
async fn rows(
    conn: &mut diesel_async::AsyncPgConnection,
    sql: &str,
    id: StatusId,
    account: AccountId,
) -> i64 {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::BigInt, _>(id.0)
        .bind::<diesel::sql_types::BigInt, _>(account.0)
        .get_result::<Count>(conn)
        .await
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread")]
async fn replies_find_parents_in_either_order_and_followers_get_home_rows() {
    use diesel_async::RunQueryDsl;
    let app = common::TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let bob = app.create_user("bob").await.account;
    let carol = app.create_user("carol").await.account;
    let mut conn = app.pool.get().await.unwrap();
    // bob follows alice and asked to be told of her posts; carol follows nobody.
    diesel::sql_query("INSERT INTO follows (id, account_id, target_account_id, accepted, notify) VALUES (1, $1, $2, true, true)")
        .bind::<diesel::sql_types::BigInt, _>(bob.id.0)
        .bind::<diesel::sql_types::BigInt, _>(alice.id.0)
        .execute(&mut conn)
        .await
        .unwrap();
    // An early reply, stored before the batch that brings its parent.
    let mut early = received(
        "https://r.example/a/30",
        "https://r.example/p/30",
        carol.id,
        &[],
    );
    early.form.in_reply_to_uri = Some("https://r.example/p/32".into());
    Status::store_received(&mut conn, std::slice::from_ref(&early))
        .await
        .unwrap();
    // In one batch: alice's self-reply before its parent, then the parent.
    let mut reply = received(
        "https://r.example/a/31",
        "https://r.example/p/31",
        alice.id,
        &[],
    );
    reply.form.in_reply_to_uri = Some("https://r.example/p/32".into());
    let parent = received(
        "https://r.example/a/32",
        "https://r.example/p/32",
        alice.id,
        &["edchat"],
    );
    let stored = Status::store_received(&mut conn, &[reply.clone(), parent.clone()])
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![Received::New(reply.form.id), Received::New(parent.form.id)]
    );
    for (post, what) in [
        (&reply, "a reply earlier in the batch"),
        (&early, "a reply stored before"),
    ] {
        let found = Status::find(&mut conn, post.form.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.in_reply_to_id, Some(parent.form.id), "{what}");
        assert_eq!(found.in_reply_to_account_id, Some(alice.id), "{what}");
    }
    let home = "SELECT count(*) AS n FROM home_feed WHERE status_id = $1 AND account_id = $2";
    let told = "SELECT count(*) AS n FROM notifications WHERE status_id = $1 AND account_id = $2 AND type = 'status'";
    // bob, who follows alice, has both of her posts at home and was told of both
    // (a reply to herself counts); carol, who does not, has neither.
    for post in [&reply, &parent] {
        assert_eq!(rows(&mut conn, home, post.form.id, bob.id).await, 1);
        assert_eq!(rows(&mut conn, told, post.form.id, bob.id).await, 1);
        assert_eq!(rows(&mut conn, home, post.form.id, carol.id).await, 0);
    }
    // carol's early reply reaches no home of bob's: he does not follow her.
    assert_eq!(rows(&mut conn, home, early.form.id, bob.id).await, 0);
}

/// What a post names — its author, the post and account it answers, the post it
/// boosts — is checked per statement, not by foreign keys (migration
/// `2026-12-06-120000_statuses_references_per_batch`); it must hold as the keys did.
#[tokio::test(flavor = "multi_thread")]
async fn what_a_post_names_stays_whole() {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    use staffroom::db::accounts::Account;
    let app = common::TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let bob = app.create_user("bob").await.account;
    let carol = app.create_user("carol").await.account;
    let mut conn = app.pool.get().await.unwrap();
    let sql = |q: &'static str| diesel::sql_query(q);

    // alice posts twice; bob answers both; carol boosts both.
    let first = received(
        "https://r.example/a/40",
        "https://r.example/p/40",
        alice.id,
        &[],
    );
    let second = received(
        "https://r.example/a/41",
        "https://r.example/p/41",
        alice.id,
        &[],
    );
    Status::store_received(&mut conn, &[first.clone(), second.clone()])
        .await
        .unwrap();
    let mut replies = Vec::new();
    for (n, parent) in [(42, &first), (43, &second)] {
        let mut reply = received(
            &format!("https://r.example/a/{n}"),
            &format!("https://r.example/p/{n}"),
            bob.id,
            &[],
        );
        reply.form.in_reply_to_id = Some(parent.form.id);
        reply.form.in_reply_to_account_id = Some(alice.id);
        Status::store_received(&mut conn, std::slice::from_ref(&reply))
            .await
            .unwrap();
        replies.push(reply.form.id);
    }
    let boost = "INSERT INTO statuses (id, account_id, content, visibility, local, created_at, reblog_of_id)
                 VALUES ($1, $2, '', 0, false, now(), $3)";
    let boosts = [StatusId::generate(), StatusId::generate()];
    for (id, of) in boosts.iter().zip([&first, &second]) {
        sql(boost)
            .bind::<diesel::sql_types::BigInt, _>(id.0)
            .bind::<diesel::sql_types::BigInt, _>(carol.id.0)
            .bind::<diesel::sql_types::BigInt, _>(of.form.id.0)
            .execute(&mut conn)
            .await
            .unwrap();
    }

    // Naming what does not exist fails as a foreign key's check did.
    let missing = StatusId::generate();
    for (what, result) in [
        (
            "a boost of a post that does not exist",
            sql(boost)
                .bind::<diesel::sql_types::BigInt, _>(StatusId::generate().0)
                .bind::<diesel::sql_types::BigInt, _>(carol.id.0)
                .bind::<diesel::sql_types::BigInt, _>(missing.0)
                .execute(&mut conn)
                .await,
        ),
        (
            "a reply linked to a post that does not exist",
            sql("UPDATE statuses SET in_reply_to_id = $1 WHERE id = $2")
                .bind::<diesel::sql_types::BigInt, _>(missing.0)
                .bind::<diesel::sql_types::BigInt, _>(replies[0].0)
                .execute(&mut conn)
                .await,
        ),
    ] {
        match result {
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _,
            )) => {}
            other => panic!("{what}: expected a foreign key violation, got {other:?}"),
        }
    }

    // A post deleted as a row takes its boost with it; its reply loses the parent's id
    // but keeps the rest. The other post, the positive control, keeps both.
    Status::delete_row(&mut conn, first.form.id).await.unwrap();
    let reply = Status::find(&mut conn, replies[0]).await.unwrap().unwrap();
    assert_eq!(reply.in_reply_to_id, None);
    assert_eq!(reply.in_reply_to_account_id, Some(alice.id));
    assert!(Status::find(&mut conn, boosts[0]).await.unwrap().is_none());
    let reply = Status::find(&mut conn, replies[1]).await.unwrap().unwrap();
    assert_eq!(reply.in_reply_to_id, Some(second.form.id));
    assert!(Status::find(&mut conn, boosts[1]).await.unwrap().is_some());

    // An account that is being stored for holds off its deletion until the post is
    // committed, and then the post goes with the account.
    let mut writer = diesel_async::AsyncPgConnection::establish(&app.db.url)
        .await
        .unwrap();
    let mut deleter = diesel_async::AsyncPgConnection::establish(&app.db.url)
        .await
        .unwrap();
    let late = received(
        "https://r.example/a/44",
        "https://r.example/p/44",
        alice.id,
        &[],
    );
    sql("BEGIN").execute(&mut writer).await.unwrap();
    Status::store_received(&mut writer, std::slice::from_ref(&late))
        .await
        .unwrap();
    sql("SET lock_timeout = '300ms'")
        .execute(&mut deleter)
        .await
        .unwrap();
    let blocked = Account::delete(&mut deleter, alice.id).await;
    assert!(
        matches!(&blocked, Err(e) if e.to_string().contains("lock timeout")),
        "the deletion waits for the post being stored: {blocked:?}"
    );
    sql("COMMIT").execute(&mut writer).await.unwrap();
    assert_eq!(Account::delete(&mut deleter, alice.id).await.unwrap(), 1);

    // alice's posts went with her; bob's reply to her remaining post lost both ids;
    // carol's boost of it went.
    for gone in [second.form.id, late.form.id, boosts[1]] {
        assert!(Status::find(&mut conn, gone).await.unwrap().is_none());
    }
    let reply = Status::find(&mut conn, replies[1]).await.unwrap().unwrap();
    assert_eq!(reply.in_reply_to_id, None);
    assert_eq!(reply.in_reply_to_account_id, None);
    assert_eq!(reply.account_id, bob.id, "bob's own post stays");
}
