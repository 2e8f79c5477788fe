//! Link cards: the first link of a post (ours or another server's) gets Mastodon's
//! `card`, from the linked page's OpenGraph tags (`og:title`, `og:description`,
//! `og:image`, `og:site_name`; `<title>` and `description` as fallbacks). Fetched
//! in the background through the guarded client, never holding up the post: at most
//! `MAX_AT_ONCE` fetches at a time (more are skipped), `MAX_PAGE_BYTES` read of a
//! page, one fetch per URL a day (cards are shared by every post linking the URL).

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
    pub description: String,
    pub image: Option<String>,
    pub site_name: String,
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
                info.image = page_url
                    .join(&content)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .map(|u| u.to_string());
            }
            Some("og:site_name") if info.site_name.is_empty() => info.site_name = content,
            _ => {}
        }
    }
    let title_tag = lower.find("<title").and_then(|s| {
        let open = s + lower[s..].find('>')? + 1;
        let close = open + lower[open..].find("</title")?;
        Some(unescape(&html[open..close]))
    });
    let clean = |s: String, max: usize| {
        crate::content::html_to_text(&s)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(max)
            .collect::<String>()
    };
    info.title = clean(
        og_title.or(twitter_title).or(title_tag).unwrap_or_default(),
        200,
    );
    info.description = clean(og_description.or(description).unwrap_or_default(), 400);
    info.site_name = clean(std::mem::take(&mut info.site_name), 100);
    info
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
                CardForm {
                    url: link.to_string(),
                    title: String::new(),
                    description: String::new(),
                    image_url: None,
                    provider_name: String::new(),
                    usable: false,
                    fetched_at: chrono::Utc::now(),
                }
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
    let url = url::Url::parse(link).map_err(|_| Error::bad_request("not a URL"))?;
    ctx.client
        .check(&url)
        .map_err(|e| Error::new(ErrorKind::Forbidden, e.to_string()))?;
    if ctx.blocks.is_blocked_url(&ctx.pool, link).await {
        return Err(Error::new(ErrorKind::Forbidden, "a blocked server"));
    }
    let response = ctx
        .client
        .inner()
        .get(url.clone())
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .map_err(|e| {
            Error::new(ErrorKind::RemoteFailed, "the page did not answer").with_cause(e)
        })?;
    if !response.status().is_success() {
        return Err(Error::new(
            ErrorKind::RemoteFailed,
            format!("the page answered HTTP {}", response.status()),
        ));
    }
    let is_html = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("html"));
    if !is_html {
        return Err(Error::new(ErrorKind::RemoteFailed, "not an HTML page"));
    }
    let final_url = response.url().clone();
    let body = match HttpClient::read_limited(link, response, MAX_PAGE_BYTES).await {
        Ok(b) => b,
        Err(crate::federation::client::ClientError::TooLarge(..)) => {
            return Err(Error::new(ErrorKind::RemoteFailed, "the page is too large"))
        }
        Err(e) => return Err(Error::new(ErrorKind::RemoteFailed, e.to_string())),
    };
    let info = parse_page(&String::from_utf8_lossy(&body), &final_url);
    Ok(CardForm {
        url: link.to_string(),
        usable: !info.title.is_empty(),
        title: info.title,
        description: info.description,
        image_url: info.image,
        provider_name: info.site_name,
        fetched_at: chrono::Utc::now(),
    })
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
}
