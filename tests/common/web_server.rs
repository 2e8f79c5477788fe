//! A small web server on 127.0.0.1 for what other servers host besides actors: pages
//! (link cards) and files (remote images). Each path answers with its status, type
//! and bytes; requests are counted per path.

use std::{
    collections::HashMap,
    io::{Read, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
};

/// Status, `Content-Type` and body, by path.
type Files = Arc<Mutex<HashMap<String, (u16, String, Vec<u8>)>>>;

#[derive(Clone)]
pub struct WebServer {
    pub base: String,
    files: Files,
    hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl WebServer {
    /// Paths not served answer 404.
    pub fn start() -> WebServer {
        WebServer::start_on("127.0.0.1")
    }

    /// The same on another loopback address (127.0.0.2 …).
    pub fn start_on(ip: &str) -> WebServer {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        let server = WebServer {
            base: format!("http://{}", listener.local_addr().unwrap()),
            files: Arc::default(),
            hits: Arc::default(),
        };
        let (files, hits) = (server.files.clone(), server.hits.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let (files, hits) = (files.clone(), hits.clone());
                std::thread::spawn(move || {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 4096];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut buf) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let line = String::from_utf8_lossy(&request)
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let path = line.split(' ').nth(1).unwrap_or("/").to_string();
                    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                    let (status, content_type, body) = files
                        .lock()
                        .unwrap()
                        .get(&path)
                        .cloned()
                        .unwrap_or((404, "text/plain".into(), b"not found".to_vec()));
                    let head = format!("HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                });
            }
        });
        server
    }

    /// Answers `path` with `status`, `content_type` and `body` from now on.
    pub fn serve(&self, path: &str, status: u16, content_type: &str, body: &[u8]) {
        self.files.lock().unwrap().insert(
            path.to_string(),
            (status, content_type.to_string(), body.to_vec()),
        );
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// How many requests `path` had.
    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}
