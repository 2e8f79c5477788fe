//! HTTP signatures (draft-cavage-http-signatures-12, as Mastodon signs and verifies
//! them) and the `Digest` header. RSA work is done by OpenSSL: constant-time, and
//! ten times faster than the pure-Rust `rsa` crate at verifying.

use chrono::{DateTime, Utc};
use openssl::{
    base64,
    hash::{hash, MessageDigest},
    pkey::{Id, PKey, Private, Public},
    sign::{Signer, Verifier},
};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the Signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error("the signature does not cover the {0} header")]
    MissingCoverage(&'static str),
    #[error("the signed header {0} is missing from the request")]
    MissingHeader(String),
    #[error("unsupported signature algorithm {0}")]
    Algorithm(String),
    /// RFC 9421 and Content-Digest problems; the message names the header.
    #[error("{0}")]
    Invalid(&'static str),
}

/// `SHA-256=<base64>` of a body.
pub fn digest(body: &[u8]) -> String {
    let sum = hash(MessageDigest::sha256(), body).expect("SHA-256 is always available");
    format!("SHA-256={}", base64::encode_block(&sum))
}

/// Whether a `Digest` header (possibly listing several algorithms) matches the body.
/// Only SHA-256 and SHA-512 count; a header with neither does not match.
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    let mut checked = false;
    for part in header.split(',') {
        let Some((alg, value)) = part.trim().split_once('=') else {
            continue;
        };
        let md = match alg.trim().to_ascii_uppercase().as_str() {
            "SHA-256" => MessageDigest::sha256(),
            "SHA-512" => MessageDigest::sha512(),
            _ => continue,
        };
        let Ok(expected) = base64::decode_block(value.trim()) else {
            return false;
        };
        let Ok(actual) = hash(md, body) else {
            return false;
        };
        if expected.len() != actual.len() || !openssl::memcmp::eq(&expected, &actual) {
            return false;
        }
        checked = true;
    }
    checked
}

/// An HTTP date, as the `Date` header carries it.
pub fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub fn parse_http_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Signs a request. `headers` are the (lower-case name, value) pairs to cover, in
/// order, after `(request-target)`. Returns the `Signature` header's value.
pub fn sign(
    key: &PKey<Private>,
    key_id: &str,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
) -> Result<String, openssl::error::ErrorStack> {
    let mut names = vec!["(request-target)"];
    let mut lines = vec![format!(
        "(request-target): {} {}",
        method.to_ascii_lowercase(),
        path_and_query
    )];
    for (name, value) in headers {
        names.push(name);
        lines.push(format!("{name}: {}", value.trim()));
    }
    let mut signer = Signer::new(MessageDigest::sha256(), key)?;
    signer.update(lines.join("\n").as_bytes())?;
    let signature = base64::encode_block(&signer.sign_to_vec()?);
    Ok(format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{signature}\"",
        names.join(" ")
    ))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSignature {
    pub key_id: String,
    pub algorithm: Option<String>,
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
}

const MAX_SIGNED_HEADERS: usize = 32;

/// Parses `keyId="…",algorithm="…",headers="…",signature="…"`.
pub fn parse(value: &str) -> Result<ParsedSignature, SignatureError> {
    if value.len() > 8192 {
        return Err(SignatureError::Malformed("too long"));
    }
    let (mut key_id, mut algorithm, mut headers, mut signature, mut created, mut expires) =
        (None, None, None, None, None, None);
    let mut rest = value.trim();
    let mut seen: Vec<String> = Vec::new();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or(SignatureError::Malformed("expected name=value"))?;
        let name = name.trim().to_ascii_lowercase();
        // One meaning per parameter: a second keyId or signature is an attempt to confuse.
        if seen.contains(&name) {
            return Err(SignatureError::Malformed("a parameter appears twice"));
        }
        seen.push(name.clone());
        let after = after.trim_start();
        let (val, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or(SignatureError::Malformed("unterminated quote"))?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        match name.as_str() {
            "keyid" => key_id = Some(val.to_string()),
            "algorithm" => algorithm = Some(val.to_ascii_lowercase()),
            "headers" => {
                headers = Some(
                    val.split_ascii_whitespace()
                        .map(|h| h.to_ascii_lowercase())
                        .collect::<Vec<_>>(),
                )
            }
            "signature" => {
                signature = Some(
                    base64::decode_block(val)
                        .map_err(|_| SignatureError::Malformed("signature is not base64"))?,
                )
            }
            "created" => {
                created = Some(
                    val.parse()
                        .map_err(|_| SignatureError::Malformed("created is not a number"))?,
                )
            }
            "expires" => {
                expires = Some(
                    val.parse()
                        .map_err(|_| SignatureError::Malformed("expires is not a number"))?,
                )
            }
            _ => {}
        }
        rest = remaining.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or(SignatureError::Malformed("no keyId"))?;
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or(SignatureError::Malformed("no signature"))?;
    if let Some(alg) = &algorithm {
        if !matches!(alg.as_str(), "rsa-sha256" | "hs2019") {
            return Err(SignatureError::Algorithm(alg.clone()));
        }
    }
    // The draft's default when `headers` is absent is `date` alone.
    let headers = headers.unwrap_or_else(|| vec!["date".to_string()]);
    if headers.len() > MAX_SIGNED_HEADERS {
        return Err(SignatureError::Malformed("too many signed headers"));
    }
    Ok(ParsedSignature {
        key_id,
        algorithm,
        headers,
        signature,
        created,
        expires,
    })
}

/// The string the sender signed, rebuilt from the request. `header` returns a
/// request header's value (several values joined with ", ").
pub fn signing_string(
    sig: &ParsedSignature,
    method: &str,
    path_and_query: &str,
    header: impl Fn(&str) -> Option<String>,
) -> Result<String, SignatureError> {
    let mut lines = Vec::with_capacity(sig.headers.len());
    for name in &sig.headers {
        let line = match name.as_str() {
            "(request-target)" => format!(
                "(request-target): {} {}",
                method.to_ascii_lowercase(),
                path_and_query
            ),
            "(created)" => format!(
                "(created): {}",
                sig.created.ok_or(SignatureError::Malformed(
                    "(created) signed without created"
                ))?
            ),
            "(expires)" => format!(
                "(expires): {}",
                sig.expires.ok_or(SignatureError::Malformed(
                    "(expires) signed without expires"
                ))?
            ),
            other => {
                let value = header(other)
                    .ok_or_else(|| SignatureError::MissingHeader(other.to_string()))?;
                format!("{other}: {}", value.trim())
            }
        };
        lines.push(line);
    }
    Ok(lines.join("\n"))
}

/// Checks a signature with whichever key the signer published: RSASSA-PKCS1-v1_5
/// SHA-256 for RSA keys, Ed25519 for Ed25519 keys. `alg`, when the sender named
/// one, must agree with the key (so nobody can make us read a signature as
/// another algorithm's).
pub fn verify_signature(
    key: &PKey<Public>,
    alg: Option<&str>,
    data: &[u8],
    signature: &[u8],
) -> bool {
    let id = key.id();
    if id == Id::RSA
        && matches!(
            alg,
            None | Some("rsa-sha256" | "hs2019" | "rsa-v1_5-sha256")
        )
    {
        verify_rsa_sha256(key, data, signature)
    } else if id == Id::ED25519 && matches!(alg, None | Some("hs2019" | "ed25519")) {
        match Verifier::new_without_digest(key) {
            Ok(mut verifier) => verifier.verify_oneshot(signature, data).unwrap_or(false),
            Err(_) => false,
        }
    } else {
        false
    }
}

/// An Ed25519 public key from a Multikey's `publicKeyMultibase` (FEP-521a, as
/// Fedify publishes them in `assertionMethod`): base58btc (`z`), the multicodec
/// prefix 0xed 0x01, then the 32 key bytes.
pub fn ed25519_from_multibase(value: &str) -> Option<PKey<Public>> {
    let encoded = value.strip_prefix('z')?;
    if encoded.len() > 64 {
        return None;
    }
    let bytes = base58_decode(encoded)?;
    match bytes.as_slice() {
        [0xed, 0x01, key @ ..] if key.len() == 32 => {
            PKey::public_key_from_raw_bytes(key, Id::ED25519).ok()
        }
        _ => None,
    }
}

/// The `publicKeyMultibase` of an Ed25519 key (the inverse of `ed25519_from_multibase`).
pub fn ed25519_multibase<T: openssl::pkey::HasPublic>(key: &PKey<T>) -> String {
    let mut bytes = vec![0xed, 0x01];
    bytes.extend(key.raw_public_key().unwrap_or_default());
    let mut digits: Vec<u8> = Vec::new();
    for &b in &bytes {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            carry += (*d as u32) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let text: String = digits
        .iter()
        .rev()
        .map(|&d| BASE58[d as usize] as char)
        .collect();
    format!("z{}{text}", "1".repeat(zeros))
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Base58 (bitcoin alphabet); inputs are short (capped by the caller).
fn base58_decode(input: &str) -> Option<Vec<u8>> {
    let mut out: Vec<u8> = Vec::new();
    for c in input.bytes() {
        let mut carry = BASE58.iter().position(|&a| a == c)? as u32;
        for byte in out.iter_mut().rev() {
            carry += (*byte as u32) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = input.bytes().take_while(|&c| c == b'1').count();
    let mut result = vec![0u8; zeros];
    result.extend(out);
    Some(result)
}

/// Freshness, as Mastodon judges it: a signature is good until its `expires`
/// (default: five minutes after it was made, at most twelve hours), give or take
/// an hour of clock skew either way.
pub const CLOCK_SKEW: chrono::Duration = chrono::Duration::hours(1);
pub const DEFAULT_VALIDITY: chrono::Duration = chrono::Duration::minutes(5);
pub const MAX_VALIDITY: chrono::Duration = chrono::Duration::hours(12);

pub fn check_freshness(
    created: DateTime<Utc>,
    expires: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), &'static str> {
    if created > now + CLOCK_SKEW {
        return Err("the signature is dated in the future; check the sending server's clock");
    }
    let limit = expires
        .unwrap_or(created + DEFAULT_VALIDITY)
        .min(created + MAX_VALIDITY);
    if now > limit + CLOCK_SKEW {
        return Err("the signature is too old or has expired; sign each request when sending it");
    }
    Ok(())
}

/// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature.
pub fn verify_rsa_sha256(key: &PKey<Public>, data: &[u8], signature: &[u8]) -> bool {
    let Ok(mut verifier) = Verifier::new(MessageDigest::sha256(), key) else {
        return false;
    };
    verifier.verify_oneshot(signature, data).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PKey<Private> {
        PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap()
    }

    #[test]
    fn a_signature_we_make_verifies_and_a_changed_request_does_not() {
        let key = key();
        let public = PKey::public_key_from_pem(&key.public_key_to_pem().unwrap()).unwrap();
        let body = br#"{"type":"Create"}"#;
        let digest = digest(body);
        let date = "Thu, 26 Nov 2026 12:00:00 GMT";
        let header = sign(
            &key,
            "https://a.example/users/x#main-key",
            "POST",
            "/inbox",
            &[
                ("host", "b.example"),
                ("date", date),
                ("digest", &digest),
                ("content-type", "application/activity+json"),
            ],
        )
        .unwrap();
        let parsed = parse(&header).unwrap();
        assert_eq!(parsed.key_id, "https://a.example/users/x#main-key");
        assert_eq!(
            parsed.headers,
            ["(request-target)", "host", "date", "digest", "content-type"]
        );
        let headers = |host: &'static str| {
            let digest = digest.clone();
            move |name: &str| match name {
                "host" => Some(host.to_string()),
                "date" => Some(date.to_string()),
                "digest" => Some(digest.clone()),
                "content-type" => Some("application/activity+json".to_string()),
                _ => None,
            }
        };
        let good = signing_string(&parsed, "POST", "/inbox", headers("b.example")).unwrap();
        assert!(verify_rsa_sha256(
            &public,
            good.as_bytes(),
            &parsed.signature
        ));
        let other_host = signing_string(&parsed, "POST", "/inbox", headers("c.example")).unwrap();
        assert!(!verify_rsa_sha256(
            &public,
            other_host.as_bytes(),
            &parsed.signature
        ));
        let other_path =
            signing_string(&parsed, "POST", "/users/x/inbox", headers("b.example")).unwrap();
        assert!(!verify_rsa_sha256(
            &public,
            other_path.as_bytes(),
            &parsed.signature
        ));
        assert!(digest_matches(&digest, body));
        assert!(!digest_matches(&digest, br#"{"type":"Delete"}"#));
    }

    #[test]
    fn digests_accept_sha512_and_refuse_unknown_algorithms() {
        let body = b"hello";
        let sha512 = base64::encode_block(&hash(MessageDigest::sha512(), body).unwrap());
        assert!(digest_matches(&format!("SHA-512={sha512}"), body));
        assert!(digest_matches(
            &format!("sha-256={}, SHA-512={sha512}", &digest(body)[8..]),
            body
        ));
        assert!(!digest_matches("MD5=XUFAKrxLKna5cZ2REBfFkg==", body));
        assert!(!digest_matches("SHA-256=notbase64!", body));
        assert!(!digest_matches("", body));
    }

    #[test]
    fn malformed_headers_are_refused() {
        assert!(parse("").is_err());
        assert!(parse("keyId=\"k\"").is_err());
        assert!(parse("keyId=\"k\",signature=\"%%%\"").is_err());
        assert!(parse("keyId=\"k\",signature=\"AAAA\",algorithm=\"hmac-sha256\"").is_err());
        assert!(parse("keyId=\"k,signature=\"AAAA\"").is_err());
        let p = parse("keyId=\"k\",signature=\"AAAA\"").unwrap();
        assert_eq!(p.headers, ["date"]);
        let hostile = [
            "keyId=\"k\",keyId=\"j\",signature=\"AAAA\"".to_string(),
            "keyId=\"k\",signature=\"AAAA\",signature=\"BBBB\"".to_string(),
            "keyId=\"k\",signature=\"AAAA\",created=99999999999999999999".to_string(),
            "keyId=\"k\",signature=\"AAAA\",created=-".to_string(),
            format!(
                "keyId=\"k\",signature=\"AAAA\",headers=\"{}\"",
                "date ".repeat(40)
            ),
            format!("keyId=\"{}\",signature=\"AAAA\"", "k".repeat(9000)),
            "keyId=\"k\u{e9}\",signature=\"\u{e9}\"".to_string(),
            "=,=,=".to_string(),
            "\"".to_string(),
            ",,,".to_string(),
        ];
        for h in &hostile {
            assert!(parse(h).is_err(), "{h:?}");
        }
        let p = parse(r#"keyId="k",algorithm="hs2019",created=1700000000,headers="(request-target) (created)",signature="AAAA""#).unwrap();
        assert_eq!(p.created, Some(1700000000));
    }

    #[test]
    fn freshness_follows_mastodon() {
        let now = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let minutes = chrono::Duration::minutes;
        assert!(check_freshness(now, None, now).is_ok());
        assert!(check_freshness(now - minutes(60), None, now).is_ok());
        assert!(check_freshness(now - minutes(70), None, now).is_err());
        assert!(check_freshness(now + minutes(50), None, now).is_ok());
        assert!(check_freshness(now + minutes(70), None, now).is_err());
        assert!(check_freshness(now - minutes(300), Some(now + minutes(60)), now).is_ok());
        assert!(
            check_freshness(now - minutes(60 * 14), Some(now), now).is_err(),
            "expires is capped at 12 h after created"
        );
        assert!(check_freshness(now - minutes(10), Some(now - minutes(70)), now).is_err());
    }

    #[test]
    fn multikeys_decode_and_junk_does_not() {
        // A Multikey published by Fedify, and the raw key it encodes.
        let key =
            ed25519_from_multibase("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2").unwrap();
        assert_eq!(key.id(), Id::ED25519);
        for bad in [
            "",
            "z",
            "6Mkr",
            "z0OIl",
            "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ",
            &format!("z{}", "1".repeat(100)),
        ] {
            assert!(ed25519_from_multibase(bad).is_none(), "{bad:?}");
        }
        let k = PKey::generate_ed25519().unwrap();
        let mut prefixed = vec![0xed, 0x01];
        prefixed.extend(k.raw_public_key().unwrap());
        let roundtrip = base58_decode(&ed25519_multibase(&k)[1..]).unwrap();
        assert_eq!(roundtrip, prefixed);
        assert_eq!(
            ed25519_from_multibase(&ed25519_multibase(&k))
                .unwrap()
                .raw_public_key()
                .unwrap(),
            k.raw_public_key().unwrap()
        );
    }

    #[test]
    fn http_dates_round_trip() {
        let at = DateTime::parse_from_rfc3339("2026-11-26T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = http_date(at);
        assert_eq!(text, "Thu, 26 Nov 2026 12:00:00 GMT");
        assert_eq!(parse_http_date(&text), Some(at));
    }
}
