//! The parsers of signature-related request headers. The first byte picks the
//! parser, so one corpus covers them all; a new parser (RFC 9421's
//! `Signature-Input` and `Signature`, say) is one more arm.
#![no_main]

use libfuzzer_sys::fuzz_target;
use staffroom::federation::signatures;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match which % 3 {
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
        _ => {
            let _ = signatures::digest_matches(text, b"{}");
        }
    }
});
