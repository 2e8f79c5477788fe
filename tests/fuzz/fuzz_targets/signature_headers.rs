//! The parsers of signature-related request headers, both schemes. The first byte
//! picks the parser, so one corpus covers them all; a new parser is one more arm.
#![no_main]

use libfuzzer_sys::fuzz_target;
use staffroom::federation::{message_signatures, signatures, structured_fields};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match which % 8 {
        // draft-cavage `Signature` (and `Authorization: Signature …`).
        0 => {
            if let Ok(parsed) = signatures::parse(text) {
                // Building the signing string from a parsed header must not panic either.
                let _ = signatures::signing_string(&parsed, "POST", "/inbox", |name| Some(format!("{name}-value")));
            }
        }
        1 => {
            let _ = signatures::parse_http_date(text);
        }
        2 => {
            let _ = signatures::digest_matches(text, b"{}");
        }
        // RFC 9421 `Signature-Input`, `Signature`, and the structured fields under them.
        3 => {
            let _ = message_signatures::parse_signature_input(text);
        }
        4 => {
            let _ = message_signatures::parse_signature(text);
        }
        5 => {
            let _ = structured_fields::parse_dictionary(text);
        }
        // RFC 9530 `Content-Digest`, and the Multikey values keys arrive in.
        6 => {
            let _ = message_signatures::parse_content_digest(text);
            let _ = message_signatures::check_content_digest(text, b"{}");
        }
        _ => {
            let _ = signatures::ed25519_from_multibase(text);
        }
    }
});
