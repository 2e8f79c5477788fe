//! The plain words of some HTML, for previews, notifications and search.
//!
//! html5ever (through ammonia) parses the HTML and decodes every character
//! reference; ammonia keeps only the elements that shape lines, without
//! attributes, and drops scripts, styles and the like with their content. What is
//! left is read token by token and laid out as text.

use std::sync::LazyLock;

use ammonia::Builder;

use super::capped;
use super::markup::{self, Token};
use super::sanitize::DROPPED_WITH_CONTENT;

/// Elements that end a line or a paragraph; every other element is unwrapped.
const LINE_ELEMENTS: [&str; 20] = [
    "p",
    "br",
    "div",
    "blockquote",
    "pre",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "tr",
    "dl",
    "dt",
    "dd",
    "figcaption",
];

static LAYOUT_ONLY: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = Builder::default();
    builder
        .tags(LINE_ELEMENTS.into_iter().collect())
        .clean_content_tags(DROPPED_WITH_CONTENT.into_iter().collect())
        .generic_attributes(Default::default())
        .tag_attributes(Default::default())
        .tag_attribute_values(Default::default())
        .allowed_classes(Default::default())
        .link_rel(None)
        .strip_comments(true);
    builder
});

/// Plain text of some HTML: paragraphs (and other blocks) are separated by a blank
/// line, `<br>` and list items by a line break, character references are decoded,
/// tags dropped, and runs of white space outside `<pre>` collapsed, as a browser
/// would show them. Input beyond 512 KiB is cut off before parsing.
pub fn html_to_text(html: &str) -> String {
    let layout = LAYOUT_ONLY.clean(capped(html)).to_string();
    let mut text = TextLayout::default();
    for token in markup::tokens(&layout) {
        match token {
            Token::Text(escaped) => text.push(&markup::unescape(escaped)),
            Token::Start { name: "br", .. } => text.line_break(),
            Token::Start { name, .. } => text.element(name, true),
            Token::End { name } => text.element(name, false),
        }
    }
    let end = text.out.trim_end().len();
    text.out.truncate(end);
    text.out
}

#[derive(Default)]
struct TextLayout {
    out: String,
    /// Newlines owed before the next text; only paid if text follows, so there are
    /// none at the start or the end.
    owed: usize,
    /// Inside `<pre>`, white space is kept as it is.
    pre: usize,
    /// Lists inside lists are set off by a line break, not a blank line.
    lists: usize,
}

impl TextLayout {
    fn element(&mut self, name: &str, start: bool) {
        let breaks = match name {
            "li" | "tr" | "dt" | "dd" | "div" | "figcaption" => 1,
            "ul" | "ol" | "dl" => {
                let nested = if start {
                    self.lists > 0
                } else {
                    self.lists > 1
                };
                if start {
                    self.lists += 1;
                } else {
                    self.lists = self.lists.saturating_sub(1);
                }
                if nested {
                    1
                } else {
                    2
                }
            }
            "pre" => {
                if start {
                    self.pre += 1;
                } else {
                    self.pre = self.pre.saturating_sub(1);
                }
                2
            }
            _ => 2,
        };
        self.owed = self.owed.max(breaks);
    }

    fn line_break(&mut self) {
        self.owed += 1;
    }

    fn push(&mut self, text: &str) {
        if self.pre > 0 {
            if !text.is_empty() {
                self.pay_owed();
                self.out.push_str(text);
            }
            return;
        }
        let mut words = text.split_ascii_whitespace().peekable();
        if words.peek().is_none() {
            // Only white space: one space between words on the same line.
            if !text.is_empty()
                && self.owed == 0
                && !self.out.is_empty()
                && !self.out.ends_with([' ', '\n'])
            {
                self.out.push(' ');
            }
            return;
        }
        self.pay_owed();
        let at_line_start = self.out.is_empty() || self.out.ends_with('\n');
        if text.starts_with(|c: char| c.is_ascii_whitespace())
            && !at_line_start
            && !self.out.ends_with(' ')
        {
            self.out.push(' ');
        }
        let mut first = true;
        for word in words {
            if !first {
                self.out.push(' ');
            }
            self.out.push_str(word);
            first = false;
        }
        if text.ends_with(|c: char| c.is_ascii_whitespace()) {
            self.out.push(' ');
        }
    }

    /// Writes the owed newlines, without the spaces that ended the line before.
    fn pay_owed(&mut self) {
        if self.owed == 0 {
            return;
        }
        if !self.out.is_empty() {
            let kept = self.out.trim_end_matches(' ').len();
            self.out.truncate(kept);
            let have = self.out.len() - self.out.trim_end_matches('\n').len();
            for _ in have..self.owed {
                self.out.push('\n');
            }
        }
        self.owed = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(
            html_to_text("<p>one<br>two</p><p>three</p>"),
            "one\ntwo\n\nthree"
        );
        assert_eq!(html_to_text("<p>a<br/><br />b</p>"), "a\n\nb");
        assert_eq!(html_to_text("<p>a<br></p><p>b</p>"), "a\n\nb");
        assert_eq!(html_to_text("<p>one</p>\n\n<p>  two  </p>\n"), "one\n\ntwo");
        assert_eq!(html_to_text("plain"), "plain");
        assert_eq!(html_to_text(""), "");
    }

    #[test]
    fn entities_are_decoded_and_tags_dropped() {
        assert_eq!(
            html_to_text(
                "<p>1 &lt; 2 &amp;&amp; &quot;q&quot; &#39;s&#x27; &eacute;&nbsp;x &#128512;</p>"
            ),
            "1 < 2 && \"q\" 's' é\u{a0}x 😀"
        );
        assert_eq!(
            html_to_text("<p><b>bold</b> <a href=\"https://e.example\">link</a></p>"),
            "bold link"
        );
        assert_eq!(html_to_text("a &lt;script&gt;"), "a <script>");
    }

    #[test]
    fn mastodon_links_read_in_full() {
        let html = concat!(
            r#"<p><span class="h-card"><a href="https://s.example/@a" class="u-url mention">@<span>a</span></a></span> "#,
            r#"<a href="https://example.org/a/very/long/path/to/a/lesson" rel="nofollow noopener noreferrer" target="_blank">"#,
            r#"<span class="invisible">https://</span><span class="ellipsis">example.org/a/very/long/path/</span><span class="invisible">to/a/lesson</span></a></p>"#
        );
        assert_eq!(
            html_to_text(html),
            "@a https://example.org/a/very/long/path/to/a/lesson"
        );
    }

    #[test]
    fn scripts_and_styles_leave_no_text() {
        assert_eq!(
            html_to_text("<p>Hello<script>alert(1)</script></p><style>p{}</style>"),
            "Hello"
        );
        assert_eq!(html_to_text("<img src=x onerror=alert(1)>x<!-- c -->"), "x");
    }

    #[test]
    fn whitespace_collapses_except_in_pre() {
        assert_eq!(html_to_text("<p>  a \n\t b  <i> c </i>d</p>"), "a b c d");
        assert_eq!(
            html_to_text("<p>x</p><pre>  code\n    more</pre>"),
            "x\n\n  code\n    more"
        );
        assert_eq!(html_to_text("<span>a</span> <span>b</span>"), "a b");
    }

    #[test]
    fn lists_quotes_and_headings() {
        assert_eq!(
            html_to_text("<h1>Title</h1><p>Intro</p><ul><li>a</li><li>b<ul><li>c</li></ul></li></ul><blockquote><p>q</p></blockquote>"),
            "Title\n\nIntro\n\na\nb\nc\n\nq"
        );
    }

    #[test]
    fn large_input_is_capped() {
        let html = "<p>word</p>".repeat(200_000);
        let text = html_to_text(&html);
        assert!(text.len() < 512 * 1024);
        assert!(text.starts_with("word\n\nword"));
    }
}
