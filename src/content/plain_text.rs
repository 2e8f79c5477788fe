//! A local post's plain text as HTML, in Mastodon's markup: paragraphs, line breaks,
//! shortened links, mentions as `h-card`s and hashtags with `rel="tag"`.

use std::borrow::Cow;
use std::fmt::Write;

use super::entities::{self, http_prefix_len, Kind};
use super::ResolvedMention;

/// Characters of a link shown before it is cut with an ellipsis (Mastodon's figure).
const VISIBLE_URL_CHARS: usize = 30;

/// Renders a local post's plain text as Mastodon does.
///
/// Mentions become links only when `mentions` has the account (compared without
/// regard to letter case; `@name` matches an account given without a domain);
/// others stay text. Hashtags link to `tag_url` of the lower-cased name.
pub fn render_plain_text(
    text: &str,
    mentions: &[ResolvedMention],
    tag_url: &dyn Fn(&str) -> String,
) -> String {
    let text = normalize_newlines(text);
    let mut html = String::with_capacity(text.len() + text.len() / 2);
    let mut done = 0;
    for entity in entities::find(&text) {
        escape_into(&mut html, &text[done..entity.start]);
        match entity.kind {
            Kind::Link => link_into(&mut html, entity.text),
            Kind::Mention { username, domain } => match resolve(mentions, username, domain) {
                Some(account) => mention_into(&mut html, account, mentions),
                None => escape_into(&mut html, entity.text),
            },
            Kind::Hashtag { name } => {
                let _ = write!(
                    html,
                    r#"<a href="{}" class="mention hashtag" rel="tag">#<span>{}</span></a>"#,
                    Escaped(&tag_url(&name.to_lowercase())),
                    Escaped(name),
                );
            }
        }
        done = entity.end;
    }
    escape_into(&mut html, &text[done..]);
    paragraphs(&html)
}

/// `\r\n` and lone `\r` as `\n`, so one rule finds line and paragraph breaks.
pub(crate) fn normalize_newlines(text: &str) -> Cow<'_, str> {
    if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Blank lines (empty or only spaces) end a paragraph; other line ends become
/// `<br>`. The HTML given has no newlines except the text's own, since the markup
/// for entities has none.
fn paragraphs(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 16);
    let mut in_paragraph = false;
    for line in html.split('\n') {
        if line.trim().is_empty() {
            if in_paragraph {
                out.push_str("</p>");
                in_paragraph = false;
            }
        } else {
            out.push_str(if in_paragraph { "<br>" } else { "<p>" });
            in_paragraph = true;
            out.push_str(line);
        }
    }
    if in_paragraph {
        out.push_str("</p>");
    }
    out
}

/// The account a mention names, if it was resolved.
fn resolve<'m>(
    mentions: &'m [ResolvedMention],
    username: &str,
    domain: Option<&str>,
) -> Option<&'m ResolvedMention> {
    mentions
        .iter()
        .find(|m| same_name(&m.username, username) && same_domain(m.domain.as_deref(), domain))
}

fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn same_domain(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.to_lowercase() == b.to_lowercase(),
        _ => false,
    }
}

/// Shows the bare username, unless the post mentions another account with the same
/// username elsewhere: then, as on Mastodon, `name@domain`, so readers can tell
/// them apart.
fn mention_into(html: &mut String, account: &ResolvedMention, mentions: &[ResolvedMention]) {
    let ambiguous = mentions.iter().any(|other| {
        same_name(&other.username, &account.username)
            && !same_domain(other.domain.as_deref(), account.domain.as_deref())
    });
    let shown = match (&account.domain, ambiguous) {
        (Some(domain), true) => Cow::Owned(format!("{}@{}", account.username, domain)),
        _ => Cow::Borrowed(account.username.as_str()),
    };
    let _ = write!(
        html,
        r#"<span class="h-card" translate="no"><a href="{}" class="u-url mention">@<span>{}</span></a></span>"#,
        Escaped(&account.profile_url),
        Escaped(&shown),
    );
}

/// Mastodon's shortened link: the scheme (and `www.`) hidden, then at most 30
/// characters shown, the rest hidden behind an ellipsis. Copying the text still
/// gives the whole URL.
fn link_into(html: &mut String, url: &str) {
    let mut prefix_len = http_prefix_len(url);
    if url[prefix_len..]
        .get(..4)
        .is_some_and(|www| www.eq_ignore_ascii_case("www."))
    {
        prefix_len += 4;
    }
    let (prefix, rest) = url.split_at(prefix_len);
    let cut = rest
        .char_indices()
        .nth(VISIBLE_URL_CHARS)
        .map_or(rest.len(), |(i, _)| i);
    let (shown, hidden) = rest.split_at(cut);
    let _ = write!(
        html,
        concat!(
            r#"<a href="{}" target="_blank" rel="nofollow noopener noreferrer" translate="no">"#,
            r#"<span class="invisible">{}</span><span class="{}">{}</span><span class="invisible">{}</span></a>"#
        ),
        Escaped(url),
        Escaped(prefix),
        if hidden.is_empty() { "" } else { "ellipsis" },
        Escaped(shown),
        Escaped(hidden),
    );
}

/// Text with the five characters that mean something in HTML escaped.
struct Escaped<'a>(&'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut done = 0;
        for (i, c) in self.0.char_indices() {
            let entity = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&self.0[done..i])?;
            f.write_str(entity)?;
            done = i + 1;
        }
        f.write_str(&self.0[done..])
    }
}

fn escape_into(html: &mut String, text: &str) {
    let _ = write!(html, "{}", Escaped(text));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag_url(name: &str) -> String {
        format!("https://staff.example/tags/{name}")
    }

    fn render(text: &str) -> String {
        render_plain_text(text, &[], &tag_url)
    }

    fn account(username: &str, domain: Option<&str>) -> ResolvedMention {
        let host = domain.unwrap_or("staff.example");
        ResolvedMention {
            username: username.into(),
            domain: domain.map(Into::into),
            profile_url: format!("https://{host}/@{username}"),
            actor_id: format!("https://{host}/users/{username}"),
        }
    }

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(render("Hello"), "<p>Hello</p>");
        assert_eq!(render("one\ntwo\n\nthree"), "<p>one<br>two</p><p>three</p>");
        assert_eq!(
            render("a\r\nb\r\n\r\n\r\nc\rd"),
            "<p>a<br>b</p><p>c<br>d</p>"
        );
        assert_eq!(
            render("\n\n  first\n \t \nsecond\n\n"),
            "<p>  first</p><p>second</p>"
        );
        assert_eq!(render(""), "");
        assert_eq!(render(" \n\n "), "");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            render(r#"<script>alert("x")</script> & 'q'"#),
            "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;</p>"
        );
        assert_eq!(render("&amp; &#35;tag"), "<p>&amp;amp; &amp;#35;tag</p>");
    }

    #[test]
    fn short_link_markup() {
        assert_eq!(
            render("Read https://example.org/a."),
            concat!(
                r#"<p>Read <a href="https://example.org/a" target="_blank" rel="nofollow noopener noreferrer" translate="no">"#,
                r#"<span class="invisible">https://</span><span class="">example.org/a</span><span class="invisible"></span></a>.</p>"#
            )
        );
    }

    #[test]
    fn long_link_is_cut_with_an_ellipsis() {
        let url = "https://www.example.org/a/very/long/path/to/a/lesson?plan=1&week=2";
        let html = render(&format!("{url}!"));
        assert_eq!(
            html,
            concat!(
                r#"<p><a href="https://www.example.org/a/very/long/path/to/a/lesson?plan=1&amp;week=2" target="_blank" rel="nofollow noopener noreferrer" translate="no">"#,
                r#"<span class="invisible">https://www.</span><span class="ellipsis">example.org/a/very/long/path/t</span>"#,
                r#"<span class="invisible">o/a/lesson?plan=1&amp;week=2</span></a>!</p>"#
            )
        );
    }

    #[test]
    fn exactly_thirty_characters_has_no_ellipsis() {
        let rest = "abcdefghij.example/0123456789x"; // 30 characters
        assert_eq!(rest.chars().count(), 30);
        let html = render(&format!("http://{rest}"));
        assert!(
            html.contains(&format!(
                r#"<span class="">{rest}</span><span class="invisible"></span>"#
            )),
            "{html}"
        );
    }

    #[test]
    fn link_cut_counts_characters_not_bytes() {
        let html = render("https://example.org/éééééééééééééééééééééééééééééé");
        assert!(html.contains(r#"<span class="ellipsis">example.org/éééééééééééééééééé</span><span class="invisible">éééééééééééé</span>"#), "{html}");
    }

    #[test]
    fn link_with_parentheses_and_trailing_punctuation() {
        let html = render("(see https://en.wikipedia.org/wiki/Set_(mathematics)), ok?");
        assert!(
            html.starts_with(
                r#"<p>(see <a href="https://en.wikipedia.org/wiki/Set_(mathematics)""#
            ),
            "{html}"
        );
        assert!(html.ends_with("</a>), ok?</p>"), "{html}");
    }

    #[test]
    fn bare_www_is_not_a_link() {
        assert_eq!(render("www.example.org"), "<p>www.example.org</p>");
    }

    #[test]
    fn resolved_mention_is_linked_and_unresolved_stays_text() {
        let mentions = [account("alice", Some("school.example"))];
        let html = render_plain_text(
            "Hi @Alice@School.example and @carol@else.example",
            &mentions,
            &tag_url,
        );
        assert_eq!(
            html,
            concat!(
                r#"<p>Hi <span class="h-card" translate="no"><a href="https://school.example/@alice" class="u-url mention">@<span>alice</span></a></span>"#,
                " and @carol@else.example</p>"
            )
        );
    }

    #[test]
    fn bare_mention_matches_only_an_account_without_domain() {
        let remote = [account("alice", Some("school.example"))];
        assert_eq!(
            render_plain_text("@alice", &remote, &tag_url),
            "<p>@alice</p>"
        );
        let local = [account("alice", None)];
        assert_eq!(
            render_plain_text("@alice", &local, &tag_url),
            r#"<p><span class="h-card" translate="no"><a href="https://staff.example/@alice" class="u-url mention">@<span>alice</span></a></span></p>"#
        );
        assert_eq!(
            render_plain_text("@alice@school.example", &local, &tag_url),
            "<p>@alice@school.example</p>"
        );
    }

    #[test]
    fn same_username_on_two_servers_shows_domains() {
        let mentions = [account("sam", None), account("sam", Some("other.example"))];
        let html = render_plain_text("@sam @sam@other.example", &mentions, &tag_url);
        assert!(html.contains(">@<span>sam</span></a>"), "{html}");
        assert!(
            html.contains(">@<span>sam@other.example</span></a>"),
            "{html}"
        );
    }

    #[test]
    fn email_address_is_not_a_mention() {
        let mentions = [account("b", None), account("a", None)];
        assert_eq!(
            render_plain_text("write to a@b.example", &mentions, &tag_url),
            "<p>write to a@b.example</p>"
        );
    }

    #[test]
    fn hashtags_link_to_the_lower_cased_tag() {
        assert_eq!(
            render("#Café"),
            r#"<p><a href="https://staff.example/tags/café" class="mention hashtag" rel="tag">#<span>Café</span></a></p>"#
        );
        assert_eq!(
            render("学ぶ #日本語"),
            r#"<p>学ぶ <a href="https://staff.example/tags/日本語" class="mention hashtag" rel="tag">#<span>日本語</span></a></p>"#
        );
        assert_eq!(render("Room #123"), "<p>Room #123</p>");
    }

    #[test]
    fn url_fragment_is_not_a_hashtag() {
        let html = render("https://x.example/#a");
        assert!(!html.contains("hashtag"), "{html}");
        assert!(html.contains(r#"href="https://x.example/#a""#), "{html}");
    }

    #[test]
    fn hashtag_url_is_escaped() {
        let html = render_plain_text("#x", &[], &|_| r#"https://e.example/"><script>"#.to_owned());
        assert!(
            html.contains(r#"href="https://e.example/&quot;&gt;&lt;script&gt;""#),
            "{html}"
        );
    }

    #[test]
    fn everything_together() {
        let mentions = [account("alice", None)];
        let html = render_plain_text(
            "@alice look:\nhttps://e.example #Maths\n\n<3",
            &mentions,
            &tag_url,
        );
        assert_eq!(
            html,
            concat!(
                r#"<p><span class="h-card" translate="no"><a href="https://staff.example/@alice" class="u-url mention">@<span>alice</span></a></span> look:<br>"#,
                r#"<a href="https://e.example" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="">e.example</span><span class="invisible"></span></a> "#,
                r#"<a href="https://staff.example/tags/maths" class="mention hashtag" rel="tag">#<span>Maths</span></a></p><p>&lt;3</p>"#
            )
        );
    }
}
