//! The statements behind every page of posts are prepared once per connection and
//! reused for every viewer. Planning the visibility rule took longer than running it
//! (about 1 ms against 0.3–0.6 ms for a home page over 1,000,000 statuses), so a
//! statement PostgreSQL has to plan again at each request is a slow page. Asked of
//! PostgreSQL itself: `pg_prepared_statements` lists what the connection prepared.

mod common;

use diesel::{sql_types::Text, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use staffroom::{
    db::{
        self, account_lists,
        pagination::Page,
        status_batch,
        timelines::{self, AccountFilter, Origin, TagFilter},
        visibility,
    },
    services::accounts::{create_local_user, NewUser},
};

#[derive(QueryableByName)]
struct Prepared {
    #[diesel(sql_type = Text)]
    statement: String,
}

async fn prepared(conn: &mut AsyncPgConnection, containing: &str) -> usize {
    prepared_where(conn, |s| s.contains(containing)).await
}

async fn prepared_where(conn: &mut AsyncPgConnection, which: impl Fn(&str) -> bool) -> usize {
    diesel::sql_query("SELECT statement FROM pg_prepared_statements")
        .load::<Prepared>(conn)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| which(&p.statement))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_of_posts_are_planned_once_per_connection_for_every_viewer() {
    let test_db = common::TestDb::new().await;
    db::run_migrations(&test_db.url).await.unwrap();
    let pool = db::build_pool(&test_db.url, 2).unwrap();
    let mut viewers = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let user = create_local_user(
            &pool,
            NewUser {
                username: name.into(),
                display_name: None,
                password: None,
                admin: false,
            },
        )
        .await
        .unwrap();
        viewers.push(user.account.id);
    }
    let mut conn = AsyncPgConnection::establish(&test_db.url).await.unwrap();
    // Positive control: before any page is read, nothing of the kind is prepared.
    assert_eq!(prepared(&mut conn, "home_feed").await, 0);

    let tags = TagFilter {
        any: vec!["edchat".into()],
        all: vec!["maths".into()],
        none: vec!["spam".into()],
    };
    let mut lists = Vec::new();
    for viewer in &viewers {
        lists.push(
            db::lists::create(&mut conn, *viewer, "Maths", "list", true)
                .await
                .unwrap(),
        );
    }
    for (viewer, list) in viewers.iter().zip(&lists) {
        for _ in 0..2 {
            timelines::list(&mut conn, list, Page::newest(20))
                .await
                .unwrap();
            db::filters::active(&mut conn, &[*viewer]).await.unwrap();
            timelines::home(&mut conn, *viewer, Page::newest(20))
                .await
                .unwrap();
            timelines::public(
                &mut conn,
                Some(*viewer),
                Origin::default(),
                Page::newest(20),
            )
            .await
            .unwrap();
            timelines::tag(
                &mut conn,
                Some(*viewer),
                Origin::default(),
                &tags,
                Page::newest(20),
            )
            .await
            .unwrap();
            timelines::account(
                &mut conn,
                Some(*viewer),
                viewers[0],
                &AccountFilter::default(),
                Page::newest(20),
            )
            .await
            .unwrap();
            visibility::visible_ids(
                &mut conn,
                Some(*viewer),
                &[db::StatusId(1), db::StatusId(2)],
            )
            .await
            .unwrap();
            account_lists::counts(&mut conn, &viewers).await.unwrap();
            status_batch::counts(&mut conn, &[db::StatusId(1)], Some(*viewer))
                .await
                .unwrap();
        }
    }
    timelines::public(&mut conn, None, Origin::default(), Page::newest(20))
        .await
        .unwrap();

    // One statement each, whoever reads: three viewers, two reads each.
    assert_eq!(prepared(&mut conn, "home_feed").await, 1, "home");
    assert_eq!(
        prepared(&mut conn, "CROSS JOIN LATERAL").await,
        1,
        "a list's timeline"
    );
    assert_eq!(
        prepared(&mut conn, "\"filters\"").await,
        1,
        "the reader's filters in force"
    );
    assert_eq!(
        prepared(&mut conn, "status_tags").await,
        1,
        "the hashtag timeline"
    );
    assert_eq!(
        prepared(&mut conn, "COALESCE(fr.n, 0)").await,
        1,
        "authors' counts"
    );
    assert_eq!(
        prepared(&mut conn, "AS favourited").await,
        1,
        "posts' counts"
    );
    // Public: one for signed-in viewers, one for the anonymous (a shorter rule).
    let public = |s: &str| s.contains("statuses.visibility = 0") && !s.contains("status_tags");
    assert_eq!(prepared_where(&mut conn, public).await, 2, "public");
    // An account's posts and single posts: the rule, without a list's own selection.
    let rest = |s: &str| {
        s.contains("FROM blocks")
            && !s.contains("home_feed")
            && !s.contains("visibility = 0")
            && !s.contains("LATERAL")
    };
    assert_eq!(
        prepared_where(&mut conn, rest).await,
        2,
        "an account's posts, and a check of single posts"
    );
}
