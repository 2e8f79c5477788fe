//! RFC 9421 HTTP Message Signatures (`Signature-Input` + `Signature`) and RFC 9530
//! `Content-Digest`, as Fedify and recent Mastodon send them. The header parsers
//! take plain strings so fuzz targets can call them directly; everything here is
//! pure (no I/O): the inbox finds the key and checks freshness.

use super::{
    signatures::SignatureError,
    structured_fields::{self as sf, BareItem, Item, Member, Parameters},
};
use openssl::{
    hash::{hash, MessageDigest},
    pkey::{Id, PKey, Private},
    sign::Signer,
};

/// Components we know how to rebuild from a request.
const DERIVED: &[&str] = &[
    "@method",
    "@target-uri",
    "@authority",
    "@scheme",
    "@request-target",
    "@path",
    "@query",
];
const MAX_COMPONENTS: usize = 32;

/// One member of `Signature-Input`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureInput {
    pub label: String,
    /// Covered component names, lower-case, in order.
    pub components: Vec<String>,
    pub key_id: String,
    pub alg: Option<String>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
    /// The `@signature-params` value: the member re-serialised canonically.
    pub signature_params: String,
}

impl SignatureInput {
    pub fn covers(&self, component: &str) -> bool {
        self.components.iter().any(|c| c == component)
    }
}

fn malformed(e: sf::SfError) -> SignatureError {
    SignatureError::Invalid(e.0)
}

/// Parses `Signature-Input`. Every member must be a well-formed signature input
/// (covered components as strings without parameters, a `keyid`); one bad member
/// spoils the header, so an attacker cannot hide a second meaning in it.
pub fn parse_signature_input(value: &str) -> Result<Vec<SignatureInput>, SignatureError> {
    let dict = sf::parse_dictionary(value).map_err(malformed)?;
    if dict.is_empty() {
        return Err(SignatureError::Invalid("Signature-Input is empty"));
    }
    dict.into_iter()
        .map(|(label, member)| signature_input(label, member))
        .collect()
}

fn signature_input(label: String, member: Member) -> Result<SignatureInput, SignatureError> {
    let Member::InnerList(items, params) = member else {
        return Err(SignatureError::Invalid(
            "a Signature-Input member must be an inner list",
        ));
    };
    if items.len() > MAX_COMPONENTS {
        return Err(SignatureError::Invalid("too many covered components"));
    }
    let mut components: Vec<String> = Vec::with_capacity(items.len());
    for item in &items {
        let BareItem::String(name) = &item.value else {
            return Err(SignatureError::Invalid(
                "a covered component must be a string",
            ));
        };
        if !item.params.is_empty() {
            return Err(SignatureError::Invalid(
                "component parameters (sf, key, bs, req, name) are not supported",
            ));
        }
        let known = DERIVED.contains(&name.as_str())
            || (!name.is_empty()
                && name.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.!#$%&'*+^`|~".contains(&b)
                }));
        if !known {
            return Err(SignatureError::Invalid("unsupported covered component"));
        }
        if components.contains(name) {
            return Err(SignatureError::Invalid("a component is covered twice"));
        }
        components.push(name.clone());
    }
    let (mut key_id, mut alg, mut created, mut expires) = (None, None, None, None);
    for (name, value) in &params {
        match (name.as_str(), value) {
            ("keyid", BareItem::String(k)) => key_id = Some(k.clone()),
            ("alg", BareItem::String(a)) => alg = Some(a.clone()),
            ("created", BareItem::Integer(c)) => created = Some(*c),
            ("expires", BareItem::Integer(e)) => expires = Some(*e),
            ("nonce" | "tag", BareItem::String(_)) => {}
            ("keyid" | "alg" | "created" | "expires" | "nonce" | "tag", _) => {
                return Err(SignatureError::Invalid(
                    "a signature parameter has the wrong type",
                ));
            }
            _ => {}
        }
    }
    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or(SignatureError::Invalid("the signature has no keyid"))?;
    if let Some(alg) = &alg {
        if !matches!(alg.as_str(), "rsa-v1_5-sha256" | "ed25519") {
            return Err(SignatureError::Algorithm(alg.clone()));
        }
    }
    let signature_params = sf::serialize_inner_list(&items, &params);
    Ok(SignatureInput {
        label,
        components,
        key_id,
        alg,
        created,
        expires,
        signature_params,
    })
}

/// Parses `Signature`: labels and their signature bytes.
pub fn parse_signature(value: &str) -> Result<Vec<(String, Vec<u8>)>, SignatureError> {
    let dict = sf::parse_dictionary(value).map_err(malformed)?;
    if dict.is_empty() {
        return Err(SignatureError::Invalid("Signature is empty"));
    }
    dict.into_iter()
        .map(|(label, member)| match member {
            Member::Item(Item {
                value: BareItem::Bytes(b),
                ..
            }) if !b.is_empty() => Ok((label, b)),
            _ => Err(SignatureError::Invalid(
                "a Signature member must be a non-empty byte sequence",
            )),
        })
        .collect()
}

/// Parses `Content-Digest` (RFC 9530): algorithm names and digests.
pub fn parse_content_digest(value: &str) -> Result<Vec<(String, Vec<u8>)>, SignatureError> {
    let dict = sf::parse_dictionary(value).map_err(malformed)?;
    dict.into_iter()
        .map(|(alg, member)| match member {
            Member::Item(Item {
                value: BareItem::Bytes(b),
                ..
            }) => Ok((alg, b)),
            _ => Err(SignatureError::Invalid(
                "a Content-Digest member must be a byte sequence",
            )),
        })
        .collect()
}

/// Checks `Content-Digest` against the body: every SHA-256 and SHA-512 digest it
/// lists must match, and at least one must be there (other algorithms are ignored,
/// as RFC 9530 allows; the insecure ones must not count).
pub fn check_content_digest(value: &str, body: &[u8]) -> Result<(), SignatureError> {
    let mut checked = false;
    for (alg, expected) in parse_content_digest(value)? {
        let md = match alg.as_str() {
            "sha-256" => MessageDigest::sha256(),
            "sha-512" => MessageDigest::sha512(),
            _ => continue,
        };
        let actual = hash(md, body).map_err(|_| SignatureError::Invalid("cannot hash the body"))?;
        if expected.len() != actual.len() || !openssl::memcmp::eq(&expected, &actual) {
            return Err(SignatureError::Invalid(
                "the Content-Digest does not match the body",
            ));
        }
        checked = true;
    }
    if checked {
        Ok(())
    } else {
        Err(SignatureError::Invalid(
            "the Content-Digest has no sha-256 or sha-512 digest",
        ))
    }
}

/// `sha-256=:<base64>:` of a body.
pub fn content_digest(body: &[u8]) -> String {
    let sum = hash(MessageDigest::sha256(), body).expect("SHA-256 is always available");
    format!(
        "sha-256={}",
        sf::serialize_bare_item(&BareItem::Bytes(sum.to_vec()))
    )
}

/// What a signature base is built from: the request as the receiver knows it.
pub struct RequestParts<'a> {
    pub method: &'a str,
    /// `scheme://authority`, how this server is reached (its configured base URL).
    pub scheme: &'a str,
    pub authority: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// A request header's value (several joined with ", "), by lower-case name.
    pub header: &'a dyn Fn(&str) -> Option<String>,
}

impl RequestParts<'_> {
    fn component(&self, name: &str) -> Result<String, SignatureError> {
        let path = if self.path.is_empty() { "/" } else { self.path };
        let query = self.query.map(|q| format!("?{q}")).unwrap_or_default();
        Ok(match name {
            "@method" => self.method.to_string(),
            "@target-uri" => format!("{}://{}{path}{query}", self.scheme, self.authority),
            "@authority" => self.authority.to_ascii_lowercase(),
            "@scheme" => self.scheme.to_ascii_lowercase(),
            "@request-target" => format!("{path}{query}"),
            "@path" => path.to_string(),
            "@query" => {
                if query.is_empty() {
                    "?".to_string()
                } else {
                    query
                }
            }
            header => {
                let value = (self.header)(header)
                    .ok_or_else(|| SignatureError::MissingHeader(header.to_string()))?;
                value.trim().to_string()
            }
        })
    }
}

/// The signature base (RFC 9421 §2.5): one line per covered component, then
/// `@signature-params`.
pub fn signature_base(
    input: &SignatureInput,
    request: &RequestParts,
) -> Result<String, SignatureError> {
    let mut base = String::new();
    for name in &input.components {
        let value = request.component(name)?;
        if value.contains(['\n', '\r']) {
            return Err(SignatureError::Invalid(
                "a covered value contains a line break",
            ));
        }
        base.push_str(&sf::serialize_bare_item(&BareItem::String(name.clone())));
        base.push_str(": ");
        base.push_str(&value);
        base.push('\n');
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(&input.signature_params);
    Ok(base)
}

/// Signs a request the way Fedify does (label `sig1`), covering `components`.
/// Returns the `Signature-Input` and `Signature` values. `alg` follows the key:
/// `rsa-v1_5-sha256` for RSA, `ed25519` for Ed25519.
pub fn sign(
    key: &PKey<Private>,
    key_id: &str,
    components: &[&str],
    created: i64,
    expires: Option<i64>,
    request: &RequestParts,
) -> Result<(String, String), SignatureError> {
    let alg = match key.id() {
        Id::RSA => "rsa-v1_5-sha256",
        Id::ED25519 => "ed25519",
        _ => return Err(SignatureError::Algorithm("unsupported key type".into())),
    };
    let items: Vec<Item> = components
        .iter()
        .map(|c| Item {
            value: BareItem::String(c.to_string()),
            params: vec![],
        })
        .collect();
    let mut params: Parameters = vec![("created".into(), BareItem::Integer(created))];
    if let Some(e) = expires {
        params.push(("expires".into(), BareItem::Integer(e)));
    }
    params.push(("keyid".into(), BareItem::String(key_id.into())));
    params.push(("alg".into(), BareItem::String(alg.into())));
    let signature_params = sf::serialize_inner_list(&items, &params);
    let input = SignatureInput {
        label: "sig1".into(),
        components: components.iter().map(|c| c.to_string()).collect(),
        key_id: key_id.into(),
        alg: Some(alg.into()),
        created: Some(created),
        expires,
        signature_params: signature_params.clone(),
    };
    let base = signature_base(&input, request)?;
    let failed = |_| SignatureError::Invalid("signing failed");
    let signature = if key.id() == Id::RSA {
        let mut signer = Signer::new(MessageDigest::sha256(), key).map_err(failed)?;
        signer.update(base.as_bytes()).map_err(failed)?;
        signer.sign_to_vec().map_err(failed)?
    } else {
        Signer::new_without_digest(key)
            .map_err(failed)?
            .sign_oneshot_to_vec(base.as_bytes())
            .map_err(failed)?
    };
    Ok((
        format!("sig1={signature_params}"),
        format!(
            "sig1={}",
            sf::serialize_bare_item(&BareItem::Bytes(signature))
        ),
    ))
}

/// The `Accept-Signature` we answer unsigned inbox POSTs with (RFC 9421 §5.1):
/// what a sender must cover for us to accept its signature.
pub const ACCEPT_SIGNATURE: &str = r#"sig1=("@method" "@target-uri" "content-digest");created"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::signatures::verify_signature;

    fn parts<'a>(header: &'a dyn Fn(&str) -> Option<String>) -> RequestParts<'a> {
        RequestParts {
            method: "POST",
            scheme: "https",
            authority: "school.example",
            path: "/inbox",
            query: None,
            header,
        }
    }

    #[test]
    fn the_rfc_9421_example_signature_base_is_rebuilt() {
        // RFC 9421 §2.5, the example request.
        let headers = |name: &str| {
            match name {
            "content-digest" => Some("sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:".into()),
            "content-length" => Some("18".into()),
            "content-type" => Some("application/json".into()),
            _ => None,
        }
        };
        let input = &parse_signature_input(
            r#"sig1=("@method" "@authority" "@path" "content-digest" "content-length" "content-type");created=1618884473;keyid="test-key-rsa-pss""#,
        )
        .unwrap()[0];
        let request = RequestParts {
            method: "POST",
            scheme: "https",
            authority: "example.com",
            path: "/foo",
            query: Some("param=Value&Pet=dog"),
            header: &headers,
        };
        let expected = "\"@method\": POST\n\"@authority\": example.com\n\"@path\": /foo\n\
\"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n\
\"content-length\": 18\n\"content-type\": application/json\n\
\"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"content-digest\" \"content-length\" \"content-type\");created=1618884473;keyid=\"test-key-rsa-pss\"";
        assert_eq!(signature_base(input, &request).unwrap(), expected);
        // And the body of that example matches its digest.
        check_content_digest(
            &headers("content-digest").unwrap(),
            b"{\"hello\": \"world\"}",
        )
        .unwrap();
    }

    #[test]
    fn rsa_and_ed25519_signatures_verify_and_a_changed_request_does_not() {
        let body = br#"{"type":"Create"}"#;
        let digest = content_digest(body);
        let headers = |name: &str| (name == "content-digest").then(|| digest.clone());
        let components = ["@method", "@target-uri", "content-digest"];
        for key in [
            PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap(),
            PKey::generate_ed25519().unwrap(),
        ] {
            let public = PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap();
            let (input, signature) = sign(
                &key,
                "https://a.example/users/x#k",
                &components,
                1_800_000_000,
                None,
                &parts(&headers),
            )
            .unwrap();
            let input = &parse_signature_input(&input).unwrap()[0];
            let signature = &parse_signature(&signature).unwrap()[0];
            assert_eq!(input.label, signature.0);
            let base = signature_base(input, &parts(&headers)).unwrap();
            assert!(verify_signature(
                &public,
                input.alg.as_deref(),
                base.as_bytes(),
                &signature.1
            ));
            let other = RequestParts {
                authority: "elsewhere.example",
                ..parts(&headers)
            };
            let base = signature_base(input, &other).unwrap();
            assert!(!verify_signature(
                &public,
                input.alg.as_deref(),
                base.as_bytes(),
                &signature.1
            ));
        }
        check_content_digest(&digest, body).unwrap();
        assert!(check_content_digest(&digest, b"{}").is_err());
    }

    #[test]
    fn content_digests_need_a_known_matching_algorithm() {
        let body = b"hello";
        let sha512 = hash(MessageDigest::sha512(), body).unwrap();
        let sha512 = format!(
            "sha-512={}",
            sf::serialize_bare_item(&BareItem::Bytes(sha512.to_vec()))
        );
        check_content_digest(&sha512, body).unwrap();
        check_content_digest(&format!("{}, {sha512}", content_digest(body)), body).unwrap();
        check_content_digest(
            &format!("md5=:XUFAKrxLKna5cZ2REBfFkg==:, {}", content_digest(body)),
            body,
        )
        .unwrap();
        for bad in [
            "md5=:XUFAKrxLKna5cZ2REBfFkg==:",
            "",
            "sha-256=abc",
            "sha-256=:AAAA:",
            "SHA-256=:AAAA:",
            "sha-256=\"x\"",
        ] {
            assert!(check_content_digest(bad, body).is_err(), "{bad:?}");
        }
        // One matching digest does not excuse a wrong one.
        assert!(
            check_content_digest(&format!("{}, sha-512=:AAAA:", content_digest(body)), body)
                .is_err()
        );
    }

    #[test]
    fn hostile_signature_headers_are_refused() {
        for bad in [
            "",
            "sig1=:AAAA:",
            r#"sig1=("@method")"#,
            r#"sig1=("@method");keyid=1"#,
            r#"sig1=("@method");keyid="""#,
            r#"sig1=(@method);keyid="k""#,
            r#"sig1=("@method";req);keyid="k""#,
            r#"sig1=("@status");keyid="k""#,
            r#"sig1=("@signature-params");keyid="k""#,
            r#"sig1=("Host");keyid="k""#,
            r#"sig1=("host" "host");keyid="k""#,
            r#"sig1=("@method");keyid="k";alg="hmac-sha256""#,
            r#"sig1=("@method");keyid="k";created="now""#,
            r#"sig1=("@method");keyid="k", sig1=("@path");keyid="j""#,
            r#"sig1=("@method");keyid="k", sig2=:AAAA:"#,
        ] {
            assert!(parse_signature_input(bad).is_err(), "{bad:?}");
        }
        let many = format!(
            "sig1=({});keyid=\"k\"",
            (0..40)
                .map(|i| format!("\"h{i}\""))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(parse_signature_input(&many).is_err());
        for bad in [
            "",
            "sig1=\"AAAA\"",
            "sig1=::",
            "sig1=:AAAA:, sig2=(1)",
            "sig1=:%%:",
        ] {
            assert!(parse_signature(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_signature("sig1=:AAAA:").unwrap(),
            vec![("sig1".to_string(), vec![0, 0, 0])]
        );
    }

    /// Random strings made of the characters that matter to these grammars: every
    /// parser answers (Ok or Err) and none panics. A cheap stand-in for the fuzz
    /// targets, run with every test build.
    #[test]
    fn random_headers_never_panic_a_parser() {
        use rand::Rng;
        const ALPHABET: &[u8] =
            b"sig1=(\"@method\" \"@target-uri\");,:?*-._/+0123456789keyidcreatedalgAZ \t\\%";
        let mut rng = rand::rng();
        for _ in 0..20_000 {
            let len = rng.random_range(0..80);
            let text: String = (0..len)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect();
            let _ = parse_signature_input(&text);
            let _ = parse_signature(&text);
            let _ = check_content_digest(&text, b"body");
            let _ = crate::federation::signatures::parse(&text);
            let _ = crate::federation::signatures::digest_matches(&text, b"body");
        }
    }

    #[test]
    fn a_missing_header_or_a_line_break_cannot_make_a_base() {
        let none = |_: &str| None;
        let input =
            &parse_signature_input(r#"sig1=("@method" "content-digest");keyid="k";created=1"#)
                .unwrap()[0];
        assert_eq!(
            signature_base(input, &parts(&none)),
            Err(SignatureError::MissingHeader("content-digest".into()))
        );
        let newline = |_: &str| Some("a\nb".to_string());
        assert!(signature_base(input, &parts(&newline)).is_err());
    }
}
