//! The `Status` entity.

use super::account::account;
use crate::{services::status_views::StatusView, urls::Urls};
use serde_json::{json, Value};

pub fn status(v: &StatusView, urls: &Urls) -> Value {
    let s = &v.status;
    let uri = urls.status_uri(s, &v.author);
    let url = match (&s.url, v.author.is_local()) {
        (_, true) => urls.status_page(&v.author.username, s.id),
        (Some(u), false) => u.clone(),
        (None, false) => uri.clone(),
    };
    json!({
        "id": s.id.to_string(),
        "uri": uri,
        "url": if s.reblog_of_id.is_some() { Value::Null } else { Value::String(url) },
        "account": with_emojis(account(&v.author, urls, Some(&(&v.author_counts).into())), &v.author_emojis, urls),
        "in_reply_to_id": s.in_reply_to_id.map(|i| i.to_string()),
        "in_reply_to_account_id": s.in_reply_to_account_id.map(|i| i.to_string()),
        "reblog": v.reblog.as_ref().map(|r| status(r, urls)),
        "content": s.content,
        "created_at": s.created_at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "edited_at": s.edited_at.map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        "emojis": emojis(&v.emojis, urls),
        "replies_count": v.replies,
        "reblogs_count": v.reblogs,
        "favourites_count": v.favourites,
        "reblogged": v.reblogged,
        "favourited": v.favourited,
        "bookmarked": v.bookmarked,
        "muted": false,
        "pinned": v.pinned,
        "sensitive": s.sensitive || v.author.sensitized_at.is_some(),
        "spoiler_text": s.spoiler_text,
        "visibility": s.visibility().as_str(),
        "media_attachments": v.media.iter().map(|m| super::media::media_attachment(m, urls)).collect::<Vec<_>>(),
        "mentions": v.mentioned.iter().map(|m| json!({
            "id": m.id.to_string(),
            "username": m.username,
            "url": urls.profile_url(m),
            "acct": match &m.domain { Some(d) => format!("{}@{d}", m.username), None => m.username.clone() },
        })).collect::<Vec<_>>(),
        "tags": v.tags.iter().map(|t| json!({ "name": t, "url": urls.tag(t) })).collect::<Vec<_>>(),
        "card": v.card.as_ref().map(card).unwrap_or_else(|| shared_link_card(s)),
        "poll": v.poll.as_ref().map(|p| super::poll::poll(p, &v.own_votes, v.voted)),
        "application": null,
        "language": s.language,
        "text": s.text,
        "filtered": v.filtered.iter().map(super::filter::filter_result).collect::<Vec<_>>(),
    })
}

/// A preview card for a remote `Page` or `Article` (a Lemmy or Mbin link post): its
/// title and the link it shares, which objects/note.rs put last in its content. No
/// page is fetched for it, so there is no description or image (unless
/// services::cards fetched one, which `card` shows instead).
fn shared_link_card(s: &crate::db::statuses::Status) -> Value {
    let (Some(title), false) = (&s.title, s.local) else {
        return Value::Null;
    };
    if !matches!(s.object_type.as_str(), "Page" | "Article") {
        return Value::Null;
    }
    let Some(link) = crate::content::shared_link(&s.content) else {
        return Value::Null;
    };
    let provider = url::Url::parse(&link)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    card_entity(&link, title, "", &provider, None)
}

/// Mastodon's `CustomEmoji` entities.
pub fn emojis(list: &[crate::db::emojis::Emoji], urls: &Urls) -> Vec<Value> {
    list.iter()
        .map(|e| {
            let url = crate::services::emojis::url(e, urls);
            json!({ "shortcode": e.shortcode, "url": url, "static_url": url, "visible_in_picker": e.visible_in_picker, "category": null })
        })
        .collect()
}

/// An account entity with the custom emoji of its name and bio.
pub fn with_emojis(mut account: Value, list: &[crate::db::emojis::Emoji], urls: &Urls) -> Value {
    account["emojis"] = Value::Array(emojis(list, urls));
    account
}

/// Mastodon's `PreviewCard` of a link card services::cards made (OpenGraph, filled
/// in from oEmbed; `html` is already sanitised to one iframe).
pub fn card(c: &crate::db::cards::Card) -> Value {
    let mut card = card_entity(
        &c.url,
        &c.title,
        &c.description,
        &c.provider_name,
        c.image_url.as_deref(),
    );
    card["type"] = json!(c.kind);
    card["author_name"] = json!(c.author_name);
    card["author_url"] = json!(c.author_url);
    card["provider_url"] = json!(c.provider_url);
    card["html"] = json!(c.html);
    card["embed_url"] = json!(c.embed_url);
    card["width"] = json!(c.width);
    card["height"] = json!(c.height);
    card
}

/// Mastodon's `PreviewCard` of type `link`.
fn card_entity(
    url: &str,
    title: &str,
    description: &str,
    provider: &str,
    image: Option<&str>,
) -> Value {
    json!({
        "url": url,
        "title": title,
        "description": description,
        "type": "link",
        "author_name": "",
        "author_url": "",
        // Mastodon 4.3's fediverse authors of the page (`fediverse:creator`): not read.
        "authors": [],
        "provider_name": provider,
        "provider_url": "",
        "html": "",
        "width": 0,
        "height": 0,
        "image": image,
        "embed_url": "",
        "blurhash": null,
    })
}
