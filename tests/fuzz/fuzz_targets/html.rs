//! The sanitiser for remote HTML: whatever comes in, nothing executable comes out,
//! and sanitising its own output changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The (name, value) attributes of every tag in `html`, read as a browser would:
/// text outside `<…>` is skipped, quoted values may hold `>`.
fn attributes(html: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut chars = html.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' {
            continue;
        }
        // The tag name, then attributes until an unquoted `>`.
        while chars.peek().is_some_and(|c| !c.is_whitespace() && *c != '>') {
            chars.next();
        }
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace() || *c == '/') {
                chars.next();
            }
            let mut name = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '=' || c == '>' || c == '/' {
                    break;
                }
                name.push(c.to_ascii_lowercase());
                chars.next();
            }
            let mut value = String::new();
            if chars.peek() == Some(&'=') {
                chars.next();
                match chars.peek().copied() {
                    Some(q @ ('"' | '\'')) => {
                        chars.next();
                        for c in chars.by_ref() {
                            if c == q {
                                break;
                            }
                            value.push(c);
                        }
                    }
                    _ => {
                        while chars.peek().is_some_and(|c| !c.is_whitespace() && *c != '>') {
                            value.push(chars.next().unwrap());
                        }
                    }
                }
            }
            if !name.is_empty() {
                found.push((name, value.to_ascii_lowercase()));
            }
            match chars.peek() {
                None => break,
                Some('>') => {
                    chars.next();
                    break;
                }
                _ => {}
            }
        }
    }
    found
}

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else { return };
    let clean = staffroom::content::sanitize_remote_html(html);
    let lower = clean.to_ascii_lowercase();
    for element in ["<script", "<style", "<iframe", "<img", "<object", "<form", "<svg", "<math"] {
        assert!(!lower.contains(element), "{element} kept: {clean}");
    }
    for (name, value) in attributes(&clean) {
        assert!(!name.starts_with("on") && !matches!(name.as_str(), "style" | "src" | "srcdoc"), "attribute {name} kept: {clean}");
        let value = value.trim_start();
        assert!(!(name == "href" && (value.starts_with("javascript:") || value.starts_with("data:"))), "dangerous link kept: {clean}");
    }
    assert_eq!(staffroom::content::sanitize_remote_html(&clean), clean, "not a fixed point for {html:?}");
});
