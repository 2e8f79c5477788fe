//! Streaming benchmark: 1,000 WebSocket clients, each a different teacher with a
//! token of their own, connected to the `public` stream of one release
//! `staffroom serve`; a teacher posts, and every client must receive the post. Prints
//! p50/p99 over the posts of the time from sending the post (`POST /api/v1/statuses`)
//! to the last client receiving it, and the server's resident memory before the
//! clients connect and with all of them connected. The clients are a minimal
//! WebSocket reader written here (handshake, unmasked server frames, pongs).
//! Targets (issue 15): p99 under 200 ms, under 64 MB.
//!
//! Run: `scripts/bench streaming` (`STAFFROOM_BENCH_SCALE=0.1`: 100 clients, a quick check).

mod support;

use std::time::{Duration, Instant};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt, BufReader},
    net::TcpStream,
    sync::mpsc,
};

const CLIENTS: f64 = 1_000.0;
const POSTS: usize = 30;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(support::with_database(bench));
}

async fn bench(db_url: String) {
    let clients = ((CLIENTS * support::scale()) as usize).max(20);
    let server = support::Server::start(&db_url, &[]).await;
    let base = format!("http://{}", server.domain);
    println!(
        "Streaming: {clients} WebSocket clients on the public stream, {POSTS} posts; load {}",
        support::load()
    );

    // Readers: one made as an administrator does, copied in SQL (key generation and
    // password hashing for each would take minutes); a token each.
    support::staffroom(&db_url, &["user", "add", "author"]);
    support::staffroom(&db_url, &["user", "add", "reader"]);
    let author = support::token(&db_url, "author", "read write");
    let pool = staffroom::db::build_pool(&db_url, 4).unwrap();
    {
        use diesel_async::{AsyncConnection, RunQueryDsl};
        let mut conn = diesel_async::AsyncPgConnection::establish(&db_url)
            .await
            .unwrap();
        diesel::sql_query(format!(
            "INSERT INTO accounts SELECT (jsonb_populate_record(NULL::accounts, to_jsonb(a) || jsonb_build_object('id', a.id + n, 'username', 'reader' || n))).*
             FROM accounts a, generate_series(1, {clients}) AS n WHERE a.username = 'reader' AND a.domain IS NULL"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        diesel::sql_query(
            "INSERT INTO users SELECT (jsonb_populate_record(NULL::users, to_jsonb(u) || jsonb_build_object('id', u.id + (c.id - a.id), 'account_id', c.id, 'email', NULL))).*
             FROM users u JOIN accounts a ON a.id = u.account_id AND a.username = 'reader' AND a.domain IS NULL
             JOIN accounts c ON c.username LIKE 'reader_%' AND c.domain IS NULL",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let mut tokens = Vec::with_capacity(clients);
    for n in 1..=clients {
        tokens.push(
            staffroom::services::tokens::create(&pool, &format!("reader{n}"), "bench", "read")
                .await
                .unwrap(),
        );
    }

    let rss_before = support::rss_mb(server.child.id());
    let (heard_tx, mut heard) = mpsc::unbounded_channel::<(usize, Instant)>();
    let (ready_tx, mut ready) = mpsc::unbounded_channel::<()>();
    let connecting = Instant::now();
    for token in tokens {
        let (domain, heard_tx, ready_tx) =
            (server.domain.clone(), heard_tx.clone(), ready_tx.clone());
        tokio::spawn(async move { client(&domain, &token, ready_tx, heard_tx).await });
    }
    for _ in 0..clients {
        tokio::time::timeout(Duration::from_secs(120), ready.recv())
            .await
            .expect("every client connects")
            .unwrap();
    }
    println!(
        "  {clients} clients connected in {:.1} s",
        connecting.elapsed().as_secs_f64()
    );
    let rss_connected = support::rss_mb(server.child.id());

    let http = reqwest::Client::new();
    let mut to_last = Vec::new();
    for round in 0..POSTS {
        let sent = Instant::now();
        let res = http
            .post(format!("{base}/api/v1/statuses"))
            .bearer_auth(&author)
            .json(&serde_json::json!({ "status": format!("Streaming round {round} done"), "visibility": "public" }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let mut got = 0;
        let mut last = sent;
        while got < clients {
            let (r, at) = tokio::time::timeout(Duration::from_secs(30), heard.recv())
                .await
                .expect("every client hears the post")
                .unwrap();
            assert_eq!(r, round, "posts arrive in order");
            got += 1;
            last = last.max(at);
        }
        to_last.push(last - sent);
    }
    let rss_after = support::rss_mb(server.child.id());
    to_last.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "  post to last client: p50 {:.1} ms, p99 {:.1} ms (max {:.1} ms; target p99 < 200 ms)",
        ms(support::percentile(&to_last, 0.5)),
        ms(support::percentile(&to_last, 0.99)),
        ms(*to_last.last().unwrap())
    );
    println!("  server RSS: {rss_before:.1} MB before, {rss_connected:.1} MB with {clients} clients connected, {rss_after:.1} MB after {POSTS} posts (target < 64 MB)");
    println!("  load at the end: {}", support::load());
    server.stop();
}

/// One client: connects, reports ready, then reports each post's round as it arrives.
async fn client(
    domain: &str,
    token: &str,
    ready: mpsc::UnboundedSender<()>,
    heard: mpsc::UnboundedSender<(usize, Instant)>,
) {
    let mut stream = TcpStream::connect(domain).await.unwrap();
    let request = format!(
        "GET /api/v1/streaming?stream=public&access_token={token} HTTP/1.1\r\nHost: {domain}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    // The handshake's answer ends with an empty line.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(read.read_u8().await.unwrap());
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let _ = ready.send(());
    loop {
        let Ok(first) = read.read_u8().await else {
            return;
        };
        let opcode = first & 0x0f;
        let len = match read.read_u8().await.unwrap() & 0x7f {
            126 => read.read_u16().await.unwrap() as usize,
            127 => read.read_u64().await.unwrap() as usize,
            n => n as usize,
        };
        let mut payload = vec![0; len];
        read.read_exact(&mut payload).await.unwrap();
        match opcode {
            0x1 => {
                let text = String::from_utf8_lossy(&payload);
                if let Some(round) = text
                    .split("Streaming round ")
                    .nth(1)
                    .and_then(|r| r.split(' ').next()?.parse().ok())
                {
                    let _ = heard.send((round, Instant::now()));
                }
            }
            // A pong, masked (with a zero key) as a client must send it.
            0x9 => {
                let mut pong = vec![0x8a, 0x80 | payload.len() as u8, 0, 0, 0, 0];
                pong.extend_from_slice(&payload);
                let _ = write.write_all(&pong).await;
            }
            0x8 => return,
            _ => {}
        }
    }
}
