//! Our hashtag chats as FEP-8a8e `Event`s: `Create` when scheduled, `Update` when
//! changed, `Delete` when cancelled, addressed as a public post (to Public, cc the
//! host's followers) and sent to the host's followers. We do not store other
//! servers' `Event`s (a `Create{Event}` is acknowledged and ignored, as before).

use super::outgoing;
use crate::{
    context::AppContext,
    db::follows::Follow,
    error::Result,
    federation::protocol::{
        context::PUBLIC,
        event::{event_context, Event, EventTag, EventTombstone, Transcript, TranscriptQuestion},
        note::Tag,
    },
    services::chats::{self, HostedChat},
};
use diesel_async::AsyncPgConnection;

/// The chat as an `Event` (with `@context` when `with_context`: fetched alone).
pub fn to_event(ctx: &AppContext, hosted: &HostedChat, with_context: bool) -> Event {
    let chat = &hosted.chat;
    let urls = &ctx.urls;
    let occurrence = hosted.announced(chrono::Utc::now());
    let mut content = crate::content::render_plain_text(&chat.description, &[], &|t| urls.tag(t));
    if let Some(rule) = &chat.rrule {
        let line = maud::html! { p { "RRULE:" (rule) " (" (chat.time_zone) ")" } };
        content.push_str(&line.into_string());
    }
    let feed = urls.tag_chats_feed(&chat.tag);
    content.push_str(&maud::html! { p { a href=(feed) { (feed) } } }.into_string());
    let url = urls.chat(chat.id);
    Event {
        context: with_context.then(event_context),
        id: url.clone(),
        kind: "Event".into(),
        name: chat.title.clone(),
        content,
        media_type: "text/html".into(),
        start_time: occurrence.start,
        end_time: occurrence.end,
        timezone: chat.time_zone.clone(),
        url,
        attributed_to: urls.actor(&hosted.host.username),
        published: chat.created_at,
        updated: (chat.updated_at > chat.created_at).then_some(chat.updated_at),
        to: vec![PUBLIC.to_string()],
        cc: vec![urls.followers(&hosted.host.username)],
        tag: vec![EventTag::from(Tag {
            kind: "Hashtag",
            href: urls.tag(&chat.tag),
            name: format!("#{}", chat.tag),
        })],
    }
}

/// A chat is public: its host's followers hear of it, and the wider network through
/// the relays we publish to, as public posts do.
async fn audience(conn: &mut AsyncPgConnection, hosted: &HostedChat) -> Result<Vec<String>> {
    let mut inboxes = Follow::follower_inboxes(conn, hosted.host.id).await?;
    inboxes.extend(crate::services::relays::publishing_inboxes(conn).await?);
    Ok(inboxes)
}

/// Queues `Create` or `Update` of the chat's `Event` to the host's followers, inside
/// the caller's transaction; how many deliveries.
pub async fn send(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    hosted: &HostedChat,
    kind: &'static str,
) -> Result<usize> {
    let event = to_event(ctx, hosted, false);
    let id = match kind {
        "Update" => format!(
            "{}#updates/{}",
            event.id,
            hosted.chat.updated_at.timestamp_millis()
        ),
        _ => format!("{}/activity", event.id),
    };
    let (to, cc) = (event.to.clone(), event.cc.clone());
    let mut activity = outgoing(kind, id, event.attributed_to.clone(), &event, to, cc);
    activity.context = Some(event_context());
    activity.published = Some(hosted.chat.updated_at);
    let inboxes = audience(conn, hosted).await?;
    super::queue(conn, ctx, &hosted.host, &activity, inboxes).await
}

/// Queues the `Delete` of a cancelled chat's `Event` to the host's followers.
pub async fn send_delete(
    conn: &mut AsyncPgConnection,
    ctx: &AppContext,
    hosted: &HostedChat,
) -> Result<usize> {
    let id = ctx.urls.chat(hosted.chat.id);
    let activity = outgoing(
        "Delete",
        format!("{id}#delete"),
        ctx.urls.actor(&hosted.host.username),
        tombstone(&id),
        vec![PUBLIC.to_string()],
        vec![ctx.urls.followers(&hosted.host.username)],
    );
    let inboxes = audience(conn, hosted).await?;
    super::queue(conn, ctx, &hosted.host, &activity, inboxes).await
}

pub fn tombstone(id: &str) -> EventTombstone {
    EventTombstone {
        id: id.to_string(),
        kind: "Tombstone",
        former_type: "Event",
    }
}

/// An occurrence's transcript as an `OrderedCollection` of its questions.
pub fn to_transcript(ctx: &AppContext, hosted: &HostedChat, t: &chats::Transcript) -> Transcript {
    let urls = &ctx.urls;
    let id = urls.chat_transcript(hosted.chat.id, &t.occurrence.key());
    let uri_of = |s: &crate::db::StatusId| {
        t.posts
            .get(s)
            .and_then(|p| t.accounts.get(&p.account_id).map(|a| urls.status_uri(p, a)))
    };
    let ordered_items: Vec<TranscriptQuestion> = t
        .questions
        .iter()
        .map(|q| {
            let items: Vec<String> = std::iter::once(&q.post)
                .chain(q.answers.iter())
                .filter_map(uri_of)
                .collect();
            TranscriptQuestion {
                id: format!("{id}#q{}", q.number),
                kind: "OrderedCollection".into(),
                name: format!("Q{}", q.number),
                total_items: items.len() as u64,
                ordered_items: items,
            }
        })
        .collect();
    Transcript {
        context: Some(super::super::protocol::context::plain_context()),
        id: id.clone(),
        kind: "OrderedCollection".into(),
        name: format!(
            "{} ({})",
            hosted.chat.title,
            t.occurrence
                .start
                .with_timezone(&hosted.schedule.tz)
                .format("%Y-%m-%d %H:%M %Z")
        ),
        chat: urls.chat(hosted.chat.id),
        url: id,
        start_time: t.occurrence.start,
        end_time: t.occurrence.end,
        attributed_to: t
            .participants
            .iter()
            .filter_map(|a| t.accounts.get(a))
            .map(|a| urls.actor_id(a))
            .collect(),
        total_items: ordered_items.len() as u64,
        ordered_items,
    }
}
