//! Fetching from other servers: signed GETs of ActivityStreams documents, remote
//! actors (checked, then stored), and WebFinger look-ups. Every request goes through
//! the one `HttpClient`, so the same address rules and limits apply everywhere.

use crate::{
    content,
    context::AppContext,
    db::accounts::{Account, RemoteAccountForm},
    error::{Error, ErrorKind, Result},
    federation::{
        client::HttpClient,
        protocol::{actor::Actor, helpers},
        signatures,
    },
};
use chrono::Utc;
use serde_json::Value;
use url::Url;

/// Largest document we read from another server.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// Refetch a known actor after this long when it is used.
const ACTOR_TTL: chrono::Duration = chrono::Duration::hours(24);
const ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

fn remote_failed(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::RemoteFailed, message)
}

/// Why a fetch failed, where the caller acts on it.
#[derive(Debug, PartialEq, Eq)]
pub enum Missing {
    /// 404 or 410: the object does not exist (any more).
    Gone,
    Other,
}

pub fn missing_kind(e: &Error) -> Missing {
    if e.kind == ErrorKind::Gone || e.kind == ErrorKind::NotFound {
        Missing::Gone
    } else {
        Missing::Other
    }
}

/// GETs an ActivityStreams document, signed by the instance actor (servers in
/// authorized-fetch mode require it), and checks that it names itself by a URL on
/// the host it came from.
pub async fn fetch_object(ctx: &AppContext, url: &str) -> Result<Value> {
    let parsed = Url::parse(url).map_err(|_| Error::bad_request(format!("{url} is not a URL")))?;
    ctx.client
        .check(&parsed)
        .map_err(|e| Error::new(ErrorKind::Forbidden, e.to_string()))?;
    if ctx.blocks.is_blocked_url(&ctx.pool, url).await {
        return Err(Error::new(
            ErrorKind::Forbidden,
            format!("{url} is on a blocked server"),
        ));
    }
    let host = crate::federation::client::host_of(&parsed)
        .ok_or_else(|| Error::bad_request("URL without a host"))?;
    let date = signatures::http_date(Utc::now());
    let path = match parsed.query() {
        Some(q) => format!("{}?{q}", parsed.path()),
        None => parsed.path().to_string(),
    };
    let signature = signatures::sign(
        &ctx.instance_key,
        &ctx.urls.instance_key_id(),
        "GET",
        &path,
        &[("host", &host), ("date", &date), ("accept", ACCEPT)],
    )
    .map_err(Error::internal)?;
    let response = ctx
        .client
        .inner()
        .get(parsed.clone())
        .header("Accept", ACCEPT)
        .header("Date", &date)
        .header("Signature", signature)
        .send()
        .await
        .map_err(|e| remote_failed(format!("cannot fetch {url}")).with_cause(e))?;
    let status = response.status().as_u16();
    match status {
        200..=299 => {}
        404 => {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("{url} was not found"),
            ))
        }
        410 => return Err(Error::new(ErrorKind::Gone, format!("{url} is gone"))),
        _ => {
            return Err(remote_failed(format!(
                "fetching {url} answered HTTP {status}"
            )))
        }
    }
    let final_url = response.url().clone();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !content_type.contains("json") {
        return Err(remote_failed(format!(
            "{url} is not an ActivityStreams document ({content_type})"
        )));
    }
    let body = HttpClient::read_limited(url, response, MAX_DOCUMENT_BYTES)
        .await
        .map_err(|e| remote_failed(e.to_string()))?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| remote_failed(format!("{url} is not valid JSON: {e}")))?;
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| remote_failed(format!("{url} has no id")))?;
    let id_url = Url::parse(id).map_err(|_| remote_failed(format!("{url} has an invalid id")))?;
    // A document may only speak for its own host: a redirect elsewhere, or an id on
    // another host, would let one server plant objects in another's name.
    if id != url
        && (id_url.host_str() != final_url.host_str()
            || id_url.port_or_known_default() != final_url.port_or_known_default())
    {
        return Err(remote_failed(format!(
            "{url} answered with an object of another host ({id})"
        )));
    }
    Ok(value)
}

/// A remote actor's document, checked, not yet stored.
pub struct FetchedActor {
    pub form: RemoteAccountForm,
    pub key_id: String,
    /// Its `featured` (pinned posts) and `featuredTags` collections, on its own host.
    pub collections: crate::db::pins::Collections,
    /// Custom emoji its `Emoji` tags name (for its name and bio).
    pub emojis: Vec<(String, String, String)>,
    /// Its `alsoKnownAs` (at most 20 http(s) URLs): what a Move to it is checked against.
    pub also_known_as: Vec<String>,
}

/// Reads an actor document into what we store, refusing inconsistent ones.
pub fn actor_from_document(value: Value) -> Result<FetchedActor> {
    let actor: Actor = serde_json::from_value(value)
        .map_err(|e| remote_failed(format!("not an actor document: {e}")))?;
    if !matches!(
        actor.kind.as_str(),
        "Person" | "Service" | "Application" | "Group" | "Organization"
    ) {
        return Err(remote_failed(format!(
            "{} is a {}, not an actor",
            actor.id, actor.kind
        )));
    }
    let id = Url::parse(&actor.id).map_err(|_| remote_failed("actor id is not a URL"))?;
    let host = crate::federation::client::host_of(&id)
        .ok_or_else(|| remote_failed("actor id without host"))?;
    let same_host = |u: &str| {
        Url::parse(u)
            .ok()
            .and_then(|u| crate::federation::client::host_of(&u))
            .as_deref()
            == Some(host.as_str())
    };
    if actor.public_key.owner != actor.id || !same_host(&actor.public_key.id) {
        return Err(remote_failed(format!(
            "the key of {} does not belong to it",
            actor.id
        )));
    }
    if !same_host(&actor.inbox) {
        return Err(remote_failed(format!(
            "the inbox of {} is on another host",
            actor.id
        )));
    }
    openssl::pkey::PKey::public_key_from_pem(actor.public_key.public_key_pem.as_bytes()).map_err(
        |_| {
            remote_failed(format!(
                "the public key of {} is not a valid PEM key",
                actor.id
            ))
        },
    )?;
    // Without preferredUsername, name the account after the last part of its id.
    let derived;
    let username = match actor.preferred_username.trim() {
        "" => {
            derived = id
                .path_segments()
                .and_then(|mut s| s.rfind(|p| !p.is_empty()))
                .map(|p| {
                    p.chars()
                        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                        .collect::<String>()
                })
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| "actor".to_string());
            derived.as_str()
        }
        name => name,
    };
    if username.len() > 256 {
        return Err(remote_failed("actor with an overlong preferredUsername"));
    }
    let http =
        |u: Option<String>| u.filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let now = Utc::now();
    // The featured collection counts only on the actor's own host.
    let collections = crate::db::pins::Collections {
        featured: http(actor.featured.clone()).filter(|u| same_host(u)),
        featured_tags: http(actor.featured_tags.clone()).filter(|u| same_host(u)),
    };
    let also_known_as = actor
        .also_known_as
        .iter()
        .filter(|u| u.len() <= 2048 && http(Some(u.to_string())).is_some())
        .take(20)
        .cloned()
        .collect();
    Ok(FetchedActor {
        collections,
        emojis: crate::services::emojis::from_tags(&actor.tag),
        also_known_as,
        key_id: actor.public_key.id.clone(),
        form: RemoteAccountForm {
            username: username.to_string(),
            domain: Some(host.to_ascii_lowercase()),
            display_name: actor.name.unwrap_or_default().chars().take(200).collect(),
            note: content::sanitize_remote_html(&actor.summary.unwrap_or_default()),
            locked: actor.manually_approves_followers,
            discoverable: actor.discoverable.unwrap_or(false),
            indexable: actor.indexable.unwrap_or(false),
            actor_type: actor.kind,
            uri: Some(actor.id),
            url: http(actor.url),
            inbox_url: Some(actor.inbox),
            shared_inbox_url: http(actor.endpoints.and_then(|e| e.shared_inbox))
                .filter(|u| same_host(u)),
            outbox_url: http(actor.outbox),
            followers_url: http(actor.followers),
            following_url: http(actor.following),
            public_key_pem: actor.public_key.public_key_pem,
            public_key_id: Some(actor.public_key.id),
            last_fetched_at: Some(now),
            updated_at: now,
            avatar_remote_url: actor.icon.as_ref().and_then(helpers::image_url),
            header_remote_url: actor.image.as_ref().and_then(helpers::image_url),
        },
    })
}

/// Fetches an actor (not stored: the caller stores it once it trusts it).
pub async fn fetch_actor(ctx: &AppContext, url: &str) -> Result<FetchedActor> {
    let fetched = actor_from_document(fetch_object(ctx, url).await?)?;
    if fetched.form.uri.as_deref() != Some(url) {
        // Fetched through an alias: the canonical id must itself be on the same host.
        let wanted = Url::parse(url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        let got = fetched
            .form
            .domain
            .as_deref()
            .map(|d| d.split(':').next().unwrap_or(d).to_string());
        if wanted != got {
            return Err(remote_failed(format!(
                "{url} answered with an actor of another host"
            )));
        }
    }
    Ok(fetched)
}

/// Stores a fetched actor. Keys cached for it are dropped (on every node) only when
/// its keys changed: dropping them on every refresh would make the key just verified
/// be fetched again (the key cache is filled right after this).
pub async fn store_actor(ctx: &AppContext, fetched: &FetchedActor) -> Result<Account> {
    let mut conn = ctx.pool.get().await?;
    let before = match &fetched.form.uri {
        Some(uri) => Account::find_by_uri(&mut conn, uri).await?,
        None => None,
    };
    let account = match Account::upsert_remote(&mut conn, &fetched.form).await {
        // `ON CONFLICT (uri)` arbitrates that one index: a request storing the same
        // actor at the same moment (Follows of an import arrive together) can make
        // this insert fail on the name or key index instead. The violation is raised
        // only once that insert has committed, so a second try finds its row and
        // updates it; only a different actor with the name fails twice. Tried again
        // here, not in `upsert_remote`: this connection is in no transaction, so the
        // failed statement aborted nothing.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Account::upsert_remote(&mut conn, &fetched.form).await,
        first => first,
    }
    .map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => remote_failed(format!(
            "another actor already uses the name {}@{}",
            fetched.form.username,
            fetched.form.domain.as_deref().unwrap_or("")
        )),
        other => Error::internal(other),
    })?;
    // Its pinned posts and featured hashtags are read in the background (bounded,
    // at most hourly): a profile shows them, and an `Add` is checked against the
    // collection.
    crate::services::emojis::remember(&ctx.pool, &(account.domain.clone(), fetched.emojis.clone()))
        .await;
    crate::services::pins::featured_seen(ctx, &account, &fetched.collections);
    crate::db::aliases::set(&mut conn, account.id, &fetched.also_known_as).await?;
    let keys_changed = before.is_some_and(|b| {
        b.public_key_pem != account.public_key_pem || b.public_key_id != account.public_key_id
    });
    if keys_changed {
        let uri = account.uri.clone().unwrap_or_default();
        ctx.dispatch(crate::services::events::Outcome::of(
            crate::services::events::Event::ActorRefreshed {
                account: account.id,
                uri,
            },
        ));
    }
    Ok(account)
}

/// The stored actor, fetched first if unknown or stale. Local URLs resolve locally.
pub async fn resolve_actor(ctx: &AppContext, url: &str) -> Result<Account> {
    if let Some(name) = ctx.urls.local_username(url) {
        return crate::services::accounts::find_local_account(&ctx.pool, name).await;
    }
    let known = {
        let mut conn = ctx.pool.get().await?;
        Account::find_by_uri(&mut conn, url).await?
    };
    if let Some(account) = &known {
        if account
            .last_fetched_at
            .is_some_and(|t| Utc::now() - t < ACTOR_TTL)
        {
            return Ok(account.clone());
        }
    }
    match fetch_actor(ctx, url).await {
        Ok(fetched) => store_actor(ctx, &fetched).await,
        // A stale copy is better than nothing when the server is briefly down.
        Err(e) if known.is_some() && missing_kind(&e) == Missing::Other => {
            tracing::info!(actor = %url, error = %e, "refetch failed; using the stored actor");
            Ok(known.unwrap())
        }
        Err(e) => Err(e),
    }
}

/// Finds `user@domain` through WebFinger and resolves the actor it names.
pub async fn webfinger(ctx: &AppContext, username: &str, domain: &str) -> Result<Account> {
    if domain.eq_ignore_ascii_case(ctx.urls.domain()) {
        return crate::services::accounts::find_local_account(&ctx.pool, username).await;
    }
    {
        let mut conn = ctx.pool.get().await?;
        if let Some(account) = Account::find_remote(&mut conn, username, domain).await? {
            if account
                .last_fetched_at
                .is_some_and(|t| Utc::now() - t < ACTOR_TTL)
            {
                return Ok(account);
            }
        }
    }
    let scheme = if ctx.settings.dev { "http" } else { "https" };
    let url =
        format!("{scheme}://{domain}/.well-known/webfinger?resource=acct:{username}@{domain}");
    let parsed =
        Url::parse(&url).map_err(|_| Error::bad_request(format!("{domain} is not a host name")))?;
    ctx.client
        .check(&parsed)
        .map_err(|e| Error::new(ErrorKind::Forbidden, e.to_string()))?;
    if ctx.blocks.is_blocked(&ctx.pool, domain).await {
        return Err(Error::new(
            ErrorKind::Forbidden,
            format!("{domain} is a server this instance does not federate with"),
        ));
    }
    let response = ctx
        .client
        .inner()
        .get(parsed)
        .header("Accept", "application/jrd+json, application/json")
        .send()
        .await
        .map_err(|e| remote_failed(format!("WebFinger at {domain} failed")).with_cause(e))?;
    if response.status().as_u16() == 404 {
        return Err(Error::not_found(format!(
            "{domain} has no account {username}"
        )));
    }
    if !response.status().is_success() {
        return Err(remote_failed(format!(
            "WebFinger at {domain} answered HTTP {}",
            response.status()
        )));
    }
    let body = HttpClient::read_limited(&url, response, 64 * 1024)
        .await
        .map_err(|e| remote_failed(e.to_string()))?;
    let jrd: Value = serde_json::from_slice(&body)
        .map_err(|_| remote_failed(format!("WebFinger at {domain} is not JSON")))?;
    let href = jrd["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| {
            l["rel"] == "self"
                && l["type"].as_str().is_some_and(|t| {
                    t.starts_with("application/activity+json")
                        || t.starts_with("application/ld+json")
                })
        })
        .and_then(|l| l["href"].as_str())
        .ok_or_else(|| {
            remote_failed(format!(
                "WebFinger at {domain} names no ActivityPub actor for {username}"
            ))
        })?;
    resolve_actor(ctx, href).await
}
