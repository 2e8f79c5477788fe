//! Outside development mode nothing we fetch may reach the school's own network:
//! names that resolve to loopback are refused when connecting, redirects are checked
//! hop by hop, and every request is bounded in redirects, time and size.
//!
//! Two real HTTP servers play the parts: an "outside" one on 127.0.0.2 (the one
//! private address the test client is permitted, standing in for a public server)
//! and an "inside" one on 127.0.0.1 that must never be reached.

mod common;

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use staffroom::federation::client::{HttpClient, TestNetwork};
use std::{
    net::IpAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

struct Server {
    port: u16,
    hits: Arc<Mutex<Vec<String>>>,
}

/// A server on `ip` whose answers are chosen by path (see `answer`).
fn serve(ip: &str, inside_port: u16) -> Server {
    let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(Mutex::new(Vec::new()));
    let recorded = hits.clone();
    let server = HttpServer::new(move || {
        let recorded = recorded.clone();
        App::new().default_service(web::to(move |req: HttpRequest| {
            recorded.lock().unwrap().push(req.path().to_string());
            answer(req, inside_port, port)
        }))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(server)
    });
    Server { port, hits }
}

async fn answer(req: HttpRequest, inside_port: u16, own_port: u16) -> HttpResponse {
    let redirect = |to: String| {
        HttpResponse::Found()
            .insert_header(("Location", to))
            .finish()
    };
    let path = req.path();
    if let Some(n) = path.strip_prefix("/chain/") {
        let n: u32 = n.parse().unwrap();
        return if n == 0 {
            HttpResponse::Ok().json(serde_json::json!({ "ok": true }))
        } else {
            redirect(format!("/chain/{}", n - 1))
        };
    }
    match path {
        // https, as a real server's redirect would be: only the address rule stops these two.
        "/to-loopback-ip" => redirect(format!("https://127.0.0.1:{inside_port}/secret")),
        "/to-loopback-name" => redirect(format!("http://inside.test:{inside_port}/secret")),
        "/to-mapped-ipv6" => redirect(format!("https://[::ffff:127.0.0.1]:{inside_port}/secret")),
        "/to-outside" => redirect(format!("http://outside.test:{own_port}/chain/0")),
        "/slow" => {
            // Slow on purpose: the client's timeout is what is under test.
            tokio::time::sleep(Duration::from_secs(10)).await;
            HttpResponse::Ok().finish()
        }
        "/big" => HttpResponse::Ok()
            .content_type("application/activity+json")
            .body(vec![b' '; 2 * 1024 * 1024]),
        "/big-chunked" => HttpResponse::Ok()
            .content_type("application/activity+json")
            .body(Chunks(32)),
        _ => HttpResponse::Ok().json(serde_json::json!({ "secret": true })),
    }
}

/// A body of `n` 64 KiB chunks sent without a Content-Length, as a server that
/// streams (or lies) would.
struct Chunks(u32);

impl actix_web::body::MessageBody for Chunks {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Stream
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<web::Bytes, Self::Error>>> {
        if self.0 == 0 {
            return std::task::Poll::Ready(None);
        }
        self.0 -= 1;
        std::task::Poll::Ready(Some(Ok(web::Bytes::from(vec![b' '; 64 * 1024]))))
    }
}

/// An error and its causes, as the log shows them.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

struct Rig {
    client: HttpClient,
    inside: Server,
    outside: Server,
}

fn rig(timeout: Duration) -> Rig {
    let inside = serve("127.0.0.1", 0);
    let outside = serve("127.0.0.2", inside.port);
    let network = TestNetwork {
        hosts: vec![
            ("outside.test".into(), "127.0.0.2".parse().unwrap()),
            ("inside.test".into(), "127.0.0.1".parse().unwrap()),
        ],
        permit: Some("127.0.0.2".parse::<IpAddr>().unwrap()),
    };
    Rig {
        client: HttpClient::for_tests(network, timeout).unwrap(),
        inside,
        outside,
    }
}

impl Rig {
    fn outside(&self, path: &str) -> String {
        format!("http://outside.test:{}{path}", self.outside.port)
    }

    async fn get(&self, url: &str) -> Result<reqwest::Response, String> {
        let parsed = url::Url::parse(url).unwrap();
        self.client.check(&parsed).map_err(|e| e.to_string())?;
        self.client
            .inner()
            .get(parsed)
            .send()
            .await
            .map_err(|e| chain(&e))
    }

    /// Nothing reached the inside server; then, as a control, a plain request does
    /// reach it and is recorded (so "nothing" meant nothing).
    async fn inside_untouched(&self) {
        assert!(
            self.inside.hits.lock().unwrap().is_empty(),
            "the inside server was reached: {:?}",
            self.inside.hits.lock().unwrap()
        );
        let direct = reqwest::Client::builder().no_proxy().build().unwrap();
        let res = direct
            .get(format!("http://127.0.0.1:{}/control", self.inside.port))
            .send()
            .await
            .expect("the inside server answers a direct request");
        assert_eq!(res.status(), 200);
        assert_eq!(
            *self.inside.hits.lock().unwrap(),
            ["/control"],
            "the inside server records what reaches it"
        );
    }
}

#[tokio::test]
async fn names_that_resolve_to_loopback_are_refused_when_connecting() {
    let rig = rig(Duration::from_secs(5));
    // The permitted stand-in for a public server answers, so the refusals below are the rules at work.
    assert_eq!(
        rig.get(&rig.outside("/chain/0")).await.unwrap().status(),
        200
    );

    // inside.test passes every check made on the URL; only the connect-time resolver stops it.
    let url = format!("http://inside.test:{}/secret", rig.inside.port);
    rig.client.check(&url::Url::parse(&url).unwrap()).unwrap();
    let err = rig.get(&url).await.unwrap_err();
    assert!(err.contains("private or local address"), "{err}");
    // localhost is refused by the URL check, and by the resolver when the check is skipped.
    let url = format!("http://localhost:{}/secret", rig.inside.port);
    assert!(rig.get(&url).await.is_err());
    let err = chain(&rig.client.inner().get(&url).send().await.unwrap_err());
    assert!(err.contains("private or local address"), "{err}");
    rig.inside_untouched().await;
}

#[tokio::test]
async fn redirects_to_the_inside_are_refused() {
    let rig = rig(Duration::from_secs(5));
    assert_eq!(
        rig.get(&rig.outside("/to-outside")).await.unwrap().status(),
        200,
        "a redirect between outside hosts is followed"
    );
    for path in ["/to-loopback-ip", "/to-loopback-name", "/to-mapped-ipv6"] {
        let err = rig.get(&rig.outside(path)).await.unwrap_err();
        assert!(err.contains("private or local address"), "{path}: {err}");
    }
    assert_eq!(
        rig.outside
            .hits
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.starts_with("/to-loopback") || *p == "/to-mapped-ipv6")
            .count(),
        3
    );
    rig.inside_untouched().await;
}

#[tokio::test]
async fn redirects_time_and_size_are_bounded() {
    let rig = rig(Duration::from_millis(800));
    let max = staffroom::federation::client::MAX_REDIRECTS;
    assert_eq!(
        rig.get(&rig.outside(&format!("/chain/{max}")))
            .await
            .unwrap()
            .status(),
        200
    );
    let err = rig
        .get(&rig.outside(&format!("/chain/{}", max + 1)))
        .await
        .unwrap_err();
    assert!(err.contains("too many redirects"), "{err}");

    let started = Instant::now();
    let err = rig.get(&rig.outside("/slow")).await.unwrap_err();
    assert!(
        err.to_lowercase().contains("timed out") || err.contains("TimedOut"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up at the timeout: {:?}",
        started.elapsed()
    );

    for path in ["/big", "/big-chunked"] {
        let url = rig.outside(path);
        let response = rig.get(&url).await.unwrap();
        let err = HttpClient::read_limited(&url, response, 1024 * 1024)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("larger than 1048576 bytes"),
            "{path}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_actor_fetch_outside_dev_mode_never_reaches_loopback() {
    let app = common::TestApp::spawn_with(&[("STAFFROOM_DEV", "false")]).await;
    let rig = rig(Duration::from_secs(5));
    let mut ctx = app.ctx.clone();
    ctx.client = rig.client.clone();
    for url in [
        format!("http://inside.test:{}/users/a", rig.inside.port),
        rig.outside("/to-loopback-ip"),
        rig.outside("/to-loopback-name"),
        format!("https://localhost:{}/users/a", rig.inside.port),
    ] {
        let err = staffroom::federation::fetch::fetch_actor(&ctx, &url)
            .await
            .err()
            .unwrap_or_else(|| panic!("{url} was fetched"));
        assert!(
            matches!(
                err.kind,
                staffroom::error::ErrorKind::RemoteFailed | staffroom::error::ErrorKind::Forbidden
            ),
            "{url}: {err}"
        );
    }
    rig.inside_untouched().await;
}
