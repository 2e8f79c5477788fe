//! HTTPS for tests that need real host names on port 443 (tests/relays.rs): a test
//! certificate authority made with OpenSSL, and a small TLS terminator (rustls) that
//! listens on `ADDRESS:443` and passes each connection, by the name it asked for
//! (SNI), to a plain-HTTP server on 127.0.0.1, as a reverse proxy in front of a real
//! server does. Names come from /etc/hosts (tests/relays/setup.sh writes them).

use openssl::{
    asn1::Asn1Time,
    bn::{BigNum, MsbOption},
    hash::MessageDigest,
    pkey::{PKey, Private},
    rsa::Rsa,
    x509::{
        extension::{BasicConstraints, KeyUsage, SubjectAlternativeName},
        X509NameBuilder, X509,
    },
};
use std::{collections::HashMap, net::SocketAddr, path::PathBuf, sync::Arc};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::{
    rustls::{
        self,
        pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
    },
    TlsAcceptor,
};

/// A test CA and one server certificate for every name given.
pub struct TestCa {
    /// The CA's certificate in PEM form: what clients are told to trust.
    pub ca_file: PathBuf,
    cert: X509,
    ca: X509,
    key: PKey<Private>,
    _dir: tempfile::TempDir,
}

fn name(cn: &str) -> openssl::x509::X509Name {
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_text("CN", cn).unwrap();
    n.build()
}

fn serial() -> openssl::asn1::Asn1Integer {
    let mut bn = BigNum::new().unwrap();
    bn.rand(64, MsbOption::MAYBE_ZERO, false).unwrap();
    bn.to_asn1_integer().unwrap()
}

impl TestCa {
    pub fn new(names: &[&str]) -> TestCa {
        let ca_key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut ca = X509::builder().unwrap();
        ca.set_version(2).unwrap();
        ca.set_serial_number(&serial()).unwrap();
        ca.set_subject_name(&name("Staffroom test CA")).unwrap();
        ca.set_issuer_name(&name("Staffroom test CA")).unwrap();
        ca.set_pubkey(&ca_key).unwrap();
        ca.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        ca.set_not_after(&Asn1Time::days_from_now(2).unwrap())
            .unwrap();
        ca.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
        ca.append_extension(
            KeyUsage::new()
                .critical()
                .key_cert_sign()
                .crl_sign()
                .build()
                .unwrap(),
        )
        .unwrap();
        ca.sign(&ca_key, MessageDigest::sha256()).unwrap();
        let ca = ca.build();

        let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
        let mut cert = X509::builder().unwrap();
        cert.set_version(2).unwrap();
        cert.set_serial_number(&serial()).unwrap();
        cert.set_subject_name(&name(names[0])).unwrap();
        cert.set_issuer_name(ca.subject_name()).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        cert.set_not_after(&Asn1Time::days_from_now(2).unwrap())
            .unwrap();
        let mut san = SubjectAlternativeName::new();
        for n in names {
            san.dns(n);
        }
        let san = san.build(&cert.x509v3_context(Some(&ca), None)).unwrap();
        cert.append_extension(san).unwrap();
        cert.append_extension(BasicConstraints::new().build().unwrap())
            .unwrap();
        cert.sign(&ca_key, MessageDigest::sha256()).unwrap();
        let cert = cert.build();

        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.to_pem().unwrap()).unwrap();
        TestCa {
            ca_file,
            cert,
            ca,
            key,
            _dir: dir,
        }
    }

    /// The CA certificate for a reqwest client of the test itself.
    pub fn reqwest_root(&self) -> reqwest::Certificate {
        reqwest::Certificate::from_pem(&self.ca.to_pem().unwrap()).unwrap()
    }

    /// Starts the terminator on `listen` (e.g. 127.77.1.1:443): a connection for
    /// `name` goes to `127.0.0.1:routes[name]`. Stops with the test's runtime.
    pub async fn terminate(&self, listen: SocketAddr, routes: HashMap<String, u16>) {
        let chain = vec![
            CertificateDer::from(self.cert.to_der().unwrap()),
            CertificateDer::from(self.ca.to_der().unwrap()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            self.key.private_key_to_pkcs8().unwrap(),
        ));
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind(listen).await.unwrap_or_else(|e| {
            panic!("cannot listen on {listen} ({e}): the relay tests bind port 443 as root")
        });
        let routes = Arc::new(routes);
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let routes = routes.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let port = tls
                        .get_ref()
                        .1
                        .server_name()
                        .and_then(|n| routes.get(&n.to_ascii_lowercase()).copied());
                    let Some(port) = port else { return };
                    let Ok(mut backend) = TcpStream::connect(("127.0.0.1", port)).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut backend).await;
                });
            }
        });
    }
}
