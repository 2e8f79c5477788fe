//! A remote actor served by a real HTTP server in the test: its actor document and
//! key are fetched over HTTP, and it signs requests it sends to our inbox.

use actix_web::{web, App, HttpResponse, HttpServer};
use openssl::pkey::{PKey, Private};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

pub struct RemoteActor {
    pub base: String,
    pub username: String,
    pub key: PKey<Private>,
    /// Documents served at paths (mutable, so a test can rotate keys or add notes).
    pub documents: Arc<Mutex<std::collections::HashMap<String, (u16, Value)>>>,
    /// Paths requested from this server, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
    /// How long the server waits before answering.
    pub delay: Arc<Mutex<std::time::Duration>>,
    /// Bodies POSTed to this server (deliveries), with their paths, in order.
    pub posts: Arc<Mutex<Vec<(String, Value)>>>,
}

impl RemoteActor {
    pub fn id(&self) -> String {
        format!("{}/users/{}", self.base, self.username)
    }

    pub fn key_id(&self) -> String {
        format!("{}#main-key", self.id())
    }

    pub fn actor_document(&self, key: &PKey<Private>) -> Value {
        let id = self.id();
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": "Person",
            "preferredUsername": self.username,
            "name": "Remote Teacher",
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "endpoints": { "sharedInbox": format!("{}/inbox", self.base) },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": String::from_utf8(key.public_key_to_pem().unwrap()).unwrap() }
        })
    }

    pub fn serve(&self, path: &str, status: u16, doc: Value) {
        self.documents
            .lock()
            .unwrap()
            .insert(path.to_string(), (status, doc));
    }

    /// A POST to `url` signed like Mastodon signs, with `date` as the Date header.
    pub fn signed_post(
        &self,
        client: &reqwest::Client,
        url: &str,
        body: &str,
        date: chrono::DateTime<chrono::Utc>,
    ) -> reqwest::RequestBuilder {
        self.signed_post_with(client, url, body, &self.key, &self.key_id(), date)
    }

    /// `signed_post` to `public_url`, sent to the node at `node` (a base URL) as a
    /// reverse proxy forwards it: the same path and `Host` header.
    pub fn signed_post_through(
        &self,
        client: &reqwest::Client,
        public_url: &str,
        node: &str,
        body: &str,
        date: chrono::DateTime<chrono::Utc>,
    ) -> reqwest::Request {
        let public = url::Url::parse(public_url).unwrap();
        let mut request = self
            .signed_post(client, public_url, body, date)
            .build()
            .unwrap();
        let mut target = url::Url::parse(node).unwrap();
        target.set_path(public.path());
        *request.url_mut() = target;
        request
            .headers_mut()
            .insert("host", public.authority().parse().unwrap());
        request
    }

    pub fn signed_post_with(
        &self,
        client: &reqwest::Client,
        url: &str,
        body: &str,
        key: &PKey<Private>,
        key_id: &str,
        date: chrono::DateTime<chrono::Utc>,
    ) -> reqwest::RequestBuilder {
        use staffroom::federation::signatures;
        let parsed = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
        let date = signatures::http_date(date);
        let digest = signatures::digest(body.as_bytes());
        let signature = signatures::sign(
            key,
            key_id,
            "POST",
            parsed.path(),
            &[
                ("host", &host),
                ("date", &date),
                ("digest", &digest),
                ("content-type", "application/activity+json"),
            ],
        )
        .unwrap();
        client
            .post(url)
            .header("Date", date)
            .header("Digest", digest)
            .header("Content-Type", "application/activity+json")
            .header("Signature", signature)
            .body(body.to_string())
    }
}

impl RemoteActor {
    /// Sends a new signed Follow of `object` (ids `…#knocks/N`) to `inbox` until one
    /// is answered `status`. A server rereads its domain lists every 5 s: this is how
    /// a test waits for a list change to take effect.
    pub async fn knock_until(
        &self,
        client: &reqwest::Client,
        inbox: &str,
        object: &str,
        status: u16,
        what: &str,
    ) {
        static KNOCKS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        super::eventually(std::time::Duration::from_secs(15), what, || {
            let n = KNOCKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let body = json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{}#knocks/{n}", self.id()),
                "type": "Follow",
                "actor": self.id(),
                "object": object,
            })
            .to_string();
            async move {
                self.signed_post(client, inbox, &body, chrono::Utc::now())
                    .send()
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
                    == status
            }
        })
        .await;
    }

    /// A POST to `url` signed with RFC 9421 the way Fedify signs (`@method`,
    /// `@target-uri`, `@authority`, `host`, `date`, `content-digest`; `created`).
    pub fn signed_post_rfc9421(
        &self,
        client: &reqwest::Client,
        url: &str,
        body: &str,
        key: &PKey<Private>,
        key_id: &str,
        created: chrono::DateTime<chrono::Utc>,
    ) -> reqwest::RequestBuilder {
        use staffroom::federation::{message_signatures as ms, signatures};
        let parsed = url::Url::parse(url).unwrap();
        let host = format!("{}:{}", parsed.host_str().unwrap(), parsed.port().unwrap());
        let date = signatures::http_date(created);
        let digest = ms::content_digest(body.as_bytes());
        let headers = |name: &str| match name {
            "host" => Some(host.clone()),
            "date" => Some(date.clone()),
            "content-digest" => Some(digest.clone()),
            _ => None,
        };
        let parts = ms::RequestParts {
            method: "POST",
            scheme: parsed.scheme(),
            authority: &host,
            path: parsed.path(),
            query: parsed.query(),
            header: &headers,
        };
        let components = [
            "@method",
            "@target-uri",
            "@authority",
            "host",
            "date",
            "content-digest",
        ];
        let (input, signature) =
            ms::sign(key, key_id, &components, created.timestamp(), None, &parts).unwrap();
        client
            .post(url)
            .header("Date", date.clone())
            .header("Content-Digest", digest.clone())
            .header("Content-Type", "application/activity+json")
            .header("Signature-Input", input)
            .header("Signature", signature)
            .body(body.to_string())
    }
}

/// Starts a server for one actor named `username`.
pub fn start(username: &str) -> RemoteActor {
    start_on("127.0.0.1", username)
}

/// The same on another loopback address (127.0.0.2 …): another host for domain policy.
pub fn start_on(ip: &str, username: &str) -> RemoteActor {
    start_with_key_on(
        ip,
        username,
        PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap(),
    )
}

/// A test-only key from tests/fixtures/keys.
pub fn fixture_key(file: &str) -> PKey<Private> {
    let path = format!("{}/tests/fixtures/keys/{file}", env!("CARGO_MANIFEST_DIR"));
    PKey::private_key_from_pem(&std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}")))
        .unwrap()
}

/// Starts a server for one actor named `username` whose RSA key is `key`.
pub fn start_with_key(username: &str, key: PKey<Private>) -> RemoteActor {
    start_with_key_on("127.0.0.1", username, key)
}

fn start_with_key_on(ip: &str, username: &str, key: PKey<Private>) -> RemoteActor {
    let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let actor = RemoteActor {
        base: format!("http://{ip}:{port}"),
        username: username.to_string(),
        key,
        documents: Arc::new(Mutex::new(Default::default())),
        requests: Arc::new(Mutex::new(Vec::new())),
        delay: Arc::new(Mutex::new(std::time::Duration::ZERO)),
        posts: Arc::new(Mutex::new(Vec::new())),
    };
    actor.serve(
        &format!("/users/{username}"),
        200,
        actor.actor_document(&actor.key),
    );
    let docs = actor.documents.clone();
    let requests = actor.requests.clone();
    let delay = actor.delay.clone();
    let posts = actor.posts.clone();
    let server = HttpServer::new(move || {
        let (docs, requests, delay, posts) =
            (docs.clone(), requests.clone(), delay.clone(), posts.clone());
        App::new().default_service(web::to(
            move |req: actix_web::HttpRequest, body: web::Bytes| {
                let (docs, requests, delay, posts) =
                    (docs.clone(), requests.clone(), delay.clone(), posts.clone());
                async move {
                    requests.lock().unwrap().push(req.path().to_string());
                    if req.method() == actix_web::http::Method::POST {
                        posts.lock().unwrap().push((
                            req.path().to_string(),
                            serde_json::from_slice(&body).unwrap_or_default(),
                        ));
                    }
                    let wait = *delay.lock().unwrap();
                    if !wait.is_zero() {
                        // A slow server on purpose (a test set `delay`): the behaviour under test.
                        tokio::time::sleep(wait).await;
                    }
                    match docs.lock().unwrap().get(req.path()) {
                        Some((status, doc)) => HttpResponse::build(
                            actix_web::http::StatusCode::from_u16(*status).unwrap(),
                        )
                        .content_type("application/activity+json")
                        .json(doc),
                        None => HttpResponse::Accepted().finish(),
                    }
                }
            },
        ))
    })
    .workers(2)
    .disable_signals()
    .listen(listener)
    .unwrap()
    .run();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _ = rt.block_on(server);
    });
    actor
}
