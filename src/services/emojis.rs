//! Custom emoji: ours, which administrators add from the command line
//! (`staffroom emoji add SHORTCODE FILE`), and other servers', learnt from the
//! `Emoji` tags of their posts and profiles. A post or a name shows those whose
//! `:shortcode:` it contains, from its author's server.

use crate::{
    db::{
        emojis::{self, Emoji},
        DbPool,
    },
    error::{Error, ErrorKind, Result},
    urls::Urls,
};
use diesel_async::AsyncPgConnection;

/// As Mastodon's `CustomEmoji::LIMIT`.
pub const MAX_BYTES: usize = 256 * 1024;
/// Emoji we read from one post or profile.
pub const MAX_PER_OBJECT: usize = 50;

/// Whether `shortcode` is one Mastodon accepts: letters, digits, underscores, two or more.
pub fn valid_shortcode(shortcode: &str) -> bool {
    shortcode.len() >= 2
        && shortcode.len() <= 64
        && shortcode
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The `:shortcode:`s a text uses (at most `MAX_PER_OBJECT`, each once), by
/// Mastodon's rule: the colons neither preceded nor followed by a letter, digit or
/// colon, so times (`10:30:`) are no emoji.
pub fn shortcodes_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let edge = |b: Option<&u8>| b.is_none_or(|b| !(b.is_ascii_alphanumeric() || *b == b':'));
    let mut found: Vec<String> = Vec::new();
    for (i, _) in text.match_indices(':') {
        if !edge(i.checked_sub(1).and_then(|p| bytes.get(p))) {
            continue;
        }
        let Some(len) = text[i + 1..].find(':') else {
            break;
        };
        let code = &text[i + 1..i + 1 + len];
        if valid_shortcode(code) && edge(bytes.get(i + 2 + len)) && !found.iter().any(|f| f == code)
        {
            found.push(code.to_string());
            if found.len() == MAX_PER_OBJECT {
                break;
            }
        }
    }
    found
}

/// Adds (or replaces) one of ours from an image file: PNG, GIF or WebP (as its
/// bytes say), at most 256 KiB and 1,024 px a side.
pub async fn add(pool: &DbPool, shortcode: &str, bytes: &[u8]) -> Result<Emoji> {
    if !valid_shortcode(shortcode) {
        return Err(Error::new(
            ErrorKind::BadRequest,
            "a shortcode is 2 to 64 letters, digits or underscores",
        ));
    }
    if bytes.len() > MAX_BYTES {
        return Err(Error::new(
            ErrorKind::BadRequest,
            format!("the image is larger than {} KiB", MAX_BYTES / 1024),
        ));
    }
    let content_type = match image::guess_format(bytes) {
        Ok(image::ImageFormat::Png) => "image/png",
        Ok(image::ImageFormat::Gif) => "image/gif",
        Ok(image::ImageFormat::WebP) => "image/webp",
        _ => {
            return Err(Error::new(
                ErrorKind::BadRequest,
                "the file is not a PNG, GIF or WebP image",
            ))
        }
    };
    let (w, h) = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Error::new(ErrorKind::BadRequest, "the image cannot be read"))?
        .into_dimensions()
        .map_err(|_| Error::new(ErrorKind::BadRequest, "the image cannot be read"))?;
    if w > 1024 || h > 1024 {
        return Err(Error::new(
            ErrorKind::BadRequest,
            format!("the image is {w}×{h} pixels; at most 1024×1024"),
        ));
    }
    let mut conn = pool.get().await?;
    Ok(emojis::put_local(&mut conn, shortcode, content_type, bytes).await?)
}

pub async fn remove(pool: &DbPool, shortcode: &str) -> Result<()> {
    let mut conn = pool.get().await?;
    if emojis::remove_local(&mut conn, shortcode).await? {
        Ok(())
    } else {
        Err(Error::not_found(format!("there is no emoji :{shortcode}:")))
    }
}

pub async fn list(pool: &DbPool) -> Result<Vec<Emoji>> {
    let mut conn = pool.get().await?;
    Ok(emojis::local(&mut conn).await?)
}

/// One of our emoji's image: its type and bytes.
pub async fn image(pool: &DbPool, id: i64) -> Result<(String, Vec<u8>)> {
    let mut conn = pool.get().await?;
    emojis::image(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("no such emoji"))
}

/// Where an emoji's image is: ours under `/emoji/ID`, others' on their server.
pub fn url(emoji: &Emoji, urls: &Urls) -> String {
    match &emoji.image_url {
        Some(u) if emoji.domain.is_some() => u.clone(),
        _ => format!("{}/emoji/{}", urls.base(), emoji.id),
    }
}

/// The emoji that `texts` (a post's text and warning, a name and bio) use, from the
/// server of `domain` (`None`: ours).
pub async fn used(
    conn: &mut AsyncPgConnection,
    domain: Option<&str>,
    texts: &[&str],
) -> Result<Vec<Emoji>> {
    let mut codes: Vec<String> = Vec::new();
    for t in texts {
        for c in shortcodes_in(t) {
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
    }
    codes.truncate(MAX_PER_OBJECT);
    Ok(emojis::find(conn, domain, &codes).await?)
}

/// Records another server's emoji that a post or profile of it named: `(domain,
/// [(shortcode, image URL, media type)])`. A failure only costs the emoji.
pub async fn remember(pool: &DbPool, emojis: &(Option<String>, Vec<(String, String, String)>)) {
    let (Some(domain), list) = emojis else { return };
    if list.is_empty() {
        return;
    }
    let stored = async {
        let mut conn = pool.get().await?;
        Ok::<_, Error>(emojis::upsert_remote(&mut conn, domain, list).await?)
    }
    .await;
    if let Err(e) = stored {
        tracing::warn!(%domain, error = %e, "cannot store custom emoji");
    }
}

/// Another server's emoji as its `Emoji` tags give them: `(shortcode, image URL,
/// media type)`, checked; anything unusable is skipped.
pub fn from_tags(tags: &[serde_json::Value]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    for tag in tags
        .iter()
        .filter(|t| t.get("type").and_then(|k| k.as_str()) == Some("Emoji"))
    {
        let Some(code) = tag
            .get("name")
            .and_then(|n| n.as_str())
            .map(|n| n.trim_matches(':'))
        else {
            continue;
        };
        let icon = tag.get("icon");
        let url = icon.and_then(|i| i.get("url")).and_then(|u| {
            u.as_str()
                .map(str::to_string)
                .or_else(|| u.get("href").and_then(|h| h.as_str()).map(str::to_string))
        });
        let Some(url) = url
            .filter(|u| (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 2048)
        else {
            continue;
        };
        let media_type = icon
            .and_then(|i| i.get("mediaType"))
            .and_then(|m| m.as_str())
            .filter(|m| m.starts_with("image/") && m.len() <= 100)
            .unwrap_or("image/png");
        if valid_shortcode(code) && !out.iter().any(|(c, _, _)| c == code) {
            out.push((code.to_string(), url, media_type.to_string()));
        }
        if out.len() >= MAX_PER_OBJECT {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes_are_found_between_colons() {
        assert_eq!(
            shortcodes_in("Well done :star: and :star: again :blob_cat:"),
            vec!["star", "blob_cat"]
        );
        assert_eq!(shortcodes_in("time 10:30: no"), Vec::<String>::new());
        assert_eq!(shortcodes_in(":a:b:"), Vec::<String>::new());
        assert_eq!(shortcodes_in("x:ok::fine:"), Vec::<String>::new());
        assert_eq!(shortcodes_in("<p>:ok: (:fine:)</p>"), vec!["ok", "fine"]);
    }
}
