//! Posts as ActivityStreams objects: ours as `Note`s with Mastodon's addressing,
//! and incoming notes as rows.

use crate::{
    content,
    db::{
        accounts::Account,
        media::{Media, MediaInsertForm},
        polls::{Poll, PollInsertForm},
        statuses::{Status, StatusInsertForm, Visibility},
        StatusId,
    },
    error::{Error, Result},
    federation::protocol::{
        context::{ACTIVITYSTREAMS, PUBLIC},
        note::{
            Attachment, EmojiIcon, EmojiTag, IncomingNote, Note, NoteTag, OptionReplies,
            PollOption, Replies, RepliesPage, Tag,
        },
    },
    urls::Urls,
};
use serde_json::{json, Value};

/// The JSON-LD context of notes and the activities that carry them.
pub fn note_context() -> Value {
    json!([
        ACTIVITYSTREAMS,
        {
            "ostatus": "http://ostatus.org#",
            "atomUri": "ostatus:atomUri",
            "sensitive": "as:sensitive",
            "toot": "http://joinmastodon.org/ns#",
            "Hashtag": "as:Hashtag",
            "blurhash": "toot:blurhash",
            "votersCount": "toot:votersCount",
            "Emoji": "toot:Emoji",
            "focalPoint": { "@container": "@list", "@id": "toot:focalPoint" }
        }
    ])
}

/// Mastodon's addressing: public → to Public, cc followers; unlisted → to followers,
/// cc Public; followers-only → to followers; direct → to the mentioned. Mentioned
/// actors are always in cc (in to for direct).
pub fn addressing(
    visibility: Visibility,
    followers: &str,
    mentioned: &[String],
) -> (Vec<String>, Vec<String>) {
    let mentions = mentioned.iter().cloned();
    match visibility {
        Visibility::Public => (
            vec![PUBLIC.into()],
            std::iter::once(followers.to_string())
                .chain(mentions)
                .collect(),
        ),
        Visibility::Unlisted => (
            vec![followers.to_string()],
            std::iter::once(PUBLIC.to_string())
                .chain(mentions)
                .collect(),
        ),
        Visibility::Private => (vec![followers.to_string()], mentions.collect()),
        Visibility::Direct => (mentions.collect(), Vec::new()),
    }
}

/// One of our posts as the `Note` other servers fetch and receive.
pub fn local_status_to_note(
    status: &Status,
    author: &Account,
    mentioned: &[Account],
    tags: &[String],
    media: &[Media],
    in_reply_to: Option<String>,
    urls: &Urls,
) -> Note {
    let mentioned_ids: Vec<String> = mentioned.iter().map(|a| urls.actor_id(a)).collect();
    let (to, cc) = addressing(
        status.visibility(),
        &urls.followers(&author.username),
        &mentioned_ids,
    );
    let mut tag: Vec<NoteTag> = mentioned
        .iter()
        .map(|a| {
            let handle = match &a.domain {
                Some(d) => format!("@{}@{d}", a.username),
                None => format!("@{}@{}", a.username, urls.domain()),
            };
            NoteTag::Link(Tag {
                kind: "Mention",
                href: urls.actor_id(a),
                name: handle,
            })
        })
        .collect();
    tag.extend(tags.iter().map(|t| {
        NoteTag::Link(Tag {
            kind: "Hashtag",
            href: urls.tag(t),
            name: format!("#{t}"),
        })
    }));
    let id = urls.status(&author.username, status.id);
    Note {
        context: None,
        replies: Replies {
            id: format!("{id}/replies"),
            kind: "Collection",
            first: RepliesPage {
                kind: "CollectionPage",
                next: format!("{id}/replies?page=true"),
                part_of: format!("{id}/replies"),
                items: Vec::new(),
            },
        },
        kind: "Note",
        summary: (!status.spoiler_text.is_empty()).then(|| status.spoiler_text.clone()),
        in_reply_to,
        published: status.created_at,
        updated: status.edited_at,
        url: urls.status_page(&author.username, status.id),
        attributed_to: urls.actor(&author.username),
        to,
        cc,
        // A moderator's "mark media sensitive" covers all the account's posts, as on Mastodon.
        sensitive: status.sensitive || author.sensitized_at.is_some(),
        content_map: status
            .language
            .as_ref()
            .map(|l| [(l.clone(), status.content.clone())].into()),
        content: status.content.clone(),
        attachment: media.iter().filter_map(|m| attachment(m, urls)).collect(),
        tag,
        id,
        one_of: None,
        any_of: None,
        end_time: None,
        closed: None,
        voters_count: None,
    }
}

/// A note with `Emoji` tags for our custom emoji its text uses.
pub fn with_emojis(mut note: Note, emojis: &[crate::db::emojis::Emoji], urls: &Urls) -> Note {
    for e in emojis.iter().filter(|e| e.domain.is_none()) {
        let url = crate::services::emojis::url(e, urls);
        note.tag.push(NoteTag::Emoji(EmojiTag {
            id: url.clone(),
            kind: "Emoji",
            name: format!(":{}:", e.shortcode),
            updated: e.updated_at,
            icon: EmojiIcon {
                kind: "Image",
                media_type: e.content_type.clone(),
                url,
            },
        }));
    }
    note
}

/// A note with its poll, as Mastodon sends one: a `Question` whose options carry
/// their counts (`replies.totalItems`), with `endTime`, `closed` once it has, and
/// `votersCount`. Counts hidden until the end (`hide_totals`) are still sent, as
/// Mastodon does: other servers hide them by their own rules.
pub fn with_poll(mut note: Note, poll: Option<&Poll>) -> Note {
    let Some(poll) = poll else { return note };
    let options: Vec<PollOption> = poll
        .options
        .iter()
        .zip(&poll.tallies)
        .map(|(name, n)| PollOption {
            kind: "Note",
            name: name.clone(),
            replies: OptionReplies {
                kind: "Collection",
                total_items: *n,
            },
        })
        .collect();
    note.kind = "Question";
    if poll.multiple {
        note.any_of = Some(options);
    } else {
        note.one_of = Some(options);
    }
    note.end_time = poll.expires_at;
    note.closed = if poll.expired() {
        poll.expires_at.or(poll.ended_at)
    } else {
        None
    };
    note.voters_count = Some(poll.voters_count);
    note
}

/// One of our images as Mastodon sends it: a `Document` with its type, alt text
/// (`name`), blurhash, size and focal point. Other servers' attachments are not
/// sent on (we only ever send our own posts).
fn attachment(m: &Media, urls: &Urls) -> Option<Attachment> {
    Some(Attachment {
        kind: "Document",
        media_type: m.content_type.clone()?,
        url: urls.media_file(m.file_key.as_deref()?),
        name: m.description.clone(),
        blurhash: m.blurhash.clone(),
        width: m.width,
        height: m.height,
        focal_point: [m.focus_x, m.focus_y],
    })
}

/// What an incoming note says about itself, checked and ready to store.
pub struct IncomingPost {
    pub form: StatusInsertForm,
    /// Actor ids named in `Mention` tags.
    pub mentions: Vec<String>,
    pub hashtags: Vec<String>,
    /// Attachments, linked to their origin (not downloaded); `status_id` is set when stored.
    pub media: Vec<MediaInsertForm>,
    /// A `Question`'s poll; `status_id` is set when stored.
    pub poll: Option<PollInsertForm>,
    /// Custom emoji its `Emoji` tags name, of the author's server: (domain,
    /// [(shortcode, image URL, media type)]).
    pub emojis: (Option<String>, Vec<(String, String, String)>),
}

/// Whether an addressee is the public collection, in any of the forms servers write it.
pub fn is_public_address(address: &str) -> bool {
    matches!(address, PUBLIC | "as:Public" | "Public")
}

/// The visibility an incoming note's addressing amounts to, as Mastodon reads it.
pub fn visibility_of(to: &[String], cc: &[String], followers: Option<&str>) -> Visibility {
    let is_public = |v: &String| is_public_address(v);
    if to.iter().any(is_public) {
        Visibility::Public
    } else if cc.iter().any(is_public) {
        Visibility::Unlisted
    } else if followers.is_some_and(|f| to.iter().chain(cc).any(|v| v == f))
        || to.iter().chain(cc).any(|v| v.ends_with("/followers"))
    {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// Tags we read of a post (federation/limits.rs refuses posts with over 1,000).
pub const MAX_TAGS: usize = 100;

/// Reads a remote note, refusing one that claims another author or host.
pub fn incoming_note(
    value: &Value,
    author: &Account,
    in_reply_to_id: Option<StatusId>,
    urls: &Urls,
) -> Result<IncomingPost> {
    // Fetched posts (ancestors, boosts) meet the same limits as delivered ones.
    crate::federation::limits::check_object(value)
        .map_err(|e| Error::new(crate::error::ErrorKind::Unprocessable, e.to_string()))?;
    // Read from the borrowed value: a copy of the whole object for every post cost
    // more than reading it.
    let note = <IncomingNote as serde::Deserialize>::deserialize(value)
        .map_err(|e| Error::bad_request(format!("not a note: {e}")))?;
    if !crate::federation::protocol::note::STORED_TYPES.contains(&note.kind.as_str()) {
        return Err(Error::bad_request(format!(
            "{} objects are not stored",
            note.kind
        )));
    }
    let author_id = author.uri.as_deref().unwrap_or_default();
    if note.attributed_to.as_deref() != Some(author_id) {
        return Err(Error::new(
            crate::error::ErrorKind::Forbidden,
            "the note is attributed to someone else",
        ));
    }
    if !same_host(&note.id, author_id) {
        return Err(Error::new(
            crate::error::ErrorKind::Forbidden,
            "the note's id is on another host than its author",
        ));
    }
    let (language, html) = match (&note.content, &note.content_map) {
        (Some(c), map) => (
            map.as_ref().and_then(|m| m.keys().next().cloned()),
            c.clone(),
        ),
        (None, Some(map)) => {
            let (lang, text) = map
                .iter()
                .next()
                .map(|(k, v)| (Some(k.clone()), v.as_str().unwrap_or("").to_string()))
                .unwrap_or_default();
            (lang, text)
        }
        (None, None) => (None, String::new()),
    };
    let mut content = content::sanitize_remote_html(&html);
    let title = note
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .map(|n| n.chars().take(500).collect::<String>());
    // The link a Lemmy or Mbin post shares: Lemmy sends it only as a `Link`
    // attachment (`url` null), Mbin as both.
    let shared_link = shared_link(&note.attachment);
    let poll = if note.kind == "Question" {
        incoming_poll(value, author)
    } else {
        None
    };
    // Articles and pages are shown as their title and a link: the one they share,
    // else the original; a poll as its text and options.
    if note.kind != "Note" && poll.is_none() {
        let link = shared_link
            .clone()
            .or_else(|| note.url.clone())
            .unwrap_or_else(|| note.id.clone());
        let escaped = content::link_paragraph(&link);
        if let Some(t) = &title {
            content = format!(
                "{}{content}{escaped}",
                maud::html! { p { strong { (t) } } }.into_string()
            );
        } else {
            content.push_str(&escaped);
        }
    }
    let mut mentions = Vec::new();
    let mut hashtags = Vec::new();
    for tag in note.tag.iter().take(MAX_TAGS) {
        match tag.get("type").and_then(Value::as_str) {
            Some("Mention") => {
                if let Some(href) = tag.get("href").and_then(Value::as_str) {
                    mentions.push(href.to_string());
                }
            }
            Some("Hashtag") => {
                if let Some(name) = tag.get("name").and_then(Value::as_str) {
                    let name = name.trim_start_matches('#').to_lowercase();
                    if !name.is_empty()
                        && name.len() <= 100
                        && !name.contains(char::is_control)
                        && !hashtags.contains(&name)
                    {
                        hashtags.push(name);
                    }
                }
            }
            _ => {}
        }
    }
    let media = note
        .attachment
        .iter()
        .filter_map(|a| incoming_attachment(a, author))
        .take(MAX_ATTACHMENTS)
        .enumerate()
        .map(|(i, mut m)| {
            m.position = i as i16;
            m
        })
        .collect();
    let visibility = visibility_of(&note.to, &note.cc, author.followers_url.as_deref());
    // `url` is where the post itself is read; a shared link is not that (Mbin puts
    // it in both), the post's id then is.
    let url = note.url.filter(|u| {
        (u.starts_with("https://") || u.starts_with("http://")) && Some(u) != shared_link.as_ref()
    });
    let _ = urls;
    Ok(IncomingPost {
        form: StatusInsertForm {
            id: StatusId::generate(),
            account_id: author.id,
            uri: Some(note.id),
            url,
            content,
            // A content warning is plain text; some servers send it as HTML.
            spoiler_text: content::html_to_text(&note.summary.unwrap_or_default())
                .chars()
                .take(1000)
                .collect(),
            sensitive: note.sensitive,
            visibility: visibility as i16,
            language: language.filter(|l| l.len() <= 16),
            in_reply_to_id,
            in_reply_to_uri: note.in_reply_to,
            in_reply_to_account_id: None,
            reblog_of_id: None,
            local: false,
            text: None,
            object_type: note.kind,
            title,
            created_at: note
                .published
                .unwrap_or_else(chrono::Utc::now)
                .min(chrono::Utc::now()),
        },
        mentions,
        hashtags,
        media,
        poll,
        emojis: (
            author.domain.clone(),
            crate::services::emojis::from_tags(&note.tag),
        ),
    })
}

/// Options we keep of a remote poll (Mastodon allows 4 by default; some servers more).
pub const MAX_POLL_OPTIONS: usize = 20;
/// Characters we keep of a remote poll option.
pub const MAX_POLL_OPTION_CHARS: usize = 200;

/// A `Question`'s poll as a row: its options (`oneOf`, or `anyOf` for several
/// choices) with their counts, end, and voters. `None` when it has no usable option
/// (then the post is stored like an article).
pub fn incoming_poll(value: &Value, author: &Account) -> Option<PollInsertForm> {
    let (items, multiple) = match (
        value.get("oneOf").and_then(Value::as_array),
        value.get("anyOf").and_then(Value::as_array),
    ) {
        (Some(one), _) if !one.is_empty() => (one, false),
        (_, Some(any)) if !any.is_empty() => (any, true),
        _ => return None,
    };
    let mut options = Vec::new();
    let mut tallies = Vec::new();
    for item in items.iter().take(MAX_POLL_OPTIONS) {
        let Some(name) = item.get("name").and_then(Value::as_str) else {
            continue;
        };
        let name: String = content::html_to_text(name)
            .trim()
            .chars()
            .take(MAX_POLL_OPTION_CHARS)
            .collect();
        if name.is_empty() {
            continue;
        }
        let count = item
            .pointer("/replies/totalItems")
            .and_then(Value::as_i64)
            .unwrap_or(0)
            .clamp(0, 1_000_000_000);
        options.push(name);
        tallies.push(count);
    }
    if options.is_empty() {
        return None;
    }
    let time = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&chrono::Utc))
    };
    let voters = value
        .get("votersCount")
        .and_then(Value::as_i64)
        .map(|n| n.clamp(0, 1_000_000_000));
    Some(PollInsertForm {
        id: crate::db::ids::new_id(),
        status_id: 0,
        account_id: author.id.0,
        // Without votersCount (older servers), a single-choice poll has one voter per vote.
        voters_count: voters.unwrap_or_else(|| if multiple { 0 } else { tallies.iter().sum() }),
        options,
        tallies,
        multiple,
        hide_totals: false,
        expires_at: time("endTime").or_else(|| time("closed")),
    })
}

/// The first `Link` attachment's `href`, if it is an http(s) URL of sane length.
fn shared_link(attachments: &[Value]) -> Option<String> {
    attachments
        .iter()
        .filter(|a| a.get("type").and_then(Value::as_str) == Some("Link"))
        .find_map(|a| a.get("href").and_then(Value::as_str))
        .filter(|h| {
            (h.starts_with("https://") || h.starts_with("http://"))
                && h.len() <= 2048
                && url::Url::parse(h).is_ok()
        })
        .map(str::to_string)
}

/// Attachments we keep of a remote post (Mastodon sends at most four).
pub const MAX_ATTACHMENTS: usize = 8;

/// One remote attachment (`Document`, `Image`, …) as a row: its URL, type, alt text,
/// blurhash, size and focal point, each checked; anything unusable is dropped, not
/// the post.
fn incoming_attachment(value: &Value, author: &Account) -> Option<MediaInsertForm> {
    let url = crate::federation::protocol::helpers::link_url(value.get("url")?)?;
    let media_type = value
        .get("mediaType")
        .and_then(Value::as_str)
        .filter(|t| t.len() <= 100 && !t.contains(char::is_whitespace));
    let kind = match media_type.and_then(|t| t.split('/').next()) {
        Some("image") => "image",
        Some("video") => "video",
        Some("audio") => "audio",
        _ if value.get("type").and_then(Value::as_str) == Some("Image") => "image",
        _ => "unknown",
    };
    let description = value
        .get("name")
        .and_then(Value::as_str)
        .map(|n| {
            content::html_to_text(n)
                .chars()
                .take(crate::services::media::MAX_DESCRIPTION_CHARS)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty());
    let blurhash = value
        .get("blurhash")
        .and_then(Value::as_str)
        .filter(|b| {
            (6..=100).contains(&b.len())
                && b.bytes()
                    .all(|c| c.is_ascii_graphic() && c != b'"' && c != b'\\')
        })
        .map(str::to_string);
    let dim = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_i64)
            .filter(|n| (1..=100_000).contains(n))
            .map(|n| n as i32)
    };
    let focus = value
        .get("focalPoint")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 2)
        .map(|a| {
            let c = |v: &Value| v.as_f64().unwrap_or(0.0).clamp(-1.0, 1.0) as f32;
            (c(&a[0]), c(&a[1]))
        })
        .unwrap_or((0.0, 0.0));
    Some(MediaInsertForm {
        id: crate::db::ids::new_id(),
        account_id: author.id.0,
        kind: kind.into(),
        content_type: media_type.map(str::to_string),
        remote_url: Some(url),
        description,
        blurhash,
        width: dim("width"),
        height: dim("height"),
        focus_x: focus.0,
        focus_y: focus.1,
        ..Default::default()
    })
}

/// Whether two URLs are on the same host (and port).
pub fn same_host(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => {
            a.host_str().is_some()
                && a.host_str() == b.host_str()
                && a.port_or_known_default() == b.port_or_known_default()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addressing_follows_mastodon() {
        let f = "https://s.example/users/a/followers";
        let m = vec!["https://m.example/users/b".to_string()];
        assert_eq!(
            addressing(Visibility::Public, f, &m),
            (vec![PUBLIC.to_string()], vec![f.to_string(), m[0].clone()])
        );
        assert_eq!(
            addressing(Visibility::Unlisted, f, &m),
            (vec![f.to_string()], vec![PUBLIC.to_string(), m[0].clone()])
        );
        assert_eq!(
            addressing(Visibility::Private, f, &m),
            (vec![f.to_string()], vec![m[0].clone()])
        );
        assert_eq!(
            addressing(Visibility::Direct, f, &m),
            (vec![m[0].clone()], vec![])
        );
        for v in [
            Visibility::Public,
            Visibility::Unlisted,
            Visibility::Private,
            Visibility::Direct,
        ] {
            let (to, cc) = addressing(v, f, &m);
            assert_eq!(visibility_of(&to, &cc, Some(f)), v);
        }
    }

    #[test]
    fn hosts_compare_with_ports() {
        assert!(same_host("https://a.example/x", "https://a.example/y"));
        assert!(!same_host("https://a.example/x", "https://b.example/x"));
        assert!(!same_host("http://127.0.0.1:1/x", "http://127.0.0.1:2/x"));
        assert!(!same_host("nonsense", "https://a.example"));
    }
}
