//! RFC 8941 structured-field dictionaries, as far as HTTP message signatures
//! (RFC 9421: `Signature-Input`, `Signature`, `Accept-Signature`) and digests
//! (RFC 9530: `Content-Digest`) use them. The parser follows the RFC's algorithm
//! strictly (anything it does not define is an error, never a guess), and it is
//! bounded: headers come from strangers, so lengths and counts are capped and
//! nothing recurses deeper than an inner list.

use openssl::base64;

/// Longest field value we parse; longer ones are refused unread.
pub const MAX_FIELD_BYTES: usize = 8192;
const MAX_MEMBERS: usize = 32;
const MAX_INNER_ITEMS: usize = 64;
const MAX_PARAMS: usize = 32;
const MAX_KEY_BYTES: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BareItem {
    Integer(i64),
    /// Kept as written (validated), so it serialises back exactly.
    Decimal(String),
    String(String),
    Token(String),
    Bytes(Vec<u8>),
    Boolean(bool),
}

pub type Parameters = Vec<(String, BareItem)>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub value: BareItem,
    pub params: Parameters,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    Item(Item),
    InnerList(Vec<Item>, Parameters),
}

pub type Dictionary = Vec<(String, Member)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SfError(pub &'static str);

/// Parses a dictionary field value. Duplicate keys are refused rather than letting
/// the last one win: in a signature header, two members with one label are an
/// ambiguity worth nothing but confusion.
pub fn parse_dictionary(input: &str) -> Result<Dictionary, SfError> {
    let mut p = Parser::new(input)?;
    let mut dict: Dictionary = Vec::new();
    p.skip_sp();
    if p.eof() {
        return Ok(dict);
    }
    loop {
        let key = p.key()?;
        let member = if p.eat(b'=') {
            p.member()?
        } else {
            Member::Item(Item {
                value: BareItem::Boolean(true),
                params: p.params()?,
            })
        };
        if dict.iter().any(|(k, _)| *k == key) {
            return Err(SfError("a dictionary key appears twice"));
        }
        if dict.len() >= MAX_MEMBERS {
            return Err(SfError("too many dictionary members"));
        }
        dict.push((key, member));
        p.skip_ows();
        if p.eof() {
            return Ok(dict);
        }
        if !p.eat(b',') {
            return Err(SfError("expected a comma between dictionary members"));
        }
        p.skip_ows();
        if p.eof() {
            return Err(SfError("trailing comma"));
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Result<Self, SfError> {
        if input.len() > MAX_FIELD_BYTES {
            return Err(SfError("the field is too long"));
        }
        // Structured fields are visible ASCII and spaces; tabs only as separators.
        if !input
            .bytes()
            .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
        {
            return Err(SfError(
                "the field contains characters outside visible ASCII",
            ));
        }
        Ok(Parser {
            s: input.as_bytes(),
            pos: 0,
        })
    }

    fn eof(&self) -> bool {
        self.pos >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn key(&mut self) -> Result<String, SfError> {
        let start = self.pos;
        match self.peek() {
            Some(b'a'..=b'z' | b'*') => self.pos += 1,
            _ => return Err(SfError("a key must start with a lower-case letter or *")),
        }
        while let Some(b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'.' | b'*') = self.peek() {
            self.pos += 1;
        }
        if self.pos - start > MAX_KEY_BYTES {
            return Err(SfError("a key is too long"));
        }
        Ok(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn member(&mut self) -> Result<Member, SfError> {
        if !self.eat(b'(') {
            return Ok(Member::Item(self.item()?));
        }
        let mut items = Vec::new();
        loop {
            self.skip_sp();
            if self.eat(b')') {
                return Ok(Member::InnerList(items, self.params()?));
            }
            if items.len() >= MAX_INNER_ITEMS {
                return Err(SfError("too many items in an inner list"));
            }
            items.push(self.item()?);
            if !matches!(self.peek(), Some(b' ' | b')')) {
                return Err(SfError("expected a space or ) in an inner list"));
            }
        }
    }

    fn item(&mut self) -> Result<Item, SfError> {
        let value = self.bare_item()?;
        Ok(Item {
            value,
            params: self.params()?,
        })
    }

    fn params(&mut self) -> Result<Parameters, SfError> {
        let mut params: Parameters = Vec::new();
        while self.eat(b';') {
            self.skip_sp();
            let key = self.key()?;
            let value = if self.eat(b'=') {
                self.bare_item()?
            } else {
                BareItem::Boolean(true)
            };
            if params.iter().any(|(k, _)| *k == key) {
                return Err(SfError("a parameter appears twice"));
            }
            if params.len() >= MAX_PARAMS {
                return Err(SfError("too many parameters"));
            }
            params.push((key, value));
        }
        Ok(params)
    }

    fn bare_item(&mut self) -> Result<BareItem, SfError> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'"') => self.string(),
            Some(b':') => self.bytes(),
            Some(b'?') => self.boolean(),
            Some(b'a'..=b'z' | b'A'..=b'Z' | b'*') => Ok(self.token()),
            _ => Err(SfError("expected an item")),
        }
    }

    fn number(&mut self) -> Result<BareItem, SfError> {
        let start = self.pos;
        self.eat(b'-');
        let digits_start = self.pos;
        let mut dot = None;
        while let Some(b) = self.peek() {
            match b {
                b'0'..=b'9' => self.pos += 1,
                b'.' if dot.is_none() => {
                    dot = Some(self.pos);
                    self.pos += 1;
                }
                _ => break,
            }
        }
        let text =
            std::str::from_utf8(&self.s[start..self.pos]).map_err(|_| SfError("invalid number"))?;
        match dot {
            None => {
                let len = self.pos - digits_start;
                if len == 0 || len > 15 {
                    return Err(SfError("an integer must have 1 to 15 digits"));
                }
                text.parse()
                    .map(BareItem::Integer)
                    .map_err(|_| SfError("invalid integer"))
            }
            Some(dot) => {
                let (int, frac) = (dot - digits_start, self.pos - dot - 1);
                if int == 0 || int > 12 || frac == 0 || frac > 3 {
                    return Err(SfError(
                        "a decimal must have 1 to 12 digits, a dot, and 1 to 3 digits",
                    ));
                }
                Ok(BareItem::Decimal(text.to_string()))
            }
        }
    }

    fn string(&mut self) -> Result<BareItem, SfError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return Err(SfError("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(BareItem::String(out));
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c as char);
                            self.pos += 1;
                        }
                        _ => {
                            return Err(SfError("a backslash in a string may only escape \" or \\"))
                        }
                    }
                }
                Some(c @ 0x20..=0x7e) => {
                    out.push(c as char);
                    self.pos += 1;
                }
                Some(_) => return Err(SfError("a string may only hold visible ASCII and spaces")),
            }
        }
    }

    fn token(&mut self) -> BareItem {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek() {
            let tchar = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&b);
            if !tchar {
                break;
            }
            self.pos += 1;
        }
        BareItem::Token(String::from_utf8_lossy(&self.s[start..self.pos]).into_owned())
    }

    fn bytes(&mut self) -> Result<BareItem, SfError> {
        self.pos += 1;
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b':' {
                break;
            }
            if !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
                return Err(SfError("a byte sequence may only hold base64"));
            }
            self.pos += 1;
        }
        if !self.eat(b':') {
            return Err(SfError("unterminated byte sequence"));
        }
        let text = std::str::from_utf8(&self.s[start..self.pos - 1])
            .map_err(|_| SfError("invalid byte sequence"))?;
        if text.is_empty() {
            return Ok(BareItem::Bytes(Vec::new()));
        }
        // Padding only at the end, and a length base64 can have.
        let body = text.trim_end_matches('=');
        if body.contains('=') || text.len() - body.len() > 2 || text.len() % 4 == 1 {
            return Err(SfError("a byte sequence is not valid base64"));
        }
        let mut padded = text.to_string();
        while padded.len() % 4 != 0 {
            padded.push('=');
        }
        base64::decode_block(&padded)
            .map(BareItem::Bytes)
            .map_err(|_| SfError("a byte sequence is not valid base64"))
    }

    fn boolean(&mut self) -> Result<BareItem, SfError> {
        self.pos += 1;
        match self.peek() {
            Some(b'1') => {
                self.pos += 1;
                Ok(BareItem::Boolean(true))
            }
            Some(b'0') => {
                self.pos += 1;
                Ok(BareItem::Boolean(false))
            }
            _ => Err(SfError("a boolean is ?0 or ?1")),
        }
    }
}

/// The canonical serialisation of a bare item (RFC 8941 §4.1).
pub fn serialize_bare_item(item: &BareItem) -> String {
    match item {
        BareItem::Integer(i) => i.to_string(),
        BareItem::Decimal(d) => d.clone(),
        BareItem::String(s) => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push('"');
            for c in s.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
            out
        }
        BareItem::Token(t) => t.clone(),
        BareItem::Bytes(b) => format!(":{}:", base64::encode_block(b)),
        BareItem::Boolean(b) => if *b { "?1" } else { "?0" }.to_string(),
    }
}

pub fn serialize_params(params: &Parameters) -> String {
    let mut out = String::new();
    for (key, value) in params {
        out.push(';');
        out.push_str(key);
        if *value != BareItem::Boolean(true) {
            out.push('=');
            out.push_str(&serialize_bare_item(value));
        }
    }
    out
}

pub fn serialize_item(item: &Item) -> String {
    serialize_bare_item(&item.value) + &serialize_params(&item.params)
}

pub fn serialize_inner_list(items: &[Item], params: &Parameters) -> String {
    let inner: Vec<String> = items.iter().map(serialize_item).collect();
    format!("({}){}", inner.join(" "), serialize_params(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_input_parses_and_serialises_back() {
        let text = r#"sig1=("@method" "@target-uri" "content-digest");created=1618884473;keyid="test-key";alg="rsa-v1_5-sha256""#;
        let dict = parse_dictionary(text).unwrap();
        assert_eq!(dict.len(), 1);
        let Member::InnerList(items, params) = &dict[0].1 else {
            panic!("inner list expected")
        };
        assert_eq!(items[0].value, BareItem::String("@method".into()));
        assert_eq!(params[0], ("created".into(), BareItem::Integer(1618884473)));
        assert_eq!(
            format!("sig1={}", serialize_inner_list(items, params)),
            text
        );
    }

    #[test]
    fn all_item_kinds_parse() {
        let dict = parse_dictionary(
            r#"a=1, b=-2.5, c="x\"y\\", d=tok/en:x, e=:aGVsbG8=:, f=?0, g, h;p=1;q"#,
        )
        .unwrap();
        let values: Vec<&Member> = dict.iter().map(|(_, m)| m).collect();
        let bare = |m: &Member| match m {
            Member::Item(i) => i.value.clone(),
            _ => panic!(),
        };
        assert_eq!(bare(values[0]), BareItem::Integer(1));
        assert_eq!(bare(values[1]), BareItem::Decimal("-2.5".into()));
        assert_eq!(bare(values[2]), BareItem::String("x\"y\\".into()));
        assert_eq!(bare(values[3]), BareItem::Token("tok/en:x".into()));
        assert_eq!(bare(values[4]), BareItem::Bytes(b"hello".to_vec()));
        assert_eq!(bare(values[5]), BareItem::Boolean(false));
        assert_eq!(bare(values[6]), BareItem::Boolean(true));
        let Member::Item(h) = values[7] else { panic!() };
        assert_eq!(
            h.params,
            vec![
                ("p".to_string(), BareItem::Integer(1)),
                ("q".to_string(), BareItem::Boolean(true))
            ]
        );
        assert_eq!(parse_dictionary("").unwrap(), vec![]);
        assert_eq!(parse_dictionary("   ").unwrap(), vec![]);
    }

    #[test]
    fn hostile_and_malformed_input_is_refused_without_panicking() {
        let long_list = format!("a=({})", "1 ".repeat(100));
        let many_members = (0..40)
            .map(|i| format!("k{i}=1"))
            .collect::<Vec<_>>()
            .join(",");
        let many_params = format!(
            "a=1{}",
            (0..40).map(|i| format!(";p{i}")).collect::<String>()
        );
        let too_long = format!("a=\"{}\"", "x".repeat(MAX_FIELD_BYTES));
        let long_key = format!("{}=1", "k".repeat(100));
        let bad = [
            "A=1",
            "a=1,",
            "a=1,,b=2",
            "a=1 b=2",
            "a=1, a=2",
            "a=\"unterminated",
            "a=\"bad \\n escape\"",
            "a=\"caf\u{e9}\"",
            "a=:not base64!:",
            "a=:aGVsbG8=",
            "a=:a===:",
            "a=:a:",
            "a=?2",
            "a=1234567890123456",
            "a=1.2345",
            "a=1234567890123.5",
            "a=-",
            "a=1.",
            "a=(1 2",
            "a=(1,2)",
            "a=((1))",
            "a=1;A=2",
            "a=1;p=1;p=2",
            "a=@x",
            "a=\u{0}",
            "a=1\r\nb=2",
            "(",
            ")",
            ";",
            "=",
            "a=",
            "a=)",
        ];
        for input in bad {
            assert!(
                parse_dictionary(input).is_err(),
                "{input:?} should be refused"
            );
        }
        for input in [long_list, many_members, many_params, too_long, long_key] {
            assert!(
                parse_dictionary(&input).is_err(),
                "{} should be refused",
                &input[..40]
            );
        }
        // Every prefix of a valid field parses or fails cleanly.
        let valid =
            r#"sig1=("@method" "@target-uri");created=1;keyid="k";alg="ed25519", sig2=:AAAA:;x=?1"#;
        for end in 0..=valid.len() {
            let _ = parse_dictionary(&valid[..end]);
        }
    }

    #[test]
    fn strings_and_bytes_serialise_canonically() {
        assert_eq!(
            serialize_bare_item(&BareItem::String("a\"b\\c".into())),
            r#""a\"b\\c""#
        );
        assert_eq!(
            serialize_bare_item(&BareItem::Bytes(b"hello".to_vec())),
            ":aGVsbG8=:"
        );
        assert_eq!(
            serialize_params(&vec![
                ("a".into(), BareItem::Boolean(true)),
                ("b".into(), BareItem::Boolean(false))
            ]),
            ";a;b=?0"
        );
    }
}
