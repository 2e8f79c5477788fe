//! The sanitiser for remote HTML: whatever comes in, nothing executable comes out,
//! and sanitising its own output changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// The attribute names of every tag in `html` (quoted values skipped).
fn attribute_names(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    for tag in html.split('<').skip(1) {
        let (mut quote, mut word, mut first) = (None, String::new(), true);
        for c in tag.chars() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '"' || c == '\'' => quote = Some(c),
                None if c == '>' => break,
                None if c.is_whitespace() || c == '=' || c == '/' => {
                    if !word.is_empty() && !first {
                        names.push(std::mem::take(&mut word));
                    }
                    word.clear();
                    first = false;
                }
                None => word.push(c.to_ascii_lowercase()),
            }
        }
        if !word.is_empty() && !first {
            names.push(word);
        }
    }
    names
}

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else { return };
    let clean = staffroom::content::sanitize_remote_html(html);
    let lower = clean.to_ascii_lowercase();
    for element in ["<script", "<style", "<iframe", "<img", "<object", "<form", "<svg", "<math"] {
        assert!(!lower.contains(element), "{element} kept: {clean}");
    }
    for name in attribute_names(&lower) {
        assert!(!name.starts_with("on") && name != "style" && name != "src" && name != "srcdoc", "attribute {name} kept: {clean}");
    }
    assert!(!lower.contains("href=\"javascript:") && !lower.contains("href=\"data:"), "dangerous link kept: {clean}");
    assert_eq!(staffroom::content::sanitize_remote_html(&clean), clean, "not a fixed point for {html:?}");
});
