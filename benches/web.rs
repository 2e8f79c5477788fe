//! Web benchmark: the pages a teacher and a visitor load most, over the data set of
//! `scripts/bench timeline` (1,000,000 statuses, support::dataset) plus carol, a
//! local teacher with 5,000 public posts of her own among them. Signed in with a
//! session cookie (the sign-in form, as a browser does): `/home` for alice (who
//! follows 1,000 busy accounts) and bob (1,000 quiet ones, the hard reader); carol's
//! public profile `/@carol` for a visitor and for alice; a remote teacher's profile
//! and the local timeline for a visitor. Over real HTTP against a warm release
//! `staffroom serve`, sequential requests on one connection; prints p50/p99 time to
//! the last byte and the bytes of each page (as sent, uncompressed: Staffroom does
//! not compress, a proxy in front may).
//! Targets (issue 12): p99 under 15 ms, under 60 KB.
//!
//! Run: `scripts/bench web` (`STAFFROOM_BENCH_SCALE=0.1` for a short check).

mod support;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::header;
use staffroom::{
    db,
    services::accounts::{create_local_user, NewUser},
};
use std::time::{Duration, Instant};
use support::dataset::{exec, requests, seed, statuses, ACCOUNTS};

const PASSWORD: &str = "bench-password-1";
/// Carol's posts at full scale: one in every 200 statuses' worth of time.
const CAROL_POSTS: f64 = 5_000.0;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(support::with_database(bench));
}

/// Carol's own posts, spread over the same stretch of the past as the data set's
/// (one every 2 s; the data set's ids have their low 16 bits zero, hers end in 7),
/// each with its text, a hashtag and a link, as a composed post is stored.
async fn seed_carol(conn: &mut AsyncPgConnection, carol: i64) {
    let posts = ((CAROL_POSTS * support::scale()) as i64).max(100);
    let now_ms = chrono::Utc::now().timestamp_millis() - 30_000;
    exec(
        conn,
        &format!(
            "INSERT INTO statuses (id, account_id, content, text, visibility, local, created_at)
             SELECT (({now_ms}::bigint - n * 2000) << 16) + 7, {carol},
                    '<p>Today in year 9 we tried retrieval practice number ' || n || ': five questions from last month, no notes. ' ||
                    'Worked better than I expected. <a href=\"http://bench.local/tags/edchat\" class=\"mention hashtag\" rel=\"tag\">#<span>edchat</span></a> ' ||
                    '<a href=\"https://example.org/retrieval\" rel=\"nofollow noopener noreferrer\" target=\"_blank\">example.org/retrieval</a></p>',
                    'Today in year 9 we tried retrieval practice number ' || n || ': five questions from last month, no notes. Worked better than I expected. #edchat https://example.org/retrieval',
                    0, true, to_timestamp(({now_ms} - n * 2000) / 1000.0)
             FROM generate_series(0, {posts} - 1) AS n"
        ),
    )
    .await;
    exec(conn, &format!("INSERT INTO status_tags (status_id, name) SELECT id, 'edchat' FROM statuses WHERE account_id = {carol}")).await;
    exec(conn, "ANALYZE statuses").await;
    println!("  carol: {posts} public posts of her own");
}

/// Signs in through the form as a browser does; the `Cookie` header of the session.
async fn sign_in(client: &reqwest::Client, base: &str, name: &str) -> String {
    let form = client
        .get(format!("{base}/auth/sign_in"))
        .send()
        .await
        .unwrap();
    let pre = cookie(&form, "staffroom_sign_in");
    let html = form.text().await.unwrap();
    let marker = r#"name="csrf" value=""#;
    let start = html.find(marker).expect("the sign-in form has its token") + marker.len();
    let csrf = html[start..].split('"').next().unwrap();
    let res = client
        .post(format!("{base}/auth/sign_in"))
        .header(header::COOKIE, pre)
        .form(&[("csrf", csrf), ("login", name), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signing in as {name}");
    cookie(&res, "staffroom_session")
}

fn cookie(res: &reqwest::Response, name: &str) -> String {
    let set = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")));
    set.unwrap_or_else(|| panic!("no {name} cookie set"))
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// p50 and p99 of the time to the last byte, in ms, and the bytes of the page.
async fn measure(client: &reqwest::Client, url: &str, cookie: Option<&str>) -> (f64, f64, usize) {
    let get = || {
        let req = client.get(url);
        match cookie {
            Some(c) => req.header(header::COOKIE, c),
            None => req,
        }
    };
    // Warm: the server's pool, PostgreSQL's caches, the HTTP connection.
    for _ in 0..200 {
        get().send().await.unwrap().bytes().await.unwrap();
    }
    let mut latencies = Vec::with_capacity(requests());
    let mut bytes = 0;
    for _ in 0..requests() {
        let started = Instant::now();
        let res = get().send().await.unwrap();
        assert_eq!(res.status(), 200, "{url}");
        let body = res.bytes().await.unwrap();
        latencies.push(started.elapsed());
        bytes = body.len();
    }
    latencies.sort();
    let pct = |p: f64| support::percentile(&latencies, p).as_secs_f64() * 1e3;
    (pct(0.5), pct(0.99), bytes)
}

async fn bench(db_url: String) {
    db::run_migrations(&db_url).await.unwrap();
    let pool = db::build_pool(&db_url, 2).unwrap();
    let mut ids = Vec::new();
    for name in ["alice", "bob", "carol"] {
        let user = NewUser {
            username: name.into(),
            display_name: Some(format!("{name} (teacher)")),
            password: Some(PASSWORD.into()),
            admin: false,
        };
        ids.push(create_local_user(&pool, user).await.unwrap().account.id.0);
    }
    let mut conn = AsyncPgConnection::establish(&db_url).await.unwrap();
    println!(
        "Seeding {} statuses from {ACCOUNTS} accounts ...",
        statuses()
    );
    seed(&mut conn, ids[0], ids[1], None).await;
    seed_carol(&mut conn, ids[2]).await;

    let server = support::Server::start(&db_url, &[]).await;
    let base = format!("http://{}", server.domain);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .unwrap();
    let alice = sign_in(&client, &base, "alice").await;
    let bob = sign_in(&client, &base, "bob").await;

    println!(
        "\nGET over HTTP, {} sequential requests each after 200 to warm up; load average {}:",
        requests(),
        support::load()
    );
    // teacher1005 is one of the busy remote accounts (about 110 posts at full scale).
    let remote = format!("/@teacher1005@remote{}.example", 1005 % 50);
    let pages: [(&str, &str, Option<&str>); 6] = [
        ("/home (alice, signed in)", "/home", Some(&alice)),
        ("/home (bob, signed in)", "/home", Some(&bob)),
        ("/@carol (visitor)", "/@carol", None),
        ("/@carol (alice, signed in)", "/@carol", Some(&alice)),
        ("/@teacher1005@remote5 (visitor)", &remote, None),
        ("/public/local (visitor)", "/public/local", None),
    ];
    for (name, path, cookie) in pages {
        let (p50, p99, bytes) = measure(&client, &format!("{base}{path}"), cookie).await;
        println!(
            "  {name:<32} p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   {:>6.1} KB",
            bytes as f64 / 1024.0
        );
    }
    println!("  (load average now {})", support::load());
    server.stop();
}
