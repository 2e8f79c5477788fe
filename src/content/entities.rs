//! Finding links, mentions and hashtags in plain text with Mastodon's rules (its
//! `Extractor`, `Account::MENTION_RE` and `Tag::HASHTAG_RE`), so that a post reads
//! the same here as it would there.
//!
//! Links are found by `linkify`; mentions and hashtags by small hand scanners, since
//! their rules are a few character classes and the crate has no regex engine.
//! Where entities overlap, the one that starts first wins, so `#a` in
//! `https://x.example/#a` and `@bob` in `https://x.example/@bob` stay part of the link.

use linkify::{LinkFinder, LinkKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind<'t> {
    Link,
    Mention {
        username: &'t str,
        domain: Option<&'t str>,
    },
    /// The name as written, without the `#`.
    Hashtag {
        name: &'t str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entity<'t> {
    /// Byte range in the text, including the `@` or `#`.
    pub start: usize,
    pub end: usize,
    /// The text of the range.
    pub text: &'t str,
    pub kind: Kind<'t>,
}

/// Every entity in `text`, in order, none overlapping.
pub(crate) fn find(text: &str) -> Vec<Entity<'_>> {
    let mut all = links(text);
    all.extend(mentions(text));
    all.extend(hashtags(text));
    // Links sort first on a tie, so they win it.
    all.sort_by_key(|e| (e.start, !matches!(e.kind, Kind::Link)));
    let mut kept: Vec<Entity<'_>> = Vec::with_capacity(all.len());
    for entity in all {
        if kept.last().is_none_or(|last| entity.start >= last.end) {
            kept.push(entity);
        }
    }
    kept
}

/// `http` and `https` URLs with their scheme written out; bare `www.example.org` is
/// not a link, as on Mastodon. `linkify` leaves out trailing punctuation and
/// unbalanced closing brackets.
fn links(text: &str) -> Vec<Entity<'_>> {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]).url_must_have_scheme(true);
    finder
        .links(text)
        .filter(|link| http_prefix_len(link.as_str()) > 0)
        .map(|link| Entity {
            start: link.start(),
            end: link.end(),
            text: link.as_str(),
            kind: Kind::Link,
        })
        .collect()
}

/// Length of `http://` or `https://` at the start of `url` (any letter case), or 0.
pub(crate) fn http_prefix_len(url: &str) -> usize {
    ["https://", "http://"]
        .iter()
        .find(|scheme| {
            url.get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        })
        .map_or(0, |scheme| scheme.len())
}

/// `@name` or `@name@domain`. The name is ASCII letters, digits and `_`, with `.` or
/// `-` allowed inside; the domain is word characters with `.` or `-` inside. Not a
/// mention when the `@` follows a word character (an email address), `=` or `/`
/// (a URL), nor when it runs on into another `@`, an accented letter or `://`.
fn mentions(text: &str) -> Vec<Entity<'_>> {
    let mut found = Vec::new();
    for (at, _) in text.match_indices('@') {
        if let Some(before) = text[..at].chars().next_back() {
            if is_word(before) || before == '=' || before == '/' {
                continue;
            }
        }
        let name_start = at + 1;
        let name_len = username_len(&text[name_start..]);
        if name_len == 0 {
            continue;
        }
        let mut end = name_start + name_len;
        let mut domain = None;
        if text[end..].starts_with('@') {
            let domain_len = domain_len(&text[end + 1..]);
            if domain_len > 0 {
                domain = Some(&text[end + 1..end + 1 + domain_len]);
                end += 1 + domain_len;
            }
        }
        let after = &text[end..];
        if after.starts_with('@')
            || after.starts_with("://")
            || after
                .chars()
                .next()
                .is_some_and(|c| !c.is_ascii() && is_word(c))
        {
            continue;
        }
        found.push(Entity {
            start: at,
            end,
            text: &text[at..end],
            kind: Kind::Mention {
                username: &text[name_start..name_start + name_len],
                domain,
            },
        });
    }
    found
}

/// Bytes of a username at the start of `s`: `[A-Za-z0-9_]`, then also `.` and `-`,
/// but ending on `[A-Za-z0-9_]`.
fn username_len(s: &str) -> usize {
    let is_edge = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = s.as_bytes();
    if !bytes.first().copied().is_some_and(is_edge) {
        return 0;
    }
    let run = bytes
        .iter()
        .take_while(|&&b| is_edge(b) || b == b'.' || b == b'-')
        .count();
    s[..run].trim_end_matches(['.', '-']).len()
}

/// Bytes of a domain at the start of `s`: word characters, with `.` and `-` inside,
/// and a `:port` when one follows (instances on other ports, as in development).
fn domain_len(s: &str) -> usize {
    if !s.chars().next().is_some_and(is_word) {
        return 0;
    }
    let run: usize = s
        .chars()
        .take_while(|&c| is_word(c) || c == '.' || c == '-')
        .map(char::len_utf8)
        .sum();
    let host = s[..run].trim_end_matches(['.', '-']).len();
    let rest = &s[host..];
    if let Some(after) = rest.strip_prefix(':') {
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        let next = after[digits..].chars().next();
        if (1..=5).contains(&digits) && !next.is_some_and(|c| is_word(c) || c == ':') {
            return host + 1 + digits;
        }
    }
    host
}

/// Characters a hashtag may have inside it besides word characters (`_` is one).
fn is_hashtag_separator(c: char) -> bool {
    matches!(c, '\u{00B7}' | '\u{30FB}' | '\u{200C}')
}

/// `#name` (or full-width `＃name`): word characters (letters of any script, digits,
/// `_`, combining marks) and `·`, `・` or ZWNJ inside. Not all digits: it needs a
/// letter, or a separator between word characters. Not after a word character, `/`
/// or `)` (URL paths and fragments), nor after `&` (a character reference such as
/// `&#x41;` typed as text).
fn hashtags(text: &str) -> Vec<Entity<'_>> {
    let mut found = Vec::new();
    for (hash, sign) in text.char_indices().filter(|&(_, c)| c == '#' || c == '＃') {
        if let Some(before) = text[..hash].chars().next_back() {
            if is_word(before) || matches!(before, '/' | ')' | '&') {
                continue;
            }
        }
        let name_start = hash + sign.len_utf8();
        let rest = &text[name_start..];
        let run: usize = rest
            .chars()
            .take_while(|&c| is_word(c) || is_hashtag_separator(c))
            .map(char::len_utf8)
            .sum();
        let mut name = rest[..run].trim_end_matches(is_hashtag_separator);
        if !name.chars().next().is_some_and(is_word) {
            continue;
        }
        // "#readhttps://x.example": the scheme belongs to the link, as Mastodon decides.
        if rest[name.len()..].starts_with("://") {
            for scheme in ["https", "http"] {
                if let Some(head) = name.len().checked_sub(scheme.len()).filter(|&n| n > 0) {
                    if name.is_char_boundary(head) && name[head..].eq_ignore_ascii_case(scheme) {
                        name = &name[..head];
                        break;
                    }
                }
            }
        }
        if !name
            .chars()
            .any(|c| c.is_alphabetic() || is_hashtag_separator(c))
        {
            continue;
        }
        let end = name_start + name.len();
        found.push(Entity {
            start: hash,
            end,
            text: &text[hash..end],
            kind: Kind::Hashtag { name },
        });
    }
    found
}

/// A word character as Ruby's `[[:word:]]` sees it: a letter, digit or connector
/// (`_`) of any script, or a combining mark. Rust's standard library knows letters
/// and digits but not marks, so the marks of the scripts teachers are likely to
/// write are listed in [`is_combining_mark`].
pub(crate) fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_combining_mark(c)
}

/// Combining marks that are not already alphabetic (most vowel signs are): accents
/// written as separate code points, Hebrew and Arabic points, Indic viramas and
/// nuktas, Thai and Lao tone marks, Japanese sound marks, variation selectors.
fn is_combining_mark(c: char) -> bool {
    let u = c as u32;
    matches!(
        u,
        0x0300..=0x036F
            | 0x0483..=0x0489
            | 0x0591..=0x05BD
            | 0x05BF
            | 0x05C1..=0x05C2
            | 0x05C4..=0x05C5
            | 0x05C7
            | 0x0610..=0x061A
            | 0x064B..=0x065F
            | 0x0670
            | 0x06D6..=0x06DC
            | 0x06DF..=0x06E4
            | 0x06E7..=0x06E8
            | 0x06EA..=0x06ED
            | 0x0E31
            | 0x0E34..=0x0E3A
            | 0x0E47..=0x0E4E
            | 0x0EB1
            | 0x0EB4..=0x0EBC
            | 0x0EC8..=0x0ECE
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x20D0..=0x20FF
            | 0x302A..=0x302F
            | 0x3099..=0x309A
            | 0xFE00..=0xFE0F
            | 0xFE20..=0xFE2F
            | 0xE0100..=0xE01EF
    ) || is_indic_mark(u)
}

/// The Indic blocks (Devanagari to Sinhala) hold letters, digits, marks and a few
/// punctuation signs and symbols; whatever is neither letter nor digit nor one of
/// those few is a mark.
fn is_indic_mark(u: u32) -> bool {
    (0x0900..=0x0DFF).contains(&u)
        && char::from_u32(u).is_some_and(|c| !c.is_alphanumeric())
        && !matches!(
            u,
            0x0964..=0x0965 // danda
                | 0x0970 // abbreviation sign
                | 0x09F2..=0x09FB // Bengali currency and symbols
                | 0x09FD
                | 0x0A76
                | 0x0AF0..=0x0AF1
                | 0x0B70
                | 0x0BF3..=0x0BFA // Tamil symbols
                | 0x0C77
                | 0x0C7F
                | 0x0C84
                | 0x0D4F
                | 0x0D79
                | 0x0DF4
        )
}

#[cfg(test)]
mod port_tests {
    use super::domain_len;

    #[test]
    fn mention_domains_may_carry_a_port() {
        assert_eq!(domain_len("127.0.0.1:8080 hi"), "127.0.0.1:8080".len());
        assert_eq!(domain_len("school.example: hi"), "school.example".len());
        assert_eq!(domain_len("school.example:80x"), "school.example".len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(String, Kind<'_>)> {
        find(text)
            .into_iter()
            .map(|e| (e.text.to_owned(), e.kind))
            .collect()
    }

    #[test]
    fn finds_links_without_trailing_punctuation() {
        for (text, link) in [
            ("see https://example.org.", "https://example.org"),
            ("see https://example.org/a, then", "https://example.org/a"),
            ("(https://example.org/a)", "https://example.org/a"),
            (
                "https://en.wikipedia.org/wiki/Set_(mathematics)!",
                "https://en.wikipedia.org/wiki/Set_(mathematics)",
            ),
            (
                "really https://example.org/?q=1?",
                "https://example.org/?q=1",
            ),
            ("HTTP://EXAMPLE.ORG/X", "HTTP://EXAMPLE.ORG/X"),
        ] {
            assert_eq!(kinds(text), vec![(link.to_owned(), Kind::Link)], "{text}");
        }
    }

    #[test]
    fn only_http_links_with_a_scheme() {
        for text in [
            "www.example.org",
            "ftp://example.org/x",
            "javascript:alert(1)",
            "mailto:a@b.example",
            "example.org",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn mention_rules() {
        let m = |u, d| Kind::Mention {
            username: u,
            domain: d,
        };
        assert_eq!(kinds("@alice"), vec![("@alice".into(), m("alice", None))]);
        assert_eq!(
            kinds("(@a.b-c_d.)"),
            vec![("@a.b-c_d".into(), m("a.b-c_d", None))]
        );
        assert_eq!(
            kinds("cc @Bob@Maths.School.example."),
            vec![(
                "@Bob@Maths.School.example".into(),
                m("Bob", Some("Maths.School.example"))
            )]
        );
        assert_eq!(
            kinds("@@alice"),
            vec![("@alice".into(), m("alice", None))],
            "as Mastodon's pattern finds it"
        );
        assert_eq!(
            kinds("ask @alice@bücher.example"),
            vec![(
                "@alice@bücher.example".into(),
                m("alice", Some("bücher.example"))
            )]
        );
        for text in [
            "a@b.example",
            "x=@alice",
            "/@alice",
            "@alice@bob@carol",
            "@josé",
            "@.alice",
            "@",
            "@alice://x",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn hashtag_rules() {
        let h = |n| Kind::Hashtag { name: n };
        assert_eq!(kinds("#Café au lait"), vec![("#Café".into(), h("Café"))]);
        assert_eq!(
            kinds("#日本語です"),
            vec![("#日本語です".into(), h("日本語です"))]
        );
        assert_eq!(
            kinds("#हिन्दी"),
            vec![("#हिन्दी".into(), h("हिन्दी"))],
            "virama is a mark"
        );
        assert_eq!(kinds("#year_7"), vec![("#year_7".into(), h("year_7"))]);
        assert_eq!(kinds("#1st!"), vec![("#1st".into(), h("1st"))]);
        assert_eq!(kinds("#ab·cd·"), vec![("#ab·cd".into(), h("ab·cd"))]);
        assert_eq!(kinds("(#maths)"), vec![("#maths".into(), h("maths"))]);
        assert_eq!(kinds("＃全角"), vec![("＃全角".into(), h("全角"))]);
        assert_eq!(kinds("##twice"), vec![("#twice".into(), h("twice"))]);
        for text in [
            "#123", "#_1", "a#b", "&#x41;", "/#top", ")#x", "#·ab", "# space", "#",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn links_win_over_what_is_inside_them() {
        assert_eq!(
            kinds("https://x.example/#a"),
            vec![("https://x.example/#a".into(), Kind::Link)]
        );
        assert_eq!(
            kinds("https://x.example/@bob"),
            vec![("https://x.example/@bob".into(), Kind::Link)]
        );
        assert_eq!(
            kinds("#readhttps://x.example"),
            vec![("#read".into(), Kind::Hashtag { name: "read" })],
            "the scheme is not part of the tag"
        );
    }

    #[test]
    fn entities_come_in_order_without_overlap() {
        let got = find("@a #b https://c.example @d");
        let starts: Vec<usize> = got.iter().map(|e| e.start).collect();
        assert_eq!(starts, vec![0, 3, 6, 24]);
        assert!(got.windows(2).all(|w| w[0].end <= w[1].start));
    }
}
