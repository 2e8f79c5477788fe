//! Post content: what a teacher's plain text becomes on the page, and what a remote
//! server's HTML may become on ours.
//!
//! Local posts are written as plain text and rendered here once, when they are
//! published, the way Mastodon renders them (same markup, same classes), so every
//! client and server that already knows Mastodon's HTML shows ours alike. Remote HTML
//! is never trusted: it goes through [`sanitize_remote_html`] before it is stored or
//! shown, and [`html_to_text`] gives the plain words of it for previews and search.
//!
//! The order of work for a new post is: [`extract`] the mentions (so the caller can
//! resolve them with WebFinger), then [`render_plain_text`] with those that resolved.

mod entities;
mod markup;
mod plain_text;
mod sanitize;
mod text;

pub use plain_text::render_plain_text;
pub use sanitize::{sanitize_embed, sanitize_remote_html};
pub use text::html_to_text;

use entities::Kind;

/// What a plain-text post refers to, found before rendering (so mentions can be
/// resolved by WebFinger first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// Each account once (compared without regard to letter case), in order of first
    /// appearance.
    pub mentions: Vec<MentionText>,
    /// Lower-cased, without `#`, de-duplicated, in order of first appearance.
    pub hashtags: Vec<String>,
    /// `http`/`https` links as written, de-duplicated, in order of first appearance.
    pub links: Vec<String>,
}

/// A mention as the teacher wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionText {
    /// As written (letter case kept).
    pub username: String,
    /// Lower-cased; `None` for a bare `@name`.
    pub domain: Option<String>,
    /// The whole mention as written, e.g. `@Alice@school.example`.
    pub text: String,
}

/// A mention that was resolved to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedMention {
    pub username: String,
    /// `None` for an account written as a bare `@name`.
    pub domain: Option<String>,
    /// The account's page, used as the link's `href`.
    pub profile_url: String,
    pub actor_id: String,
}

/// Finds the mentions, hashtags and links in a plain-text post, with the same rules
/// [`render_plain_text`] uses, so what is resolved is exactly what gets linked.
pub fn extract(text: &str) -> Extracted {
    let text = plain_text::normalize_newlines(text);
    let mut out = Extracted::default();
    for entity in entities::find(&text) {
        match entity.kind {
            Kind::Link => {
                if !out.links.iter().any(|l| l == entity.text) {
                    out.links.push(entity.text.to_owned());
                }
            }
            Kind::Mention { username, domain } => {
                let domain = domain.map(str::to_lowercase);
                let seen = out.mentions.iter().any(|m| {
                    m.domain == domain && m.username.to_lowercase() == username.to_lowercase()
                });
                if !seen {
                    out.mentions.push(MentionText {
                        username: username.to_owned(),
                        domain,
                        text: entity.text.to_owned(),
                    });
                }
            }
            Kind::Hashtag { name } => {
                let name = name.to_lowercase();
                if !out.hashtags.contains(&name) {
                    out.hashtags.push(name);
                }
            }
        }
    }
    out
}

/// Hostile input can't cost much: remote HTML is cut to this many bytes before it is
/// parsed (a post on Mastodon is 500 characters; a long article is far below this).
const MAX_HTML_INPUT: usize = 512 * 1024;

/// ... and before its 5001st start tag. html5ever's work grows with the square of the
/// nesting depth (block elements search the open elements on every start tag:
/// 40 000 nested `<ul><li>` took 20 s), and depth only grows with start tags, so
/// bounding them bounds the work (measured worst case at this figure: about 0.1 s).
/// A long article has a few thousand tags.
const MAX_START_TAGS: usize = 5_000;

/// The part of `html` that is parsed: at most [`MAX_HTML_INPUT`] bytes, cut on a
/// character boundary, and at most [`MAX_START_TAGS`] start tags. Anything that
/// looks like a start tag (`<` and a letter) counts, even where the parser would see
/// text, so the count never falls short of the parser's.
fn capped(html: &str) -> &str {
    let mut end = html.len().min(MAX_HTML_INPUT);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let html = &html[..end];
    let mut tags = 0;
    for (i, pair) in html.as_bytes().windows(2).enumerate() {
        if pair[0] == b'<' && pair[1].is_ascii_alphabetic() {
            tags += 1;
            if tags > MAX_START_TAGS {
                return &html[..i];
            }
        }
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extract_finds_mentions_hashtags_and_links_in_order() {
        let got = extract(
            "Hi @Alice@School.Example and @bob! See https://example.org/page. #Maths #maths #Café #日本語",
        );
        assert_eq!(
            got.mentions,
            vec![
                MentionText {
                    username: "Alice".into(),
                    domain: Some("school.example".into()),
                    text: "@Alice@School.Example".into(),
                },
                MentionText {
                    username: "bob".into(),
                    domain: None,
                    text: "@bob".into()
                },
            ]
        );
        assert_eq!(got.hashtags, vec!["maths", "café", "日本語"]);
        assert_eq!(got.links, vec!["https://example.org/page"]);
    }

    #[test]
    fn extract_deduplicates_mentions_and_links_regardless_of_case() {
        let got = extract(
            "@alice@school.example @ALICE@SCHOOL.EXAMPLE @alice https://a.example https://a.example",
        );
        assert_eq!(got.mentions.len(), 2, "{:?}", got.mentions);
        assert_eq!(got.mentions[0].text, "@alice@school.example");
        assert_eq!(got.mentions[1].domain, None);
        assert_eq!(got.links, vec!["https://a.example"]);
    }

    #[test]
    fn extract_ignores_emails_url_fragments_and_numbers() {
        let got =
            extract("mail a@b.example, read https://x.example/#a and https://x.example/@bob #123");
        assert!(got.mentions.is_empty(), "{:?}", got.mentions);
        assert!(got.hashtags.is_empty(), "{:?}", got.hashtags);
        assert_eq!(
            got.links,
            vec!["https://x.example/#a", "https://x.example/@bob"]
        );
    }

    #[test]
    fn extract_of_empty_text_is_empty() {
        assert_eq!(extract(""), Extracted::default());
        assert_eq!(extract("   \n\n "), Extracted::default());
    }

    #[test]
    fn capped_cuts_on_a_character_boundary() {
        let long = "é".repeat(MAX_HTML_INPUT); // two bytes each
        let cut = capped(&long);
        assert!(cut.len() <= MAX_HTML_INPUT && cut.len() > MAX_HTML_INPUT - 4);
        assert_eq!(capped("short"), "short");
    }

    #[test]
    fn capped_stops_before_too_many_start_tags() {
        let html = "<b>x</b>".repeat(MAX_START_TAGS + 10);
        let cut = capped(&html);
        assert_eq!(cut.len(), MAX_START_TAGS * "<b>x</b>".len());
        let text = "a < b and a <= b".repeat(MAX_START_TAGS);
        assert_eq!(capped(&text), text, "a `<` before a space is no tag");
    }
}

/// The paragraph that ends a remote `Page` or `Article` as we store it: the link it
/// shares (or its original). [`shared_link`] reads it back for the preview card.
pub fn link_paragraph(link: &str) -> String {
    maud::html! { p { a href=(link) rel="nofollow noopener noreferrer" target="_blank" { (link) } } }.into_string()
}

/// The link of the [`link_paragraph`] that ends `content`, if it ends with one.
pub fn shared_link(content: &str) -> Option<String> {
    let start = content.rfind("<p><a href=\"")? + "<p><a href=\"".len();
    let rest = &content[start..];
    let escaped = &rest[..rest.find('"')?];
    let link = escaped
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    (content.ends_with("</a></p>")
        && link_paragraph(&link) == content[start - "<p><a href=\"".len()..])
        .then_some(link)
}

#[cfg(test)]
mod link_tests {
    #[test]
    fn the_shared_link_is_read_back_as_written() {
        let link = "https://worksheets.example/a?b=1&c=\"2\"";
        let content = format!(
            "<p><strong>Title</strong></p><p>Body <a href=\"https://x.example\">x</a></p>{}",
            super::link_paragraph(link)
        );
        assert_eq!(super::shared_link(&content).as_deref(), Some(link));
        assert_eq!(
            super::shared_link("<p>Body <a href=\"https://x.example\">x</a></p>"),
            None,
            "a link in the text is not the shared one"
        );
    }
}
