//! A fake remote server that is a real HTTP server: it accepts signed POSTs (and
//! signed GETs) on any path, checks each signature and digest with an implementation we did not write
//! (http-signature-normalization + the `rsa` crate), and answers as scripted.

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub activity_id: String,
    pub body: serde_json::Value,
    /// Signature and digest checked out against the sender's published key.
    pub verified: bool,
    pub at: Instant,
    pub status: u16,
}

#[derive(Default)]
pub struct Script {
    /// Statuses to answer, in order, before answering 202 for good.
    pub first: VecDeque<u16>,
    /// Answer every request with this status (overrides `first` while set).
    pub always: Option<u16>,
    pub retry_after: Option<String>,
    pub latency: Duration,
}

#[derive(Clone)]
pub struct Receiver {
    pub port: u16,
    pub script: Arc<Mutex<Script>>,
    pub log: Arc<Mutex<Vec<Received>>>,
    /// The sender's public key PEM, for verifying signatures.
    pub public_key_pem: Arc<Mutex<String>>,
}

impl Receiver {
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn inbox(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Requests that were answered 2xx.
    pub fn accepted(&self) -> Vec<Received> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| (200..300).contains(&r.status))
            .cloned()
            .collect()
    }

    pub fn hits(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    pub fn set_script(&self, f: impl FnOnce(&mut Script)) {
        f(&mut self.script.lock().unwrap());
    }
}

/// Starts one HTTP server listening on `count` ports; one `Receiver` per port.
pub fn start(count: usize, public_key_pem: &str) -> Vec<Receiver> {
    let mut listeners = Vec::new();
    let mut receivers = Vec::new();
    let key = Arc::new(Mutex::new(public_key_pem.to_string()));
    for _ in 0..count {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        receivers.push(Receiver {
            port,
            script: Arc::new(Mutex::new(Script::default())),
            log: Arc::new(Mutex::new(Vec::new())),
            public_key_pem: key.clone(),
        });
        listeners.push(listener);
    }
    let by_port: Arc<BTreeMap<u16, Receiver>> =
        Arc::new(receivers.iter().map(|r| (r.port, r.clone())).collect());
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(by_port.clone()))
            .default_service(web::to(handle))
    })
    .workers(1)
    .disable_signals();
    for l in listeners {
        server = server.listen(l).unwrap();
    }
    let server = server.run();
    // actix needs its own system thread when the test runtime is not actix's.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _ = rt.block_on(server);
    });
    receivers
}

async fn handle(
    req: HttpRequest,
    body: web::Bytes,
    receivers: web::Data<Arc<BTreeMap<u16, Receiver>>>,
) -> HttpResponse {
    let port = req.app_config().local_addr().port();
    let Some(receiver) = receivers.get(&port) else {
        return HttpResponse::NotFound().finish();
    };
    let verified = verify(&req, &body, &receiver.public_key_pem.lock().unwrap());
    let (status, latency, retry_after) = {
        let mut script = receiver.script.lock().unwrap();
        let status = script
            .always
            .or_else(|| script.first.pop_front())
            .unwrap_or(202);
        (status, script.latency, script.retry_after.clone())
    };
    if !latency.is_zero() {
        // A slow server on purpose (the script asks for it): the behaviour under test.
        tokio::time::sleep(latency).await;
    }
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    receiver.log.lock().unwrap().push(Received {
        path: req.path().to_string(),
        activity_id: json["id"].as_str().unwrap_or_default().to_string(),
        body: json,
        verified,
        at: Instant::now(),
        status,
    });
    let mut res = HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap());
    if let Some(ra) = retry_after {
        res.insert_header(("Retry-After", ra));
    }
    res.finish()
}

fn verify(req: &HttpRequest, body: &[u8], public_key_pem: &str) -> bool {
    use base64::Engine;
    use rsa::{pkcs8::DecodePublicKey, Pkcs1v15Sign, RsaPublicKey};
    use sha2::{Digest, Sha256};
    let mut headers = BTreeMap::new();
    for (name, value) in req.headers() {
        if let Ok(v) = value.to_str() {
            headers.insert(name.to_string(), v.to_string());
        }
    }
    // A GET (a signed fetch) has no body, so no digest to check.
    let fetch = req.method() == actix_web::http::Method::GET;
    let digest_ok = fetch
        || headers.get("digest").is_some_and(|d| {
            let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
            d.strip_prefix("SHA-256=") == Some(expected.as_str())
        });
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let config = if fetch {
        http_signature_normalization::Config::new()
    } else {
        http_signature_normalization::Config::new().require_digest()
    };
    let Ok(unverified) = config.begin_verify(req.method().as_str(), path, headers) else {
        return false;
    };
    let Ok(key) = RsaPublicKey::from_public_key_pem(public_key_pem) else {
        return false;
    };
    let signature_ok = unverified.verify(|signature, signing_string| {
        let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(signature) else {
            return false;
        };
        key.verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing_string.as_bytes()),
            &sig,
        )
        .is_ok()
    });
    digest_ok && signature_ok
}

/// Waits until `check` holds, up to `timeout`.
pub async fn wait_for(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    check()
}
