//! The streaming API as Mastodon serves it: `/api/v1/streaming` (WebSocket; several
//! streams on one socket, `subscribe`/`unsubscribe` messages) and the server-sent
//! events paths (`/api/v1/streaming/user`, `/public`, `/hashtag?tag=` …).
//!
//! Every event arrives on `ctx.events` as the cluster hears it (src/cluster.rs), from
//! this process or another, in commit order. One task per process ([`start`]) takes
//! them one at a time, asks `services::streaming` who of the subscribers gets a post
//! and how each sees it (the visibility rule, per subscriber), and puts a ready
//! message in each subscriber's queue. A queue holds [`QUEUE`] messages: a client
//! that does not keep up is dropped, never buffered without bound.

use super::{entities::status::status, notifications::notification};
use crate::{
    context::AppContext,
    db::{accounts::Account, AccountId, StatusId},
    error::{Error, ErrorKind},
    services::{
        self,
        events::Event,
        filters::{self, Context as Where},
        tokens,
    },
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;
use std::{
    collections::HashMap,
    pin::Pin,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::Duration,
};
use tokio::sync::{mpsc, watch};

/// Messages waiting for one client; past this it is too slow and is dropped.
pub const QUEUE: usize = 100;
/// A comment line (SSE) or a ping (WebSocket) this often keeps proxies from closing
/// an idle stream; a WebSocket that does not answer two pings in a row is closed.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// Streams one WebSocket may hold at once.
const MAX_STREAMS: usize = 32;

/// A stream a client subscribed to, by Mastodon's names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    /// Home timeline and notifications.
    User,
    UserNotification,
    /// `public`, `public:local`, `public:remote` (and their `:media`, which stay quiet: no media here).
    Public {
        local: bool,
        remote: bool,
        media: bool,
    },
    Hashtag {
        tag: String,
        local: bool,
    },
    /// One of the reader's lists (its owner is checked when subscribing: [`may_stream`]).
    List {
        id: i64,
    },
    /// The reader's conversations (direct posts): `conversation` events.
    Direct,
}

impl Stream {
    /// A stream by its name and parameters, or the status and message Mastodon answers.
    pub fn parse(name: &str, tag: Option<&str>, list: Option<&str>) -> Result<Stream, Error> {
        let public = |local, remote, media| {
            Ok(Stream::Public {
                local,
                remote,
                media,
            })
        };
        let tag = || -> Result<String, Error> {
            let tag = tag
                .map(|t| t.trim().trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty());
            tag.ok_or_else(|| Error::new(ErrorKind::BadRequest, "Missing tag name parameter"))
        };
        match name {
            "user" => Ok(Stream::User),
            "user:notification" => Ok(Stream::UserNotification),
            "direct" => Ok(Stream::Direct),
            "public" => public(false, false, false),
            "public:local" => public(true, false, false),
            "public:remote" => public(false, true, false),
            "public:media" => public(false, false, true),
            "public:local:media" => public(true, false, true),
            "public:remote:media" => public(false, true, true),
            "hashtag" => Ok(Stream::Hashtag {
                tag: tag()?,
                local: false,
            }),
            "hashtag:local" => Ok(Stream::Hashtag {
                tag: tag()?,
                local: true,
            }),
            "list" => match list.map(str::trim) {
                None | Some("") => Err(Error::new(
                    ErrorKind::BadRequest,
                    "Missing list name parameter",
                )),
                Some(id) => id
                    .parse()
                    .map(|id| Stream::List { id })
                    .map_err(|_| Error::not_found("List not found")),
            },
            _ => Err(Error::new(ErrorKind::BadRequest, "Unknown stream type")),
        }
    }

    /// What Mastodon puts in a message's `stream`: the name, and the tag if any.
    fn label(&self) -> serde_json::Value {
        match self {
            Stream::User => json!(["user"]),
            Stream::UserNotification => json!(["user:notification"]),
            Stream::Public {
                local,
                remote,
                media,
            } => {
                let mut name = String::from("public");
                if *local {
                    name.push_str(":local");
                }
                if *remote {
                    name.push_str(":remote");
                }
                if *media {
                    name.push_str(":media");
                }
                json!([name])
            }
            Stream::Hashtag { tag, local: false } => json!(["hashtag", tag]),
            Stream::Hashtag { tag, local: true } => json!(["hashtag:local", tag]),
            Stream::List { id } => json!(["list", id.to_string()]),
            Stream::Direct => json!(["direct"]),
        }
    }

    /// Which filters apply to what this stream shows (services::filters).
    fn context(&self) -> Where {
        match self {
            Stream::User | Stream::List { .. } | Stream::Direct => Where::Home,
            Stream::UserNotification => Where::Notifications,
            Stream::Public { .. } | Stream::Hashtag { .. } => Where::Public,
        }
    }

    fn has_statuses(&self) -> bool {
        !matches!(self, Stream::UserNotification)
    }

    /// The scope a token needs for this stream, besides `read` (Mastodon's rule).
    fn scope(&self) -> &'static str {
        match self {
            Stream::UserNotification => "read:notifications",
            Stream::List { .. } => "read:lists",
            _ => "read:statuses",
        }
    }
}

/// One message for one client.
#[derive(Debug, Clone)]
pub struct Frame {
    pub stream: Stream,
    pub event: &'static str,
    /// None for events that carry nothing (`filters_changed`).
    pub payload: Option<Arc<str>>,
}

impl Frame {
    /// As a WebSocket text message: `{"stream":[…],"event":…,"payload":"<JSON>"}`
    /// (no `payload` when there is none, as Mastodon sends them).
    fn websocket(&self) -> String {
        match &self.payload {
            Some(payload) => {
                json!({ "stream": self.stream.label(), "event": self.event, "payload": &**payload })
            }
            None => json!({ "stream": self.stream.label(), "event": self.event }),
        }
        .to_string()
    }

    /// As a server-sent event. A payload is one line of JSON (or an id); an event
    /// without one says `undefined`, as Mastodon's streaming server does.
    fn sse(&self) -> String {
        format!(
            "event: {}\ndata: {}\n\n",
            self.event,
            self.payload.as_deref().unwrap_or("undefined")
        )
    }
}

struct Subscriber {
    account: Arc<Account>,
    /// Whether the token may read notifications (the `user` stream carries them then).
    notifications: bool,
    streams: Vec<Stream>,
    /// The reader's filters, read when first needed and again after they change.
    filters: Option<Arc<filters::Active>>,
    queue: mpsc::Sender<Frame>,
}

/// This process's streaming clients.
#[derive(Default)]
pub struct Hub {
    next: AtomicU64,
    subscribers: Mutex<HashMap<u64, Subscriber>>,
}

/// A client's place in the hub; dropping it (the connection ended) leaves.
pub struct Subscription {
    hub: Arc<Hub>,
    pub id: u64,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub
            .subscribers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&self.id);
    }
}

impl Hub {
    pub fn new() -> Arc<Hub> {
        Arc::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Subscriber>> {
        self.subscribers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many clients are connected to this process.
    pub fn connected(&self) -> usize {
        self.lock().len()
    }

    fn join(
        self: &Arc<Self>,
        account: Account,
        notifications: bool,
        streams: Vec<Stream>,
    ) -> (Subscription, mpsc::Receiver<Frame>) {
        let (queue, frames) = mpsc::channel(QUEUE);
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(
            id,
            Subscriber {
                account: Arc::new(account),
                notifications,
                streams,
                filters: None,
                queue,
            },
        );
        (
            Subscription {
                hub: self.clone(),
                id,
            },
            frames,
        )
    }

    /// Adds a stream to a client; false when it holds too many already.
    fn subscribe(&self, id: u64, stream: Stream) -> bool {
        let mut subscribers = self.lock();
        let Some(s) = subscribers.get_mut(&id) else {
            return true;
        };
        if s.streams.contains(&stream) {
            return true;
        }
        if s.streams.len() >= MAX_STREAMS {
            return false;
        }
        s.streams.push(stream);
        true
    }

    fn unsubscribe(&self, id: u64, stream: &Stream) {
        if let Some(s) = self.lock().get_mut(&id) {
            s.streams.retain(|s| s != stream);
        }
    }

    /// Queues frames for clients; a client whose queue is full is dropped (its
    /// connection ends once it has read what was queued).
    fn deliver(&self, frames: Vec<(u64, Frame)>) {
        let mut subscribers = self.lock();
        for (id, frame) in frames {
            let Some(s) = subscribers.get(&id) else {
                continue;
            };
            if let Err(mpsc::error::TrySendError::Full(_)) = s.queue.try_send(frame) {
                tracing::warn!(account = %s.account.username, subscriber = id, queued = QUEUE, "streaming: a client too slow to keep up was dropped");
                subscribers.remove(&id);
            }
        }
    }

    /// Who listens to what, at this moment.
    fn snapshot(&self) -> Vec<Listener> {
        self.lock()
            .iter()
            .map(|(id, s)| Listener {
                id: *id,
                account: s.account.clone(),
                notifications: s.notifications,
                streams: s.streams.clone(),
                filters: s.filters.clone(),
            })
            .collect()
    }

    /// Readers whose filters are not read yet.
    fn unfiltered(&self) -> Vec<AccountId> {
        let mut ids: Vec<AccountId> = self
            .lock()
            .values()
            .filter(|s| s.filters.is_none())
            .map(|s| s.account.id)
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    fn set_filters(&self, read: &HashMap<AccountId, filters::Active>) {
        let shared: HashMap<AccountId, Arc<filters::Active>> = read
            .iter()
            .map(|(k, v)| (*k, Arc::new(v.clone())))
            .collect();
        for s in self.lock().values_mut().filter(|s| s.filters.is_none()) {
            s.filters = shared.get(&s.account.id).cloned();
        }
    }

    /// The reader's filters changed: they are read again before its next post.
    fn forget_filters(&self, account: AccountId) {
        for s in self.lock().values_mut().filter(|s| s.account.id == account) {
            s.filters = None;
        }
    }
}

/// Starts the task that turns the instance's events into messages for this
/// process's clients; it runs until `stop`.
pub fn start(ctx: AppContext, mut stop: watch::Receiver<bool>) {
    let mut events = ctx.events.subscribe();
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                _ = stop.wait_for(|stopped| *stopped) => return,
                event = events.recv() => event,
            };
            match event {
                Ok(event) => {
                    if let Err(e) = fan_out(&ctx, &event).await {
                        tracing::warn!(?event, error = %e, "streaming: an event could not be streamed");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "streaming: events came faster than they could be streamed; some were skipped");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// One event, to every client of this process that should hear of it.
async fn fan_out(ctx: &AppContext, event: &Event) -> crate::error::Result<()> {
    if let Event::FiltersChanged { account } = *event {
        ctx.streams.forget_filters(account);
    }
    if ctx.streams.connected() == 0 {
        return Ok(());
    }
    let missing = ctx.streams.unfiltered();
    if !missing.is_empty() {
        let mut conn = ctx.pool.get().await?;
        ctx.streams
            .set_filters(&filters::active_of(&mut conn, &missing).await?);
    }
    let subscribers = ctx.streams.snapshot();
    let frames = match *event {
        Event::PostCreated { status, .. } => {
            let mut frames = statuses(ctx, &subscribers, status, "update").await?;
            frames.extend(conversations(ctx, &subscribers, status).await?);
            frames
        }
        Event::Reblogged { reblog: status, .. } => {
            statuses(ctx, &subscribers, status, "update").await?
        }
        Event::PostEdited { status, .. } => {
            statuses(ctx, &subscribers, status, "status.update").await?
        }
        Event::PostDeleted { status, .. } | Event::Unreblogged { reblog: status, .. } => {
            deleted(&subscribers, status)
        }
        Event::Notified {
            account,
            notification: id,
        } => notifications(ctx, &subscribers, account, id).await?,
        Event::FiltersChanged { account } => filters_changed(&subscribers, account),
        _ => Vec::new(),
    };
    ctx.streams.deliver(frames);
    Ok(())
}

/// A client as the fan-out sees it at one moment.
struct Listener {
    id: u64,
    account: Arc<Account>,
    /// Whether its token may read notifications.
    notifications: bool,
    streams: Vec<Stream>,
    filters: Option<Arc<filters::Active>>,
}

type Snapshot = [Listener];

/// `filters_changed`, once to each client of the reader (on its first stream).
fn filters_changed(subscribers: &Snapshot, account: AccountId) -> Vec<(u64, Frame)> {
    subscribers
        .iter()
        .filter(|l| l.account.id == account)
        .filter_map(|l| {
            l.streams.first().map(|stream| {
                (
                    l.id,
                    Frame {
                        stream: stream.clone(),
                        event: "filters_changed",
                        payload: None,
                    },
                )
            })
        })
        .collect()
}

async fn statuses(
    ctx: &AppContext,
    subscribers: &Snapshot,
    id: StatusId,
    event: &'static str,
) -> crate::error::Result<Vec<(u64, Frame)>> {
    let mut viewers: Vec<AccountId> = subscribers
        .iter()
        .filter(|l| l.streams.iter().any(Stream::has_statuses))
        .map(|l| l.account.id)
        .collect();
    if viewers.is_empty() {
        return Ok(Vec::new());
    }
    viewers.sort();
    viewers.dedup();
    let mut lists: Vec<i64> = subscribers
        .iter()
        .flat_map(|l| l.streams.iter())
        .filter_map(|s| {
            if let Stream::List { id } = s {
                Some(*id)
            } else {
                None
            }
        })
        .collect();
    lists.sort();
    lists.dedup();
    let Some(audience) = services::streaming::audience(ctx, id, &viewers, &lists).await? else {
        return Ok(Vec::new());
    };
    // Readers differ only in what they did with the post: one rendering per difference,
    // and one per reader whose filters mark it.
    let mut rendered: HashMap<(bool, bool, bool), Arc<str>> = HashMap::new();
    let mut frames = Vec::new();
    for listener in subscribers {
        let Some(view) = audience.views.get(&listener.account.id) else {
            continue;
        };
        let results = match &listener.filters {
            Some(active) if !active.is_empty() => active.results_in(view, audience.searchable()),
            _ => Vec::new(),
        };
        let mut own: Option<Arc<str>> = None;
        for stream in &listener.streams {
            let goes = match stream {
                Stream::User => audience.home.contains(&listener.account.id),
                Stream::UserNotification => false,
                Stream::Public { media: true, .. } => false,
                Stream::Public { local, remote, .. } => audience
                    .public
                    .is_some_and(|l| (!local || l) && (!remote || !l)),
                Stream::Hashtag { tag, local } => {
                    audience.tagged.is_some_and(|l| !local || l) && audience.tags.contains(tag)
                }
                Stream::List { id } => audience.lists.contains(id),
                // Direct posts reach it as `conversation` events ([`conversations`]).
                Stream::Direct => false,
            };
            // A post a `hide` filter of the stream's context matches never reaches it.
            if !goes
                || results
                    .iter()
                    .any(|r| r.filter.hides() && r.filter.applies_in(stream.context()))
            {
                continue;
            }
            let payload = if results.is_empty() {
                rendered
                    .entry((view.favourited, view.reblogged, view.bookmarked))
                    .or_insert_with(|| status(view, &ctx.urls).to_string().into())
                    .clone()
            } else {
                own.get_or_insert_with(|| {
                    status(
                        &filters::Active::annotate_with(view.clone(), results.clone()),
                        &ctx.urls,
                    )
                    .to_string()
                    .into()
                })
                .clone()
            };
            frames.push((
                listener.id,
                Frame {
                    stream: stream.clone(),
                    event,
                    payload: Some(payload),
                },
            ));
        }
    }
    Ok(frames)
}

/// A direct post, as the `conversation` it moved (Mastodon's payload: the
/// Conversation entity) to each local participant listening on `direct`.
async fn conversations(
    ctx: &AppContext,
    subscribers: &Snapshot,
    id: StatusId,
) -> crate::error::Result<Vec<(u64, Frame)>> {
    let listening: Vec<&Listener> = subscribers
        .iter()
        .filter(|l| l.streams.contains(&Stream::Direct))
        .collect();
    if listening.is_empty() {
        return Ok(Vec::new());
    }
    let mut readers: Vec<Account> = listening.iter().map(|l| (*l.account).clone()).collect();
    readers.sort_by_key(|a| a.id);
    readers.dedup_by_key(|a| a.id);
    let mut payloads: HashMap<AccountId, Arc<str>> = HashMap::new();
    for (reader, view) in services::conversations::moved_by(ctx, &readers, id).await? {
        payloads.insert(
            reader,
            super::entities::conversation::conversation(&view, &ctx.urls)
                .to_string()
                .into(),
        );
    }
    Ok(listening
        .into_iter()
        .filter_map(|l| {
            payloads.get(&l.account.id).map(|p| {
                (
                    l.id,
                    Frame {
                        stream: Stream::Direct,
                        event: "conversation",
                        payload: Some(p.clone()),
                    },
                )
            })
        })
        .collect())
}

/// A deletion names only an id, which every status stream hears: the post is gone,
/// so who could see it cannot be asked any more, and apps ignore ids they never had.
fn deleted(subscribers: &Snapshot, id: StatusId) -> Vec<(u64, Frame)> {
    let payload: Arc<str> = id.to_string().into();
    let mut frames = Vec::new();
    for listener in subscribers {
        for stream in listener.streams.iter().filter(|s| s.has_statuses()) {
            frames.push((
                listener.id,
                Frame {
                    stream: stream.clone(),
                    event: "delete",
                    payload: Some(payload.clone()),
                },
            ));
        }
    }
    frames
}

async fn notifications(
    ctx: &AppContext,
    subscribers: &Snapshot,
    account: AccountId,
    id: i64,
) -> crate::error::Result<Vec<(u64, Frame)>> {
    let mut payload: Option<Arc<str>> = None;
    let mut frames = Vec::new();
    for listener in subscribers.iter().filter(|l| l.account.id == account) {
        let viewer = &listener.account;
        for stream in listener.streams.iter().filter(|s| {
            matches!(s, Stream::UserNotification)
                || (matches!(s, Stream::User) && listener.notifications)
        }) {
            if payload.is_none() {
                // The same rule as GET /api/v1/notifications/:id: not from someone blocked, not about a post the reader may not see.
                match services::notifications::get(ctx, viewer, id).await {
                    Ok(found) => payload = Some(notification(&found, ctx).to_string().into()),
                    Err(e) if e.kind == ErrorKind::NotFound => return Ok(Vec::new()),
                    Err(e) => return Err(e),
                }
            }
            frames.push((
                listener.id,
                Frame {
                    stream: stream.clone(),
                    event: "notification",
                    payload: payload.clone(),
                },
            ));
        }
    }
    Ok(frames)
}

/// The token of a streaming request: `Authorization: Bearer`, `?access_token=`, or
/// (as browsers and masto send it) `Sec-WebSocket-Protocol`; and whether it came by
/// the last, which the handshake must then echo.
fn token_of(req: &HttpRequest, query: &HashMap<String, String>) -> Option<(String, bool)> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(bearer) = header("authorization").and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    }) {
        return Some((bearer.trim().to_string(), false));
    }
    if let Some(token) = query.get("access_token").filter(|t| !t.is_empty()) {
        return Some((token.clone(), false));
    }
    header("sec-websocket-protocol").map(|p| (p.to_string(), true))
}

/// The reader behind a streaming request, and the scopes of its token.
async fn reader(
    ctx: &AppContext,
    req: &HttpRequest,
    query: &HashMap<String, String>,
) -> Result<(Account, String, bool), Error> {
    let (token, by_protocol) = token_of(req, query)
        .ok_or_else(|| Error::new(ErrorKind::Unauthorized, "Missing access token"))?;
    let found = tokens::authenticate(&ctx.pool, &token)
        .await?
        .ok_or_else(|| Error::new(ErrorKind::Unauthorized, "Invalid access token"))?;
    let (_, account) = found.user.ok_or_else(|| {
        Error::new(
            ErrorKind::Unauthorized,
            "This method requires an authenticated user",
        )
    })?;
    Ok((account, found.scopes, by_protocol))
}

fn allowed(scopes: &str, stream: &Stream) -> Result<(), Error> {
    if tokens::allows(scopes, stream.scope()) {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Unauthorized,
            "Access token does not have the required scopes",
        ))
    }
}

/// Whether `reader` may listen to `stream`: its token's scopes, and for a list,
/// that the list is its own (Mastodon's words otherwise).
async fn may_stream(
    ctx: &AppContext,
    reader: &Account,
    scopes: &str,
    stream: &Stream,
) -> Result<(), Error> {
    allowed(scopes, stream)?;
    if let Stream::List { id } = stream {
        match services::lists::get(ctx, reader, &id.to_string()).await {
            Ok(_) => {}
            Err(e) if e.kind == ErrorKind::NotFound => {
                return Err(Error::new(
                    ErrorKind::Unauthorized,
                    "Not authorized to stream this list",
                ))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn query_of(req: &HttpRequest) -> HashMap<String, String> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// `GET /api/v1/streaming/health`.
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("OK")
}

/// `GET /api/v1/streaming/{name}`: one stream as server-sent events.
pub async fn sse(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let query = query_of(&req);
    let name = match path.trim_end_matches('/') {
        "user" => "user",
        "user/notification" => "user:notification",
        "public" => "public",
        "public/local" => "public:local",
        "public/remote" => "public:remote",
        "hashtag" => "hashtag",
        "hashtag/local" => "hashtag:local",
        "list" => "list",
        "direct" => "direct",
        _ => return Err(Error::not_found("Unknown channel requested")),
    };
    let media = query
        .get("only_media")
        .is_some_and(|v| v == "true" || v == "1");
    let name = if media && name.starts_with("public") {
        format!("{name}:media")
    } else {
        name.to_string()
    };
    let (account, scopes, _) = reader(&ctx, &req, &query).await?;
    let stream = Stream::parse(
        &name,
        query.get("tag").map(String::as_str),
        query.get("list").map(String::as_str),
    )?;
    may_stream(&ctx, &account, &scopes, &stream).await?;
    let notifications = tokens::allows(&scopes, "read:notifications");
    Ok(event_stream(&ctx, account, notifications, stream))
}

/// The stream `name` (`user`, `public:local`, `hashtag` with `tag` …) for a signed-in
/// browser: the web's live timelines (`/streaming`, web/posts.rs) hear the same
/// events as apps, without a token (the session stands for it; no notifications).
pub fn for_browser(
    ctx: &AppContext,
    account: Account,
    name: &str,
    tag: Option<&str>,
) -> Result<HttpResponse, Error> {
    let stream = Stream::parse(name, tag, None)?;
    Ok(event_stream(ctx, account, false, stream))
}

/// A server-sent events response of `stream` for `account`.
fn event_stream(
    ctx: &AppContext,
    account: Account,
    notifications: bool,
    stream: Stream,
) -> HttpResponse {
    tracing::info!(account = %account.username, stream = ?stream, "streaming: server-sent events started");
    let (subscription, frames) = ctx.streams.join(account, notifications, vec![stream]);
    let mut heartbeat =
        tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let body = EventStream {
        frames,
        heartbeat,
        started: false,
        _subscription: subscription,
    };
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-store"))
        // Tells nginx not to hold events back in its buffer.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}

/// The body of a server-sent events response: queued frames, and a comment line
/// when there has been nothing to say for a while. Ends when the hub drops the
/// client (its queue was full); dropping it (the client left) leaves the hub.
struct EventStream {
    frames: mpsc::Receiver<Frame>,
    heartbeat: tokio::time::Interval,
    started: bool,
    _subscription: Subscription,
}

impl futures_core::Stream for EventStream {
    type Item = Result<web::Bytes, std::convert::Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.started {
            self.started = true;
            return Poll::Ready(Some(Ok(web::Bytes::from_static(b":)\n"))));
        }
        match self.frames.poll_recv(cx) {
            Poll::Ready(Some(frame)) => {
                self.heartbeat.reset();
                return Poll::Ready(Some(Ok(frame.sse().into())));
            }
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        match self.heartbeat.poll_tick(cx) {
            Poll::Ready(_) => Poll::Ready(Some(Ok(web::Bytes::from_static(b":thump\n")))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// What a client sends on the socket.
#[derive(serde::Deserialize)]
struct Command {
    #[serde(rename = "type")]
    kind: String,
    stream: serde_json::Value,
    tag: Option<String>,
    list: Option<serde_json::Value>,
}

impl Command {
    fn stream(&self) -> Result<Stream, Error> {
        // Mastodon takes the first if an array is given.
        let name = match &self.stream {
            serde_json::Value::Array(names) => {
                names.first().and_then(|n| n.as_str()).unwrap_or_default()
            }
            other => other.as_str().unwrap_or_default(),
        };
        let list = self.list.as_ref().map(|l| match l {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        Stream::parse(name, self.tag.as_deref(), list.as_deref())
    }
}

fn error_message(e: &Error) -> String {
    json!({ "error": e.message, "status": e.kind.status().as_u16() }).to_string()
}

/// `GET /api/v1/streaming` with `Upgrade: websocket`.
pub async fn websocket(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    let query = query_of(&req);
    let (account, scopes, by_protocol) = reader(&ctx, &req, &query).await?;
    // The first stream may be named in the URL (`?stream=user`).
    let first = match query.get("stream") {
        Some(name) => {
            let stream = Stream::parse(
                name,
                query.get("tag").map(String::as_str),
                query.get("list").map(String::as_str),
            )?;
            may_stream(&ctx, &account, &scopes, &stream).await?;
            Some(stream)
        }
        None => None,
    };
    let echoed = if by_protocol {
        token_of(&req, &query).map(|(t, _)| t)
    } else {
        None
    };
    let protocols: Vec<&str> = echoed.iter().map(String::as_str).collect();
    let (response, mut session, messages) =
        actix_ws::handle_with_protocols(&req, body, &protocols)?;
    let notifications = tokens::allows(&scopes, "read:notifications");
    tracing::info!(account = %account.username, "streaming: WebSocket opened");
    let reader = account.clone();
    let (subscription, mut frames) =
        ctx.streams
            .join(account, notifications, first.into_iter().collect());
    let hub = ctx.streams.clone();
    let ctx = ctx.clone();
    let mut messages = messages.max_frame_size(16 * 1024);
    actix_web::rt::spawn(async move {
        let mut heartbeat =
            tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut answered = true;
        let reason = loop {
            tokio::select! {
                frame = frames.recv() => match frame {
                    Some(frame) => {
                        if session.text(frame.websocket()).await.is_err() {
                            break None;
                        }
                    }
                    None => break Some(actix_ws::CloseReason { code: actix_ws::CloseCode::Policy, description: Some("too slow to keep up".into()) }),
                },
                message = messages.recv() => match message {
                    Some(Ok(actix_ws::Message::Text(text))) => {
                        let Ok(command) = serde_json::from_str::<Command>(&text) else { continue };
                        let stream = match command.stream() {
                            Ok(stream) => may_stream(&ctx, &reader, &scopes, &stream).await.map(|_| stream),
                            Err(e) => Err(e),
                        };
                        let answer = match stream {
                            Ok(stream) if command.kind == "subscribe" => {
                                if hub.subscribe(subscription.id, stream) { None } else { Some(Error::new(ErrorKind::BadRequest, "Too many streams on one connection")) }
                            }
                            Ok(stream) if command.kind == "unsubscribe" => {
                                hub.unsubscribe(subscription.id, &stream);
                                None
                            }
                            Ok(_) => None,
                            Err(e) => Some(e),
                        };
                        if let Some(e) = answer {
                            if session.text(error_message(&e)).await.is_err() {
                                break None;
                            }
                        }
                    }
                    Some(Ok(actix_ws::Message::Ping(bytes))) => {
                        if session.pong(&bytes).await.is_err() {
                            break None;
                        }
                    }
                    Some(Ok(actix_ws::Message::Pong(_))) => answered = true,
                    Some(Ok(actix_ws::Message::Close(_))) | None => break None,
                    Some(Ok(actix_ws::Message::Binary(_))) => {
                        break Some(actix_ws::CloseReason { code: actix_ws::CloseCode::Unsupported, description: Some("binary messages are not supported".into()) })
                    }
                    Some(Ok(_)) => {}
                    Some(Err(_)) => break Some(actix_ws::CloseReason { code: actix_ws::CloseCode::Protocol, description: None }),
                },
                _ = heartbeat.tick() => {
                    if !answered {
                        break None;
                    }
                    answered = false;
                    if session.ping(b"").await.is_err() {
                        break None;
                    }
                }
            }
        };
        drop(subscription);
        let _ = session.close(reason).await;
    });
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_named_as_mastodon_names_them() {
        assert_eq!(
            Stream::parse("public:local", None, None).unwrap().label(),
            json!(["public:local"])
        );
        assert_eq!(
            Stream::parse("hashtag", Some("#EdChat"), None).unwrap(),
            Stream::Hashtag {
                tag: "edchat".into(),
                local: false
            }
        );
        assert_eq!(
            Stream::parse("hashtag:local", Some("maths"), None)
                .unwrap()
                .label(),
            json!(["hashtag:local", "maths"])
        );
        assert_eq!(
            Stream::parse("hashtag", None, None).unwrap_err().kind,
            ErrorKind::BadRequest
        );
        assert_eq!(
            Stream::parse("list", None, Some("1")).unwrap(),
            Stream::List { id: 1 }
        );
        assert_eq!(
            Stream::parse("list", None, Some("1")).unwrap().label(),
            json!(["list", "1"])
        );
        assert_eq!(
            Stream::parse("list", None, Some("x")).unwrap_err().kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            Stream::parse("list", None, None).unwrap_err().kind,
            ErrorKind::BadRequest
        );
        assert_eq!(
            Stream::parse("nonsense", None, None).unwrap_err().kind,
            ErrorKind::BadRequest
        );
        let changed = Frame {
            stream: Stream::User,
            event: "filters_changed",
            payload: None,
        };
        assert_eq!(changed.sse(), "event: filters_changed\ndata: undefined\n\n");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&changed.websocket()).unwrap(),
            json!({ "stream": ["user"], "event": "filters_changed" })
        );
        let frame = Frame {
            stream: Stream::User,
            event: "delete",
            payload: Some("42".into()),
        };
        assert_eq!(frame.sse(), "event: delete\ndata: 42\n\n");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&frame.websocket()).unwrap(),
            json!({ "stream": ["user"], "event": "delete", "payload": "42" })
        );
    }
}
