//! Reading the HTML that ammonia writes, for the few changes ammonia's builder cannot
//! make itself (renaming elements, unwrapping links that lost their `href`) and for
//! extracting text.
//!
//! This is not an HTML parser, and must never see HTML from anyone else: it relies on
//! the form of html5ever's serialiser, which ammonia uses. There, text never holds a
//! raw `<` (it is written `&lt;`), no comments or raw-text elements survive our
//! configurations, every element but a void one has its end tag, and attribute
//! values are always in double quotes with `"` written `&quot;`.

/// One piece of serialised HTML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    /// Text, still escaped.
    Text(&'a str),
    /// A start tag with its attributes (values still escaped).
    Start {
        name: &'a str,
        attrs: Vec<(&'a str, &'a str)>,
    },
    End {
        name: &'a str,
    },
}

/// The tokens of `html`, which must be html5ever's serialiser output.
pub(crate) fn tokens(html: &str) -> Tokens<'_> {
    Tokens { rest: html }
}

pub(crate) struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        if self.rest.is_empty() {
            return None;
        }
        if !self.rest.starts_with('<') {
            let end = self.rest.find('<').unwrap_or(self.rest.len());
            let (text, rest) = self.rest.split_at(end);
            self.rest = rest;
            return Some(Token::Text(text));
        }
        let tag_end = tag_end(self.rest);
        let (tag, rest) = self.rest.split_at(tag_end);
        self.rest = rest;
        let inner = tag[1..].strip_suffix('>').unwrap_or(&tag[1..]);
        if let Some(name) = inner.strip_prefix('/') {
            return Some(Token::End { name: name.trim() });
        }
        let name_end = inner
            .find(|c: char| c.is_ascii_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let (name, mut attrs_src) = inner.split_at(name_end);
        let mut attrs = Vec::new();
        loop {
            attrs_src = attrs_src.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
            if attrs_src.is_empty() {
                break;
            }
            let name_end = attrs_src
                .find(|c: char| c == '=' || c.is_ascii_whitespace())
                .unwrap_or(attrs_src.len());
            let (attr, after) = attrs_src.split_at(name_end);
            match after.strip_prefix("=\"") {
                Some(quoted) => {
                    let value_end = quoted.find('"').unwrap_or(quoted.len());
                    attrs.push((attr, &quoted[..value_end]));
                    attrs_src = quoted.get(value_end + 1..).unwrap_or("");
                }
                None => {
                    attrs.push((attr, ""));
                    attrs_src = after;
                }
            }
        }
        Some(Token::Start { name, attrs })
    }
}

/// Byte length of the tag at the start of `html` (which starts with `<`): up to the
/// first `>` outside a quoted attribute value, or the whole rest.
fn tag_end(html: &str) -> usize {
    let mut in_quotes = false;
    for (i, b) in html.bytes().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'>' if !in_quotes => return i + 1,
            _ => {}
        }
    }
    html.len()
}

/// Writes a start tag; `attrs` are already escaped, as the serialiser left them.
pub(crate) fn push_start_tag(out: &mut String, name: &str, attrs: &[(&str, &str)]) {
    out.push('<');
    out.push_str(name);
    for (attr, value) in attrs {
        out.push(' ');
        out.push_str(attr);
        out.push_str("=\"");
        out.push_str(value);
        out.push('"');
    }
    out.push('>');
}

/// Text with the references html5ever's serialiser writes turned back into characters.
/// (Every other reference in the original was already decoded by the parser.)
pub(crate) fn unescape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let known = [
            ("&amp;", '&'),
            ("&lt;", '<'),
            ("&gt;", '>'),
            ("&quot;", '"'),
            ("&nbsp;", '\u{a0}'),
        ]
        .into_iter()
        .find(|(reference, _)| rest.starts_with(reference));
        match known {
            Some((reference, c)) => {
                out.push(c);
                rest = &rest[reference.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_serialised_html() {
        let got: Vec<Token<'_>> = tokens(
            r#"a &lt;b&gt;<p class="x y" title="1 > 0 &quot;q&quot;" reversed="">t<br></p>"#,
        )
        .collect();
        assert_eq!(
            got,
            vec![
                Token::Text("a &lt;b&gt;"),
                Token::Start {
                    name: "p",
                    attrs: vec![
                        ("class", "x y"),
                        ("title", "1 > 0 &quot;q&quot;"),
                        ("reversed", "")
                    ]
                },
                Token::Text("t"),
                Token::Start {
                    name: "br",
                    attrs: vec![]
                },
                Token::End { name: "p" },
            ]
        );
    }

    #[test]
    fn unescapes_what_the_serialiser_escapes() {
        assert_eq!(
            unescape("a &amp;lt; &lt;b&gt; &quot;&nbsp;& x"),
            "a &lt; <b> \"\u{a0}& x"
        );
        assert_eq!(unescape("plain"), "plain");
    }
}
