//! A real SMTP server for the tests: aiosmtpd (pinned in tests/clients/requirements.txt,
//! installed by tests/clients/setup.sh) writing every message it receives to a
//! Maildir that the test reads.

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct MailCatcher {
    child: Child,
    /// `smtp://127.0.0.1:PORT`, for `STAFFROOM_SMTP_URL`.
    pub url: String,
    maildir: PathBuf,
}

/// One received message: its headers (names in lower case) and its decoded text.
#[derive(Debug, Clone)]
pub struct Mail {
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Mail {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first URL in the body starting with `prefix`.
    pub fn link(&self, prefix: &str) -> Option<String> {
        let start = self.body.find(prefix)?;
        Some(self.body[start..].split_whitespace().next()?.to_string())
    }
}

impl MailCatcher {
    pub fn start() -> MailCatcher {
        let setup = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/setup.sh");
        let out = Command::new(setup)
            .stderr(Stdio::inherit())
            .output()
            .expect("tests/clients/setup.sh runs");
        assert!(out.status.success(), "tests/clients/setup.sh failed");
        let venv = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let port = super::free_port();
        let maildir = tempfile::tempdir().unwrap().keep().join("Maildir");
        let child = Command::new(format!("{venv}/bin/python"))
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(&maildir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        let until = std::time::Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < until,
                "aiosmtpd did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        MailCatcher {
            child,
            url: format!("smtp://127.0.0.1:{port}"),
            maildir,
        }
    }

    /// Every message received so far.
    pub fn all(&self) -> Vec<Mail> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read_to_string(f).ok())
            .map(|raw| parse(&raw))
            .collect()
    }

    /// Waits for a message to `to` whose subject contains `subject`.
    pub async fn wait_for(&self, to: &str, subject: &str) -> Mail {
        super::eventually(
            Duration::from_secs(30),
            &format!("a mail \"{subject}\" reaches {to}"),
            || async {
                self.all().into_iter().find(|m| {
                    m.header("x-rcptto").is_some_and(|r| r.contains(to))
                        && m.header("subject").is_some_and(|s| s.contains(subject))
                })
            },
        )
        .await
    }
}

impl Drop for MailCatcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn parse(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = headers.last_mut() {
                last.1.push_str(line.trim_start());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let quoted = headers.iter().any(|(n, v)| {
        n == "content-transfer-encoding" && v.eq_ignore_ascii_case("quoted-printable")
    });
    let body = if quoted {
        unquote(body)
    } else {
        body.to_string()
    };
    Mail { headers, body }
}

/// Quoted-printable (RFC 2045 §6.7), as mail writers use for long lines.
fn unquote(text: &str) -> String {
    let text = text.replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 3 <= bytes.len() {
            if let Ok(b) =
                u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or(""), 16)
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}
