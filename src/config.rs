//! Settings: an optional TOML file, overridden by environment variables, validated
//! once at start. Every error names the setting and says how to fix it.

use serde::Deserialize;
use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

#[derive(Clone, Debug)]
pub struct Settings {
    /// Public host (with `:port` when not the scheme's default). Only `serve` needs it.
    pub domain: Option<String>,
    pub bind: SocketAddr,
    /// `None`: run the managed PostgreSQL cluster under `data_dir`.
    pub database_url: Option<Secret>,
    pub data_dir: PathBuf,
    /// Development mode: own URLs use http, remote http and private addresses are allowed.
    pub dev: bool,
    pub db_pool_size: usize,
    pub log_format: LogFormat,
    /// Folder holding `initdb` and `pg_ctl` for the managed database, when they are
    /// neither on `PATH` nor in Debian's `/usr/lib/postgresql/*/bin`.
    pub pg_bin_dir: Option<PathBuf>,
    pub delivery: DeliverySettings,
    /// Where people can write about this server (shown to apps); postmaster@host if unset.
    pub contact_email: Option<String>,
    /// Where this server's source code is offered, as the AGPL asks of a modified copy.
    pub source_url: Option<String>,
    /// Inbox requests a minute one remote host may make (burst and sustained rate).
    pub inbox_rate_per_host: u32,
    /// Whether every server may federate, or only those on the allowlist.
    pub federation_mode: FederationMode,
    /// Where uploaded media is kept (`STAFFROOM_MEDIA_STORE`).
    pub media_store: MediaStoreKind,
    /// Public address media files are served from (`STAFFROOM_MEDIA_BASE_URL`, a CDN);
    /// `None`: `https://DOMAIN/media`.
    pub media_base_url: Option<String>,
    /// How many bytes of other servers' images we keep copies of
    /// (`STAFFROOM_MEDIA_CACHE_MB`); 0: none are copied, they are linked.
    pub media_cache_bytes: u64,
    /// Where mail is sent through (`STAFFROOM_SMTP_URL`, `smtp://host:port`, with
    /// credentials perhaps); `None`: no mail, admins reset passwords.
    pub smtp_url: Option<Secret>,
    /// The sender of our mail (`STAFFROOM_MAIL_FROM`); `None`: `noreply@` the host.
    pub mail_from: Option<String>,
    /// Where `/metrics` is served (`STAFFROOM_METRICS_ADDRESS`), apart from the
    /// public address; `None`: nowhere.
    pub metrics_address: Option<SocketAddr>,
    /// Certificate authorities trusted beside the built-in ones for every outgoing
    /// HTTPS request (`STAFFROOM_EXTRA_CA_FILE`): a school's own CA.
    pub extra_ca: Option<ExtraCa>,
    /// Host names that may be reached at private addresses, over https
    /// (`STAFFROOM_INTERNAL_HOSTS`): servers on the school's own network.
    pub internal_hosts: Vec<String>,
}

/// The PEM file of `STAFFROOM_EXTRA_CA_FILE`, read and checked at start.
#[derive(Clone)]
pub struct ExtraCa {
    pub path: PathBuf,
    /// The file's PEM text: one or more certificates.
    pub pem: std::sync::Arc<Vec<u8>>,
    /// How many certificates it holds.
    pub count: usize,
}

impl fmt::Debug for ExtraCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ExtraCa({}, {} certificates)",
            self.path.display(),
            self.count
        )
    }
}

fn read_extra_ca(path: &str) -> Result<ExtraCa, ConfigError> {
    let path = PathBuf::from(path.trim());
    let pem = std::fs::read(&path).map_err(|e| {
        ConfigError(format!(
            "STAFFROOM_EXTRA_CA_FILE={}: cannot read it ({e}); give the path of a PEM file of CA certificates",
            path.display()
        ))
    })?;
    let count = openssl::x509::X509::stack_from_pem(&pem)
        .map(|certs| certs.len())
        .unwrap_or(0);
    if count == 0 {
        return Err(ConfigError(format!(
            "STAFFROOM_EXTRA_CA_FILE={} holds no PEM certificate (-----BEGIN CERTIFICATE-----): give your CA's certificate in PEM form",
            path.display()
        )));
    }
    Ok(ExtraCa {
        path,
        pem: std::sync::Arc::new(pem),
        count,
    })
}

fn parse_internal_hosts(value: &str) -> Result<Vec<String>, ConfigError> {
    let mut hosts = Vec::new();
    for host in value
        .split([',', ' '])
        .map(str::trim)
        .filter(|h| !h.is_empty())
    {
        let valid = host.len() <= 253
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
            && host.contains('.')
            && !host.starts_with(['.', '-']);
        if !valid {
            return Err(ConfigError(format!(
                "STAFFROOM_INTERNAL_HOSTS: {host:?} is not a host name; give names without scheme or port, separated by commas (relay.school.internal,files.school.internal)"
            )));
        }
        hosts.push(host.to_ascii_lowercase());
    }
    Ok(hosts)
}

/// The default budget for copies of other servers' images: a few thousand photos,
/// small enough for a Raspberry Pi's card.
pub const DEFAULT_MEDIA_CACHE_MB: u64 = 1024;

/// `STAFFROOM_MEDIA_STORE` (docs/configuration.md, "Media").
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum MediaStoreKind {
    /// Files under `$STAFFROOM_DATA_DIR/media`.
    #[default]
    Local,
    /// An S3-compatible bucket, shared by every `serve` of the instance.
    S3(S3Settings),
}

/// Where the bucket is and how to sign for it (`STAFFROOM_S3_*`, `AWS_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    /// `None`: Amazon S3 itself, found from the region.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
}

/// `STAFFROOM_FEDERATION_MODE` (docs/security.md, "Allowlist mode").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FederationMode {
    /// Everyone but blocked servers.
    #[default]
    Open,
    /// Only servers added with `staffroom domain allow` (and not blocked).
    Allowlist,
}

/// Default of `STAFFROOM_INBOX_RATE_PER_HOST`: 50 a second sustained, a minute's
/// worth at once.
pub const DEFAULT_INBOX_RATE_PER_HOST: u32 = 3_000;

/// How the outgoing queue sends (docs/federation.md, "Delivery").
#[derive(Clone, Debug)]
pub struct DeliverySettings {
    /// Requests in flight at once, over all hosts.
    pub concurrency: usize,
    /// Requests in flight at once to one host.
    pub per_host: usize,
    /// Time allowed for one delivery request, connection included.
    pub timeout: Duration,
    /// Wait before the first retry; each further retry waits twice as long, up to six hours.
    pub retry_base: Duration,
    /// Give up on a delivery this long after the activity was made.
    pub max_age: Duration,
    /// A host failing for longer than this (and at least 8 times in a row) is marked
    /// unavailable: its deliveries wait, and one is tried every `probe_interval`.
    pub unavailable_after: Duration,
    pub probe_interval: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            concurrency: 256,
            per_host: 8,
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(30),
            max_age: Duration::from_secs(3 * 24 * 3600),
            unavailable_after: Duration::from_secs(24 * 3600),
            probe_interval: Duration::from_secs(3600),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A value that must never reach a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(String);

/// The TOML file's shape; unknown keys are refused so a typo does not pass silently.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    domain: Option<String>,
    bind: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    dev: Option<bool>,
    db_pool_size: Option<usize>,
    log_format: Option<String>,
    pg_bin_dir: Option<PathBuf>,
    contact_email: Option<String>,
    source_url: Option<String>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    metrics_address: Option<String>,
}

impl Settings {
    /// Reads the file (if given) and the process environment.
    pub fn load(config_file: Option<&Path>) -> Result<Settings, ConfigError> {
        Settings::load_with(config_file, |name| std::env::var(name).ok())
    }

    pub fn load_with(
        config_file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let file = match config_file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError(format!("cannot read config file {}: {e}", path.display()))
                })?;
                toml::from_str::<FileSettings>(&text).map_err(|e| {
                    ConfigError(format!(
                        "config file {} is not valid: {}",
                        path.display(),
                        e.message()
                    ))
                })?
            }
            None => FileSettings::default(),
        };
        // An empty variable counts as unset, as shells and compose files produce them.
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());

        let domain = match env("STAFFROOM_DOMAIN").or(file.domain) {
            Some(d) => Some(validate_domain(&d)?),
            None => None,
        };
        let bind_text = env("STAFFROOM_BIND")
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.into());
        let bind = bind_text.trim().parse::<SocketAddr>().map_err(|_| {
            ConfigError(format!(
                "STAFFROOM_BIND={bind_text:?} is not an address to listen on: use IP:PORT, such as 127.0.0.1:8080 or 0.0.0.0:8080"
            ))
        })?;
        let database_url = match env("DATABASE_URL").or(file.database_url) {
            Some(url) => {
                let url = url.trim().to_string();
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                    return Err(ConfigError(
                        "DATABASE_URL must be a PostgreSQL URL (postgres://user@host:port/database); unset it to let Staffroom run its own database".into(),
                    ));
                }
                Some(Secret(url))
            }
            None => None,
        };
        let data_dir = env("STAFFROOM_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let dev = match env("STAFFROOM_DEV") {
            Some(v) => parse_bool("STAFFROOM_DEV", &v)?,
            None => file.dev.unwrap_or(false),
        };
        let db_pool_size = match env("STAFFROOM_DB_POOL_SIZE") {
            Some(v) => v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    ConfigError(format!(
                        "STAFFROOM_DB_POOL_SIZE={v:?} must be a whole number from 1 to 1000"
                    ))
                })?,
            None => file.db_pool_size.unwrap_or(10),
        };
        let log_format = match env("STAFFROOM_LOG_FORMAT")
            .or(file.log_format)
            .as_deref()
            .map(str::trim)
        {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "STAFFROOM_LOG_FORMAT={other:?} must be \"text\" or \"json\""
                )))
            }
        };
        let pg_bin_dir = env("STAFFROOM_PG_BIN_DIR")
            .map(PathBuf::from)
            .or(file.pg_bin_dir);
        let number = |name: &str, default: u64, min: u64, max: u64| -> Result<u64, ConfigError> {
            match env(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| {
                        ConfigError(format!(
                            "{name}={v:?} must be a whole number from {min} to {max}"
                        ))
                    }),
            }
        };
        let d = DeliverySettings::default();
        let delivery = DeliverySettings {
            concurrency: number(
                "STAFFROOM_DELIVERY_CONCURRENCY",
                d.concurrency as u64,
                1,
                10_000,
            )? as usize,
            per_host: number("STAFFROOM_DELIVERY_PER_HOST", d.per_host as u64, 1, 1000)? as usize,
            timeout: Duration::from_millis(number(
                "STAFFROOM_DELIVERY_TIMEOUT_MS",
                d.timeout.as_millis() as u64,
                100,
                600_000,
            )?),
            retry_base: Duration::from_millis(number(
                "STAFFROOM_DELIVERY_RETRY_BASE_MS",
                d.retry_base.as_millis() as u64,
                10,
                86_400_000,
            )?),
            max_age: Duration::from_secs(number(
                "STAFFROOM_DELIVERY_MAX_AGE_SECS",
                d.max_age.as_secs(),
                1,
                90 * 86_400,
            )?),
            unavailable_after: Duration::from_secs(number(
                "STAFFROOM_DELIVERY_UNAVAILABLE_AFTER_SECS",
                d.unavailable_after.as_secs(),
                0,
                90 * 86_400,
            )?),
            probe_interval: Duration::from_millis(number(
                "STAFFROOM_DELIVERY_PROBE_MS",
                d.probe_interval.as_millis() as u64,
                10,
                86_400_000,
            )?),
        };
        let contact_email = env("STAFFROOM_CONTACT_EMAIL")
            .or(file.contact_email)
            .map(|e| e.trim().to_string());
        if let Some(email) = &contact_email {
            if !email.contains('@') || email.contains(char::is_whitespace) {
                return Err(ConfigError(format!(
                    "STAFFROOM_CONTACT_EMAIL={email:?} must be an email address"
                )));
            }
        }
        let source_url = env("STAFFROOM_SOURCE_URL")
            .or(file.source_url)
            .map(|u| u.trim().to_string());
        if let Some(u) = &source_url {
            if url::Url::parse(u).is_err() {
                return Err(ConfigError(format!(
                    "STAFFROOM_SOURCE_URL={u:?} must be an absolute URL"
                )));
            }
        }
        let inbox_rate_per_host = number(
            "STAFFROOM_INBOX_RATE_PER_HOST",
            DEFAULT_INBOX_RATE_PER_HOST.into(),
            1,
            1_000_000,
        )? as u32;
        let federation_mode = match env("STAFFROOM_FEDERATION_MODE").as_deref().map(|m| m.trim().to_ascii_lowercase()).as_deref() {
            None | Some("open") => FederationMode::Open,
            Some("allowlist") => FederationMode::Allowlist,
            Some(other) => {
                return Err(ConfigError(format!(
                    "STAFFROOM_FEDERATION_MODE={other:?} must be \"open\" (everyone but blocked servers) or \"allowlist\" (only servers added with staffroom domain allow)"
                )))
            }
        };
        let media_store = match env("STAFFROOM_MEDIA_STORE").as_deref().map(|m| m.trim().to_ascii_lowercase()).as_deref() {
            None | Some("local") => MediaStoreKind::Local,
            Some("s3") => MediaStoreKind::S3(s3_settings(&env)?),
            Some(other) => {
                return Err(ConfigError(format!(
                    "STAFFROOM_MEDIA_STORE={other:?} must be \"local\" (files under STAFFROOM_DATA_DIR/media) or \"s3\" (an S3-compatible bucket, with STAFFROOM_S3_BUCKET and friends)"
                )))
            }
        };
        let media_base_url = env("STAFFROOM_MEDIA_BASE_URL")
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty());
        if let Some(u) = &media_base_url {
            if !(u.starts_with("https://") || u.starts_with("http://"))
                || url::Url::parse(u).is_err()
            {
                return Err(ConfigError(format!("STAFFROOM_MEDIA_BASE_URL={u:?} must be an absolute http(s) URL, such as https://cdn.example/media")));
            }
        }
        let media_cache_bytes = match env("STAFFROOM_MEDIA_CACHE_MB") {
            None => DEFAULT_MEDIA_CACHE_MB * 1024 * 1024,
            // Fractions are allowed: a test, or a very small device, may want half a megabyte.
            Some(v) => match v.trim().parse::<f64>() {
                Ok(mb) if mb.is_finite() && (0.0..=16.0 * 1024.0 * 1024.0).contains(&mb) => (mb * 1024.0 * 1024.0) as u64,
                _ => {
                    return Err(ConfigError(format!(
                        "STAFFROOM_MEDIA_CACHE_MB={v:?} must be a number of megabytes (0 keeps no copies of other servers' images; the default is {DEFAULT_MEDIA_CACHE_MB})"
                    )))
                }
            },
        };
        let smtp_url = match env("STAFFROOM_SMTP_URL").or(file.smtp_url) {
            Some(u) => {
                let u = u.trim().to_string();
                let parsed = url::Url::parse(&u)
                    .ok()
                    .filter(|p| matches!(p.scheme(), "smtp" | "smtps") && p.host_str().is_some());
                if parsed.is_none() {
                    // The value may hold a password: it is not repeated.
                    return Err(ConfigError(
                        "STAFFROOM_SMTP_URL must be an SMTP URL: smtp://host:port (plain, or STARTTLS with ?tls=required), smtps://host:port (TLS), with user:password@ before the host if the server asks".into(),
                    ));
                }
                Some(Secret(u))
            }
            None => None,
        };
        let mail_from = env("STAFFROOM_MAIL_FROM")
            .or(file.mail_from)
            .map(|m| m.trim().to_string());
        if let Some(from) = &mail_from {
            if from.parse::<lettre::message::Mailbox>().is_err() {
                return Err(ConfigError(format!("STAFFROOM_MAIL_FROM={from:?} must be an address, such as staffroom@school.example or \"Staffroom <staffroom@school.example>\"")));
            }
        }
        let metrics_address = match env("STAFFROOM_METRICS_ADDRESS").or(file.metrics_address) {
            Some(a) => Some(a.trim().parse::<SocketAddr>().map_err(|_| {
                ConfigError(format!("STAFFROOM_METRICS_ADDRESS={a:?} is not an address to listen on: use IP:PORT, such as 127.0.0.1:9090"))
            })?),
            None => None,
        };
        let extra_ca = match env("STAFFROOM_EXTRA_CA_FILE") {
            Some(path) => Some(read_extra_ca(&path)?),
            None => None,
        };
        let internal_hosts = match env("STAFFROOM_INTERNAL_HOSTS") {
            Some(v) => parse_internal_hosts(&v)?,
            None => Vec::new(),
        };
        if metrics_address.is_some_and(|m| m == bind) {
            return Err(ConfigError("STAFFROOM_METRICS_ADDRESS must differ from STAFFROOM_BIND: metrics are kept off the public address".into()));
        }
        Ok(Settings {
            extra_ca,
            internal_hosts,
            smtp_url,
            mail_from,
            metrics_address,
            media_store,
            media_base_url,
            media_cache_bytes,
            domain,
            bind,
            database_url,
            data_dir,
            dev,
            db_pool_size,
            log_format,
            pg_bin_dir,
            delivery,
            inbox_rate_per_host,
            federation_mode,
            contact_email,
            source_url,
        })
    }

    /// The public host, which `serve` cannot run without.
    pub fn require_domain(&self) -> Result<&str, ConfigError> {
        self.domain.as_deref().ok_or_else(|| {
            ConfigError(
                "STAFFROOM_DOMAIN is not set: set it to the public host name of this instance, such as staffroom.example-school.org (or localhost:8080 with STAFFROOM_DEV=true)".into(),
            )
        })
    }

    pub fn scheme(&self) -> &'static str {
        if self.dev {
            "http"
        } else {
            "https"
        }
    }
}

/// The `s3` store's settings; each missing or malformed one is named.
fn s3_settings(env: &impl Fn(&str) -> Option<String>) -> Result<S3Settings, ConfigError> {
    let required = |name: &str, what: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .ok_or_else(|| ConfigError(format!("STAFFROOM_MEDIA_STORE=s3 needs {name}: {what}")))
    };
    let endpoint = env("STAFFROOM_S3_ENDPOINT").map(|u| u.trim().trim_end_matches('/').to_string());
    if let Some(u) = &endpoint {
        let parsed = url::Url::parse(u)
            .ok()
            .filter(|p| matches!(p.scheme(), "http" | "https") && p.host_str().is_some());
        if parsed.is_none() {
            return Err(ConfigError(format!(
                "STAFFROOM_S3_ENDPOINT={u:?} must be the bucket server's http(s) URL, such as https://s3.eu-central-1.amazonaws.com or http://127.0.0.1:8333"
            )));
        }
    }
    let bucket = required(
        "STAFFROOM_S3_BUCKET",
        "the name of the bucket media files are kept in",
    )?;
    let valid_bucket = (3..=63).contains(&bucket.len())
        && bucket
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && !bucket.starts_with(['-', '.'])
        && !bucket.ends_with(['-', '.']);
    if !valid_bucket {
        return Err(ConfigError(format!(
            "STAFFROOM_S3_BUCKET={bucket:?} is not a bucket name: 3 to 63 lower-case letters, digits, dots and hyphens"
        )));
    }
    let region = env("STAFFROOM_S3_REGION")
        .map(|r| r.trim().to_string())
        .unwrap_or_else(|| "us-east-1".into());
    if !region
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ConfigError(format!(
            "STAFFROOM_S3_REGION={region:?} is not a region name, such as eu-central-1"
        )));
    }
    Ok(S3Settings {
        endpoint,
        bucket,
        region,
        access_key_id: Secret(required(
            "AWS_ACCESS_KEY_ID",
            "the access key of a user allowed to read, write and delete in the bucket",
        )?),
        secret_access_key: Secret(required(
            "AWS_SECRET_ACCESS_KEY",
            "the secret key that goes with AWS_ACCESS_KEY_ID",
        )?),
    })
}

fn parse_bool(name: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError(format!(
            "{name}={value:?} must be true or false"
        ))),
    }
}

/// A bare host with an optional port: what goes after `https://` in every id we mint.
fn validate_domain(raw: &str) -> Result<String, ConfigError> {
    let domain = raw.trim().to_ascii_lowercase();
    let bad = || {
        ConfigError(format!(
            "STAFFROOM_DOMAIN={raw:?} is not a host name: give the bare public host, with :port only when it is not 443 (for example staffroom.example.org or localhost:8080), without https:// or a path"
        ))
    };
    if domain.is_empty() || domain.contains("://") || domain.contains('/') || domain.contains('@') {
        return Err(bad());
    }
    let url = url::Url::parse(&format!("http://{domain}/")).map_err(|_| bad())?;
    let host = url.host_str().ok_or_else(bad)?;
    let rebuilt = match domain.rsplit_once(':') {
        Some((_, port)) if !domain.ends_with(']') => {
            port.parse::<u16>().map_err(|_| bad())?;
            format!("{host}:{port}")
        }
        _ => host.to_string(),
    };
    if rebuilt != domain || host.ends_with('.') || host.starts_with('.') {
        return Err(bad());
    }
    Ok(domain)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_with(None, |name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let s = load(&[]).unwrap();
        assert_eq!(s.bind.to_string(), DEFAULT_BIND);
        assert_eq!(s.data_dir, PathBuf::from(DEFAULT_DATA_DIR));
        assert!(!s.dev);
        assert!(s.database_url.is_none());
        assert!(s.require_domain().is_err());
        assert_eq!(s.scheme(), "https");
        assert_eq!(s.federation_mode, FederationMode::Open);
        assert_eq!(s.inbox_rate_per_host, DEFAULT_INBOX_RATE_PER_HOST);
        assert_eq!(
            load(&[("STAFFROOM_FEDERATION_MODE", "Allowlist")])
                .unwrap()
                .federation_mode,
            FederationMode::Allowlist
        );
    }

    #[test]
    fn domains_are_bare_hosts_with_optional_ports() {
        for good in [
            "example.org",
            "Staffroom.Example.org",
            "localhost:8080",
            "127.0.0.1:3000",
        ] {
            let s = load(&[("STAFFROOM_DOMAIN", good)]).unwrap();
            assert_eq!(
                s.domain.as_deref(),
                Some(good.to_ascii_lowercase().as_str())
            );
        }
        for bad in [
            "https://example.org",
            "example.org/path",
            "exa mple.org",
            "example.org:99999",
            "a@b",
            ":80",
            "example.org.",
        ] {
            let err = load(&[("STAFFROOM_DOMAIN", bad)]).unwrap_err().to_string();
            assert!(err.contains("STAFFROOM_DOMAIN"), "{bad}: {err}");
        }
    }

    #[test]
    fn bad_values_name_the_setting() {
        let cases = [
            ("STAFFROOM_BIND", "localhost"),
            ("STAFFROOM_DEV", "maybe"),
            ("DATABASE_URL", "mysql://x"),
            ("STAFFROOM_DB_POOL_SIZE", "0"),
            ("STAFFROOM_LOG_FORMAT", "xml"),
            ("STAFFROOM_INBOX_RATE_PER_HOST", "0"),
            ("STAFFROOM_FEDERATION_MODE", "closed"),
            ("STAFFROOM_MEDIA_STORE", "ftp"),
            ("STAFFROOM_MEDIA_CACHE_MB", "-1"),
            ("STAFFROOM_MEDIA_CACHE_MB", "lots"),
            ("STAFFROOM_SMTP_URL", "mail.example:25"),
            ("STAFFROOM_MAIL_FROM", "not an address"),
            ("STAFFROOM_METRICS_ADDRESS", "9090"),
        ];
        for (name, value) in cases {
            let err = load(&[(name, value)]).unwrap_err().to_string();
            assert!(err.contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn environment_overrides_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("staffroom.toml");
        std::fs::write(
            &path,
            "domain = \"file.example\"\nbind = \"0.0.0.0:9000\"\ndev = true\n",
        )
        .unwrap();
        let s = Settings::load_with(Some(&path), |name| {
            (name == "STAFFROOM_DOMAIN").then(|| "env.example".to_string())
        })
        .unwrap();
        assert_eq!(s.domain.as_deref(), Some("env.example"));
        assert_eq!(s.bind.to_string(), "0.0.0.0:9000");
        assert!(s.dev);
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("staffroom.toml");
        std::fs::write(&path, "domian = \"typo.example\"\n").unwrap();
        let err = Settings::load_with(Some(&path), |_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("domian"), "{err}");
    }

    #[test]
    fn s3_needs_its_bucket_and_credentials() {
        let full = [
            ("STAFFROOM_MEDIA_STORE", "s3"),
            ("STAFFROOM_S3_ENDPOINT", "http://127.0.0.1:8333/"),
            ("STAFFROOM_S3_BUCKET", "school-media"),
            ("AWS_ACCESS_KEY_ID", "key"),
            ("AWS_SECRET_ACCESS_KEY", "hunter2"),
        ];
        let s = load(&full).unwrap();
        let MediaStoreKind::S3(s3) = &s.media_store else {
            panic!("not s3: {:?}", s.media_store)
        };
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:8333"));
        assert_eq!(s3.region, "us-east-1");
        assert!(!format!("{s:?}").contains("hunter2"));
        for (i, (name, _)) in full.iter().enumerate().skip(2) {
            let without: Vec<_> = full
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, v)| *v)
                .collect();
            let err = load(&without).unwrap_err().to_string();
            assert!(err.contains(name), "{name}: {err}");
        }
        let mut bad = full.to_vec();
        bad[2] = ("STAFFROOM_S3_BUCKET", "Has Spaces");
        assert!(load(&bad)
            .unwrap_err()
            .to_string()
            .contains("STAFFROOM_S3_BUCKET"));
        let mut bad = full.to_vec();
        bad[1] = ("STAFFROOM_S3_ENDPOINT", "s3.example");
        assert!(load(&bad)
            .unwrap_err()
            .to_string()
            .contains("STAFFROOM_S3_ENDPOINT"));
    }

    #[test]
    fn database_url_never_prints() {
        let s = load(&[
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
            ("STAFFROOM_SMTP_URL", "smtp://u:hunter3@mail.example:587"),
        ])
        .unwrap();
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s:?}").contains("hunter3"));
        let bad = load(&[("STAFFROOM_SMTP_URL", "imap://u:hunter4@mail.example")])
            .unwrap_err()
            .to_string();
        assert!(!bad.contains("hunter4"), "{bad}");
    }
}
