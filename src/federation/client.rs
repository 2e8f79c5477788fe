//! The one HTTP client for everything we send to other servers (fetches, WebFinger,
//! deliveries). Outside development mode it refuses plain http and, at connect time,
//! every address that is not public, so neither DNS tricks nor redirects can point
//! it at the school's own network.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};
use url::Url;

pub const MAX_REDIRECTS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("{0} is not an http(s) URL we may fetch")]
    Scheme(String),
    #[error("{0} points at a private or local address, which is refused outside development mode")]
    Forbidden(String),
    #[error("the response from {0} is larger than {1} bytes")]
    TooLarge(String, usize),
    #[error("request to {url} failed: {source}")]
    Http { url: String, source: reqwest::Error },
}

/// Whether an address must never be contacted from a production server.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden_v4(v4);
            }
            let seg0 = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg0 & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg0 & 0xffc0) == 0xfec0 // site-local (deprecated)
                || (seg0 == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
                || (seg0 == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64 can reach IPv4 privates
                || v6.segments()[..6] == [0, 0, 0, 0, 0, 0] // IPv4-compatible
        }
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (18..20).contains(&o[1])) // benchmarking
        || o[0] >= 240 // reserved
}

/// For tests of the address rules only (tests/ssrf.rs), never reachable from
/// settings: names answered from `hosts` instead of DNS, plain http allowed to those
/// names, and `permit` the one private address that may be contacted, so a test
/// server on 127.0.0.2 can answer while everything else stays refused.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct TestNetwork {
    pub hosts: Vec<(String, IpAddr)>,
    pub permit: Option<IpAddr>,
}

impl TestNetwork {
    fn allows(&self, ip: IpAddr) -> bool {
        !is_forbidden_ip(ip) || self.permit == Some(ip)
    }

    fn knows(&self, host: &str) -> bool {
        self.hosts.iter().any(|(h, _)| h.eq_ignore_ascii_case(host))
            || self
                .permit
                .is_some_and(|p| host.trim_matches(['[', ']']).parse() == Ok(p))
    }
}

/// Resolves names and drops forbidden addresses, so the address connected to is
/// the address checked. Names the admin listed in `STAFFROOM_INTERNAL_HOSTS` may
/// resolve to private addresses: servers on the school's own network.
struct PublicOnlyResolver {
    network: Arc<TestNetwork>,
    internal: Arc<Vec<String>>,
}

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let network = self.network.clone();
        let internal = self.internal.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            if internal.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
                let addrs: Vec<SocketAddr> =
                    tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
                return Ok(Box::new(addrs.into_iter()) as Addrs);
            }
            let addrs: Vec<SocketAddr> = match network
                .hosts
                .iter()
                .find(|(h, _)| h.eq_ignore_ascii_case(&host))
            {
                Some((_, ip)) => vec![SocketAddr::new(*ip, 0)],
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let allowed: Vec<SocketAddr> = addrs
                .into_iter()
                .filter(|a| network.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(ClientError::Forbidden(host))
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    dev: bool,
    network: Arc<TestNetwork>,
}

/// What the admin lets the client reach beyond the public internet's defaults.
#[derive(Clone, Default)]
pub struct Reach {
    /// PEM certificates of authorities trusted beside the built-in roots
    /// (`STAFFROOM_EXTRA_CA_FILE`).
    pub extra_roots: Option<Arc<Vec<u8>>>,
    /// Names that may resolve to private addresses (`STAFFROOM_INTERNAL_HOSTS`).
    pub internal_hosts: Vec<String>,
}

impl Reach {
    pub fn from_settings(settings: &crate::config::Settings) -> Reach {
        Reach {
            extra_roots: settings.extra_ca.as_ref().map(|ca| ca.pem.clone()),
            internal_hosts: settings.internal_hosts.clone(),
        }
    }

    /// The extra roots as reqwest certificates (checked when settings were read).
    pub fn certificates(&self) -> anyhow::Result<Vec<reqwest::Certificate>> {
        match &self.extra_roots {
            Some(pem) => Ok(reqwest::Certificate::from_pem_bundle(pem)?),
            None => Ok(Vec::new()),
        }
    }
}

impl HttpClient {
    pub fn new(
        dev: bool,
        user_agent: &str,
        timeout: Duration,
        max_connections_per_host: usize,
        reach: &Reach,
    ) -> anyhow::Result<Self> {
        Self::build(
            dev,
            user_agent,
            timeout,
            max_connections_per_host,
            Arc::default(),
            reach,
        )
    }

    /// A production-mode client on a test network (see `TestNetwork`).
    #[doc(hidden)]
    pub fn for_tests(network: TestNetwork, timeout: Duration) -> anyhow::Result<Self> {
        Self::build(
            false,
            "Staffroom-test",
            timeout,
            2,
            Arc::new(network),
            &Reach::default(),
        )
    }

    fn build(
        dev: bool,
        user_agent: &str,
        timeout: Duration,
        max_connections_per_host: usize,
        network: Arc<TestNetwork>,
        reach: &Reach,
    ) -> anyhow::Result<Self> {
        let redirect_network = network.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            // `previous` holds the first URL too: MAX_REDIRECTS redirects make it one longer.
            if attempt.previous().len() > MAX_REDIRECTS {
                return attempt.error("too many redirects");
            }
            match check_url(attempt.url(), dev, &redirect_network) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .pool_max_idle_per_host(max_connections_per_host)
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(policy);
        for root in reach.certificates()? {
            builder = builder.add_root_certificate(root);
        }
        if !dev {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver {
                network: network.clone(),
                internal: Arc::new(reach.internal_hosts.clone()),
            }));
        }
        Ok(HttpClient {
            inner: builder.build()?,
            dev,
            network,
        })
    }

    pub fn dev(&self) -> bool {
        self.dev
    }

    /// Refuses URLs we must not contact, before any connection is made.
    pub fn check(&self, url: &Url) -> Result<(), ClientError> {
        check_url(url, self.dev, &self.network)
    }

    pub fn inner(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Reads at most `limit` bytes of a response body.
    pub async fn read_limited(
        url: &str,
        mut response: reqwest::Response,
        limit: usize,
    ) -> Result<Vec<u8>, ClientError> {
        if response
            .content_length()
            .is_some_and(|len| len as usize > limit)
        {
            return Err(ClientError::TooLarge(url.to_string(), limit));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|source| ClientError::Http {
            url: url.to_string(),
            source,
        })? {
            if body.len() + chunk.len() > limit {
                return Err(ClientError::TooLarge(url.to_string(), limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

fn check_url(url: &Url, dev: bool, network: &TestNetwork) -> Result<(), ClientError> {
    match url.scheme() {
        "https" => {}
        "http" if dev || url.host_str().is_some_and(|h| network.knows(h)) => {}
        _ => return Err(ClientError::Scheme(url.to_string())),
    }
    if dev {
        return Ok(());
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) if !network.allows(IpAddr::V4(ip)) => {
            Err(ClientError::Forbidden(url.to_string()))
        }
        Some(url::Host::Ipv6(ip)) if !network.allows(IpAddr::V6(ip)) => {
            Err(ClientError::Forbidden(url.to_string()))
        }
        Some(url::Host::Domain(d))
            if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") =>
        {
            Err(ClientError::Forbidden(url.to_string()))
        }
        None => Err(ClientError::Scheme(url.to_string())),
        _ => Ok(()),
    }
}

/// host[:port] of a URL, the unit of per-host limits and availability.
pub fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "::ffff:169.254.169.254",
            "::ffff:100.64.0.1",
            "100.127.255.254",
            "169.254.0.1",
            "ff02::1",
            "239.255.255.250",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "fd00::1",
            "198.18.0.1",
            "240.0.0.1",
            "192.0.0.8",
        ] {
            assert!(is_forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
        ] {
            assert!(!is_forbidden_ip(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn urls_are_checked_before_connecting() {
        let check =
            |u: &str, dev| check_url(&Url::parse(u).unwrap(), dev, &TestNetwork::default()).is_ok();
        assert!(check("https://mastodon.example/users/a", false));
        assert!(!check("http://mastodon.example/users/a", false));
        assert!(!check("https://127.0.0.1/users/a", false));
        assert!(!check("https://[::1]/users/a", false));
        assert!(!check("https://localhost/users/a", false));
        assert!(!check("ftp://mastodon.example/a", false));
        assert!(check("http://127.0.0.1:8080/users/a", true));
    }

    #[test]
    fn hosts_keep_non_default_ports() {
        assert_eq!(
            host_of(&Url::parse("https://a.example/inbox").unwrap()).unwrap(),
            "a.example"
        );
        assert_eq!(
            host_of(&Url::parse("https://a.example:443/inbox").unwrap()).unwrap(),
            "a.example"
        );
        assert_eq!(
            host_of(&Url::parse("http://127.0.0.1:8080/inbox").unwrap()).unwrap(),
            "127.0.0.1:8080"
        );
    }
}
