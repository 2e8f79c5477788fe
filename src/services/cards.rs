//! Link cards: the first link of a post (ours or another server's) gets Mastodon's
//! `card`, from the linked page's OpenGraph tags (`og:title`, `og:description`,
//! `og:image`, `og:site_name`; `<title>` and `description` as fallbacks), filled in
//! from the page's oEmbed answer when it advertises one (author, provider, thumbnail,
//! and a `video`/`rich` embed when its HTML is one safe iframe). Fetched in the
//! background through the guarded client, never holding up the post: at most
//! `MAX_AT_ONCE` fetches at a time (more are skipped), `MAX_PAGE_BYTES` read of a
//! page or an oEmbed answer, one fetch per URL a day (cards are shared by every post
//! linking the URL).

use crate::{
    context::AppContext,
    db::{
        cards::{self, Card, CardForm},
        StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::client::HttpClient,
};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

pub const MAX_AT_ONCE: usize = 4;
pub const MAX_PAGE_BYTES: usize = 512 * 1024;
fn fresh() -> chrono::Duration {
    chrono::Duration::days(1)
}

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(MAX_AT_ONCE))
}

/// The first link of a post's HTML that is neither a mention nor a hashtag.
pub fn first_link(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("<a ") {
        let start = from + at;
        let end = start + lower[start..].find('>')?;
        let tag = &html[start..end];
        from = end;
        let tag_lower = &lower[start..end];
        if tag_lower.contains("mention")
            || tag_lower.contains("hashtag")
            || tag_lower.contains("rel=\"tag\"")
        {
            continue;
        }
        if let Some(href) = attribute(tag, "href") {
            if (href.starts_with("https://") || href.starts_with("http://"))
                && href.len() <= 2048
                && url::Url::parse(&href).is_ok()
            {
                return Some(href);
            }
        }
    }
    None
}

/// An attribute's value in a tag's text (`name="…"` or `name='…'`), entities undone.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(name) {
        let i = from + at;
        from = i + name.len();
        let before_ok = i == 0 || lower.as_bytes()[i - 1].is_ascii_whitespace();
        let rest = tag[i + name.len()..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let rest = rest[1..].trim_start();
        let quote = rest.chars().next()?;
        let value = if quote == '"' || quote == '\'' {
            let inner = &rest[1..];
            &inner[..inner.find(quote)?]
        } else {
            rest.split(|c: char| c.is_whitespace() || c == '>').next()?
        };
        return Some(unescape(value));
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What a page's `<head>` says about it.
#[derive(Debug, Default, PartialEq)]
pub struct PageInfo {
    pub title: String,
    /// The title is only the `<title>` tag's (no OpenGraph or Twitter title), which
    /// an oEmbed title may replace.
    pub plain_title: bool,
    pub description: String,
    pub image: Option<String>,
    pub site_name: String,
    /// The oEmbed answer the page advertises (`<link rel="alternate"
    /// type="application/json+oembed" href=…>`), made absolute.
    pub oembed: Option<String>,
}

/// Reads OpenGraph (and plain) metadata from a page's HTML.
pub fn parse_page(html: &str, page_url: &url::Url) -> PageInfo {
    let lower = html.to_ascii_lowercase();
    let mut info = PageInfo::default();
    let (mut og_title, mut og_description, mut description, mut twitter_title) =
        (None, None, None, None);
    let mut from = 0;
    while let Some(at) = lower[from..].find("<meta") {
        let start = from + at;
        let Some(len) = lower[start..].find('>') else {
            break;
        };
        let tag = &html[start..start + len];
        from = start + len;
        let key = attribute(tag, "property")
            .or_else(|| attribute(tag, "name"))
            .map(|k| k.to_ascii_lowercase());
        let Some(content) = attribute(tag, "content") else {
            continue;
        };
        match key.as_deref() {
            Some("og:title") => og_title = og_title.or(Some(content)),
            Some("twitter:title") => twitter_title = twitter_title.or(Some(content)),
            Some("og:description") => og_description = og_description.or(Some(content)),
            Some("description") => description = description.or(Some(content)),
            Some("og:image") | Some("og:image:url") if info.image.is_none() => {
                info.image = web_url(page_url, &content);
            }
            Some("og:site_name") if info.site_name.is_empty() => info.site_name = content,
            _ => {}
        }
    }
    info.oembed = oembed_link(html, &lower, page_url);
    let title_tag = lower.find("<title").and_then(|s| {
        let open = s + lower[s..].find('>')? + 1;
        let close = open + lower[open..].find("</title")?;
        Some(unescape(&html[open..close]))
    });
    info.plain_title = og_title.is_none() && twitter_title.is_none();
    info.title = clean(
        &og_title.or(twitter_title).or(title_tag).unwrap_or_default(),
        200,
    );
    info.description = clean(&og_description.or(description).unwrap_or_default(), 400);
    info.site_name = clean(&std::mem::take(&mut info.site_name), 100);
    info
}

/// Text from a page or an oEmbed answer as a card shows it: plain, on one line, cut.
fn clean(s: &str, max: usize) -> String {
    crate::content::html_to_text(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// An absolute http(s) URL of at most 2,048 characters, resolved against `base`.
fn web_url(base: &url::Url, value: &str) -> Option<String> {
    base.join(value.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(|u| u.to_string())
        .filter(|u| u.len() <= 2048)
}

/// The oEmbed discovery link of a page's HTML (JSON only; XML answers are not read).
fn oembed_link(html: &str, lower: &str, page_url: &url::Url) -> Option<String> {
    let mut from = 0;
    while let Some(at) = lower[from..].find("<link") {
        let start = from + at;
        let len = lower[start..].find('>')?;
        let tag = &html[start..start + len];
        from = start + len;
        let rel = attribute(tag, "rel")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let kind = attribute(tag, "type")
            .unwrap_or_default()
            .to_ascii_lowercase();
        if rel.split_whitespace().any(|r| r == "alternate")
            && matches!(kind.trim(), "application/json+oembed" | "text/json+oembed")
        {
            if let Some(href) = attribute(tag, "href") {
                return web_url(page_url, &href);
            }
        }
    }
    None
}

/// What an oEmbed answer (<https://oembed.com>, 2.3.4) adds to a card. Numbers may
/// come as strings, as some providers send them.
#[derive(Debug, Default, PartialEq)]
pub struct OEmbed {
    /// `link`, `photo`, `video` or `rich`.
    pub kind: String,
    pub title: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_name: String,
    pub provider_url: String,
    pub thumbnail: Option<(String, i32, i32)>,
    /// A `photo`'s image.
    pub url: Option<String>,
    /// A `video` or `rich` answer's `html`, sanitised; `None` when it could not be.
    pub html: Option<String>,
    pub width: i32,
    pub height: i32,
}

/// Reads an oEmbed answer; `None` when it is no oEmbed object.
pub fn parse_oembed(value: &serde_json::Value, oembed_url: &url::Url) -> Option<OEmbed> {
    let text = |k: &str| value.get(k).and_then(|v| v.as_str()).unwrap_or_default();
    let size = |k: &str| {
        let v = value.get(k)?;
        v.as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .or_else(|| v.as_str()?.trim().parse().ok())
            .map(|n| n.clamp(0, 10_000) as i32)
    };
    let kind = text("type").to_ascii_lowercase();
    if !matches!(kind.as_str(), "link" | "photo" | "video" | "rich") {
        return None;
    }
    let url_of = |k: &str| {
        Some(text(k))
            .filter(|s| !s.is_empty())
            .and_then(|s| web_url(oembed_url, s))
    };
    let thumbnail = url_of("thumbnail_url").map(|u| {
        (
            u,
            size("thumbnail_width").unwrap_or(0),
            size("thumbnail_height").unwrap_or(0),
        )
    });
    let html = matches!(kind.as_str(), "video" | "rich")
        .then(|| crate::content::sanitize_embed(text("html")))
        .flatten();
    Some(OEmbed {
        title: clean(text("title"), 200),
        author_name: clean(text("author_name"), 100),
        author_url: url_of("author_url").unwrap_or_default(),
        provider_name: clean(text("provider_name"), 100),
        provider_url: url_of("provider_url").unwrap_or_default(),
        url: url_of("url"),
        width: size("width").unwrap_or(0),
        height: size("height").unwrap_or(0),
        thumbnail,
        html,
        kind,
    })
}

/// The card of `link` from its page and, where the page says nothing, its oEmbed
/// answer. An embed that could not be sanitised leaves a `link` card.
pub fn card_form(link: &str, page: PageInfo, oembed: Option<OEmbed>) -> CardForm {
    let mut form = CardForm {
        url: link.to_string(),
        usable: false,
        title: page.title,
        description: page.description,
        image_url: page.image,
        provider_name: page.site_name,
        fetched_at: chrono::Utc::now(),
        kind: "link".into(),
        author_name: String::new(),
        author_url: String::new(),
        provider_url: String::new(),
        html: String::new(),
        embed_url: String::new(),
        width: 0,
        height: 0,
    };
    if let Some(o) = oembed {
        if (form.title.is_empty() || page.plain_title) && !o.title.is_empty() {
            form.title = o.title;
        }
        if form.provider_name.is_empty() {
            form.provider_name = o.provider_name;
        }
        form.author_name = o.author_name;
        form.author_url = o.author_url;
        form.provider_url = o.provider_url;
        if form.image_url.is_none() {
            if let Some((url, w, h)) = o.thumbnail {
                form.image_url = Some(url);
                (form.width, form.height) = (w, h);
            }
        }
        match (o.kind.as_str(), o.html, o.url) {
            (kind @ ("video" | "rich"), Some(html), _) => {
                form.kind = kind.to_string();
                form.html = html;
                (form.width, form.height) = (o.width, o.height);
            }
            ("photo", _, Some(url)) => {
                form.kind = "photo".into();
                form.image_url.get_or_insert_with(|| url.clone());
                form.embed_url = url;
                (form.width, form.height) = (o.width, o.height);
            }
            _ => {}
        }
    }
    form.usable = !form.title.is_empty();
    form
}

/// Gives a post the card of its first link, in the background; never fails the post.
pub fn attach_later(ctx: &AppContext, status: StatusId, html: &str) {
    let Some(link) = first_link(html) else { return };
    // Links to this server's own pages make no card.
    let authority = url::Url::parse(&link).ok().and_then(|u| {
        Some(match u.port() {
            Some(p) => format!("{}:{p}", u.host_str()?),
            None => u.host_str()?.to_string(),
        })
    });
    if authority.is_some_and(|a| a.eq_ignore_ascii_case(ctx.urls.domain())) {
        return;
    }
    let Ok(permit) = permits().try_acquire() else {
        tracing::info!(%status, "too many link cards being fetched; this post gets none");
        return;
    };
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let _permit = permit;
        if let Err(e) = attach(&ctx, status, &link).await {
            tracing::info!(%status, url = %link, error = %e, "no link card");
        }
    });
}

async fn attach(ctx: &AppContext, status: StatusId, link: &str) -> Result<()> {
    let known = {
        let mut conn = ctx.pool.get().await?;
        cards::by_url(&mut conn, link).await?
    };
    let card = match known.filter(|c| chrono::Utc::now() - c.fetched_at < fresh()) {
        Some(card) => card,
        None => {
            let form = fetch(ctx, link).await.unwrap_or_else(|e| {
                tracing::info!(url = %link, error = %e, "link card fetch failed");
                card_form(link, PageInfo::default(), None)
            });
            let mut conn = ctx.pool.get().await?;
            cards::upsert(&mut conn, &form).await?
        }
    };
    let mut conn = ctx.pool.get().await?;
    cards::link(&mut conn, status, Some(card.id)).await?;
    tracing::info!(%status, url = %link, usable = card.usable, "link card attached");
    Ok(())
}

async fn fetch(ctx: &AppContext, link: &str) -> Result<CardForm> {
    let (final_url, body) = get_bounded(
        ctx,
        link,
        "text/html,application/xhtml+xml",
        |t| t.contains("html"),
        "page",
    )
    .await?;
    let page = parse_page(&String::from_utf8_lossy(&body), &final_url);
    let oembed = match &page.oembed {
        Some(href) => match fetch_oembed(ctx, href).await {
            Ok(o) => Some(o),
            Err(e) => {
                tracing::info!(url = %link, oembed = %href, error = %e, "oEmbed answer not used");
                None
            }
        },
        None => None,
    };
    Ok(card_form(link, page, oembed))
}

/// The page's oEmbed answer, through the same guarded client and bounds as the page.
async fn fetch_oembed(ctx: &AppContext, href: &str) -> Result<OEmbed> {
    let (final_url, body) = get_bounded(
        ctx,
        href,
        "application/json+oembed,application/json",
        |t| t.contains("json"),
        "oEmbed answer",
    )
    .await?;
    serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| parse_oembed(&v, &final_url))
        .ok_or_else(|| Error::new(ErrorKind::RemoteFailed, "not an oEmbed answer"))
}

/// GETs `link` through the guarded client (private addresses and blocked servers
/// refused), reading at most `MAX_PAGE_BYTES` of an answer whose `Content-Type`
/// passes `wanted`: the final URL (after redirects) and the body.
async fn get_bounded(
    ctx: &AppContext,
    link: &str,
    accept: &str,
    wanted: fn(&str) -> bool,
    what: &str,
) -> Result<(url::Url, Vec<u8>)> {
    let url = url::Url::parse(link).map_err(|_| Error::bad_request("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::bad_request("not a web address"));
    }
    ctx.client
        .check(&url)
        .map_err(|e| Error::new(ErrorKind::Forbidden, e.to_string()))?;
    if ctx.blocks.is_blocked_url(&ctx.pool, link).await {
        return Err(Error::new(ErrorKind::Forbidden, "a blocked server"));
    }
    let response = ctx
        .client
        .inner()
        .get(url)
        .header("Accept", accept)
        .send()
        .await
        .map_err(|e| {
            Error::new(
                ErrorKind::RemoteFailed,
                format!("the {what} did not answer"),
            )
            .with_cause(e)
        })?;
    if !response.status().is_success() {
        return Err(Error::new(
            ErrorKind::RemoteFailed,
            format!("the {what} answered HTTP {}", response.status()),
        ));
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !wanted(&content_type) {
        return Err(Error::new(
            ErrorKind::RemoteFailed,
            format!("the {what} is of type {content_type:?}"),
        ));
    }
    let final_url = response.url().clone();
    match HttpClient::read_limited(link, response, MAX_PAGE_BYTES).await {
        Ok(body) => Ok((final_url, body)),
        Err(crate::federation::client::ClientError::TooLarge(..)) => Err(Error::new(
            ErrorKind::RemoteFailed,
            format!("the {what} is too large"),
        )),
        Err(e) => Err(Error::new(ErrorKind::RemoteFailed, e.to_string())),
    }
}

/// The card of one post, if it has a usable one.
pub async fn of_status(ctx: &AppContext, status: StatusId) -> Result<Option<Card>> {
    let mut conn = ctx.pool.get().await?;
    Ok(cards::of_statuses(&mut conn, &[status])
        .await?
        .into_iter()
        .next()
        .map(|(_, c)| c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_plain_link_is_chosen() {
        let html = r#"<p><span class="h-card"><a href="https://m.example/@a" class="u-url mention">@a</a></span> <a href="https://s.example/tags/x" class="mention hashtag" rel="tag">#x</a> see <a href="https://news.example/a?b=1&amp;c=2" rel="nofollow">news</a></p>"#;
        assert_eq!(
            first_link(html).as_deref(),
            Some("https://news.example/a?b=1&c=2")
        );
        assert_eq!(first_link("<p>no links</p>"), None);
    }

    #[test]
    fn open_graph_wins_over_plain_tags() {
        let page = url::Url::parse("https://news.example/articles/1").unwrap();
        let html = r#"<html><head><title>Plain &amp; simple</title><meta name="description" content="plain">
            <meta property="og:title" content="Fractions &quot;made easy&quot;"><meta content="How to teach them" property="og:description">
            <meta property="og:image" content="/img/cover.jpg"><meta property="og:site_name" content="News"></head></html>"#;
        let info = parse_page(html, &page);
        assert_eq!(info.title, "Fractions \"made easy\"");
        assert_eq!(info.description, "How to teach them");
        assert_eq!(
            info.image.as_deref(),
            Some("https://news.example/img/cover.jpg")
        );
        assert_eq!(info.site_name, "News");
        let plain = parse_page("<title>Plain &amp; simple</title>", &page);
        assert_eq!(plain.title, "Plain & simple");
    }

    #[test]
    fn oembed_fills_in_what_the_page_lacks() {
        let page_url = url::Url::parse("https://video.example/watch/7").unwrap();
        let html = r#"<html><head><title>Plain</title>
            <link rel="alternate" type="application/json+oembed" href="/oembed?url=x&amp;format=json" title="x"></head></html>"#;
        let page = parse_page(html, &page_url);
        assert_eq!(
            page.oembed.as_deref(),
            Some("https://video.example/oembed?url=x&format=json")
        );
        assert!(page.plain_title);
        let answer = serde_json::json!({
            "version": "1.0", "type": "video", "title": "Fractions, the video",
            "author_name": "Ms Lee", "author_url": "https://video.example/@lee",
            "provider_name": "Video Example", "provider_url": "https://video.example/",
            "thumbnail_url": "/t/7.jpg", "thumbnail_width": "480", "thumbnail_height": 360,
            "html": "<iframe src=\"https://video.example/embed/7\" width=\"640\" height=\"360\" allowfullscreen></iframe>",
            "width": 640, "height": 360
        });
        let oembed_url = url::Url::parse("https://video.example/oembed").unwrap();
        let o = parse_oembed(&answer, &oembed_url).unwrap();
        let card = card_form("https://video.example/watch/7", page, Some(o));
        assert_eq!(card.title, "Fractions, the video");
        assert_eq!(card.kind, "video");
        assert_eq!(card.author_name, "Ms Lee");
        assert_eq!(card.provider_name, "Video Example");
        assert_eq!(
            card.image_url.as_deref(),
            Some("https://video.example/t/7.jpg")
        );
        assert_eq!((card.width, card.height), (640, 360));
        assert!(card.html.starts_with("<iframe "), "{}", card.html);
        assert!(card.usable);

        // OpenGraph wins where it speaks; an embed that cannot be made safe is a link.
        let og = parse_page(
            r#"<meta property="og:title" content="From OG"><meta property="og:site_name" content="OG site">"#,
            &page_url,
        );
        let mut hostile = answer.clone();
        hostile["html"] = "<script>alert(1)</script>".into();
        let card = card_form(
            "https://video.example/watch/7",
            og,
            parse_oembed(&hostile, &oembed_url),
        );
        assert_eq!(card.title, "From OG");
        assert_eq!(card.provider_name, "OG site");
        assert_eq!(card.kind, "link");
        assert_eq!(card.html, "");
        assert_eq!(card.author_name, "Ms Lee");

        assert_eq!(
            parse_oembed(&serde_json::json!({"type": "script"}), &oembed_url),
            None
        );

        // A photo: its image is the card's, and its embed_url.
        let photo = serde_json::json!({"type": "photo", "title": "Display", "url": "https://img.example/d.jpg", "width": 800, "height": 600});
        let card = card_form(
            "https://img.example/p/1",
            PageInfo::default(),
            parse_oembed(&photo, &oembed_url),
        );
        assert_eq!(card.kind, "photo");
        assert_eq!(card.embed_url, "https://img.example/d.jpg");
        assert_eq!(card.image_url.as_deref(), Some("https://img.example/d.jpg"));
        assert_eq!((card.width, card.height), (800, 600));
    }
}
