//! `/inbox`, `/users/NAME/inbox` and `/actor/inbox`: every POST must carry a valid
//! HTTP signature (RFC 9421 or draft-cavage) from the activity's own actor; anything
//! else is refused with 401 (senders that "double-knock" retry with another scheme
//! only after a 401) and leaves no trace. A Create forwarded by someone else is
//! believed only as far as its origin confirms it.

use crate::{
    context::AppContext,
    db::accounts::Account,
    error::{Error, ErrorKind, Result},
    federation::{
        activities,
        fetch::{self, Missing},
        keys::CachedKey,
        limits,
        message_signatures::{self, RequestParts},
        protocol::activity::IncomingActivity,
        refusals, signatures,
    },
    services,
};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use openssl::pkey::PKey;
use std::sync::Arc;

/// Largest activity we accept; Mastodon's own limit is about the same.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/inbox").route(web::post().to(shared_inbox)))
        .service(web::resource("/users/{name}/inbox").route(web::post().to(personal_inbox)))
        .service(web::resource("/actor/inbox").route(web::post().to(shared_inbox)));
}

/// The body, read up to `MAX_BODY_BYTES`; a larger one is refused with a JSON 413
/// (as every other refusal here), before more than the limit is read.
async fn read_body(payload: web::Payload) -> Result<web::Bytes> {
    match payload.to_bytes_limited(MAX_BODY_BYTES).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(e)) => Err(Error::bad_request(format!(
            "cannot read the request body: {e}"
        ))),
        Err(_) => Err(Error::new(
            ErrorKind::TooLarge,
            format!("the activity is larger than {MAX_BODY_BYTES} bytes"),
        )),
    }
}

fn unauthorized(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadSignature, message)
}

async fn shared_inbox(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse> {
    counted(async {
        let body = read_body(payload).await?;
        handle(&ctx, &req, &body).await
    })
    .await
}

async fn personal_inbox(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    payload: web::Payload,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    counted(async {
        services::accounts::find_local_account(&ctx.pool, &name).await?;
        let body = read_body(payload).await?;
        handle(&ctx, &req, &body).await
    })
    .await
}

/// Counts the answer for `/metrics`: accepted (2xx) or refused.
async fn counted(
    answer: impl std::future::Future<Output = Result<HttpResponse>>,
) -> Result<HttpResponse> {
    let answer = answer.await;
    crate::metrics::inbox(answer.as_ref().is_ok_and(|r| r.status().is_success()));
    answer
}

/// 401 for an unsigned POST, saying (RFC 9421 §5.1) which signature we accept.
fn unsigned() -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header(("Accept-Signature", message_signatures::ACCEPT_SIGNATURE))
        .json(serde_json::json!({ "error": "the request is not signed: sign it with an HTTP signature (RFC 9421 or draft-cavage)" }))
}

fn is_signed(req: &HttpRequest) -> bool {
    ["signature", "signature-input", "authorization"]
        .iter()
        .any(|h| req.headers().contains_key(*h))
}

/// What the inbox learnt of a request before it answered, for the refusal log.
#[derive(Default)]
struct Seen {
    host: String,
    activity_id: Option<String>,
    actor: Option<String>,
    kind: Option<String>,
}

/// Every answer but a 2xx is logged with its reason (federation/refusals.rs); the
/// sender only learns it from the body, which nobody reads.
async fn handle(ctx: &AppContext, req: &HttpRequest, body: &web::Bytes) -> Result<HttpResponse> {
    let mut seen = Seen::default();
    let result = receive_signed(ctx, req, body, &mut seen)
        .await
        .map_err(|e| {
            if e.kind == ErrorKind::RemoteFailed {
                // A third server failing is not the sender's fault, and a 5xx would hold up
                // everything that sender queued after this (Lemmy delivers in order).
                Error::new(ErrorKind::Unprocessable, e.message.clone()).with_cause(e)
            } else {
                e
            }
        });
    // A 429 is logged where it is decided (limits::too_many_requests).
    let refused = match &result {
        Ok(r) if r.status().is_success() || r.status().as_u16() == 429 => None,
        Ok(r) => Some((r.status().as_u16(), "the request is not signed".to_string())),
        Err(e) => Some((e.kind.status().as_u16(), e.message.clone())),
    };
    let Some((status, reason)) = refused else {
        return result;
    };
    if seen.activity_id.is_none() {
        // Refused before the activity was read: what it says of itself, unverified.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
            seen.activity_id = value.get("id").and_then(|v| v.as_str()).map(str::to_string);
            seen.actor = value
                .get("actor")
                .and_then(crate::federation::protocol::helpers::id_of);
            seen.kind = value
                .get("type")
                .and_then(|v| v.as_str())
                .map(str::to_string);
        }
    }
    if seen.host.is_empty() {
        seen.host = seen
            .actor
            .as_deref()
            .map(limits::signer_host)
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown".to_string());
    }
    refusals::log(refusals::Refusal {
        host: &seen.host,
        status,
        reason: &reason,
        activity_id: seen.activity_id.as_deref(),
        actor: seen.actor.as_deref(),
        kind: seen.kind.as_deref(),
    });
    result
}

async fn receive_signed(
    ctx: &AppContext,
    req: &HttpRequest,
    body: &web::Bytes,
    seen: &mut Seen,
) -> Result<HttpResponse> {
    if !is_signed(req) {
        return Ok(unsigned());
    }
    let signature = check_headers(ctx, req, Some(body))?;
    let sender_host = limits::signer_host(&signature.key_id);
    seen.host = sender_host.clone();
    if let Some(wait) = ctx.inbox_rate.wait_time(&sender_host) {
        return Ok(limits::too_many_requests(&sender_host, wait));
    }
    let activity = limits::parse_activity(body)?;
    seen.activity_id = Some(activity.id.clone());
    seen.kind = Some(activity.kind.clone());
    seen.actor = activity.actor.clone();
    let actor_id = activity
        .actor
        .clone()
        .ok_or_else(|| Error::bad_request("the activity names no actor"))?;
    if ctx.blocks.is_blocked_url(&ctx.pool, &actor_id).await
        || ctx
            .blocks
            .is_blocked_url(&ctx.pool, &signature.key_id)
            .await
    {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "this server does not federate with yours",
        ));
    }
    let signer = match verify(ctx, &signature).await {
        Ok(signer) => signer,
        Err(e)
            if e.kind == ErrorKind::Gone
                && activity.kind == "Delete"
                && crate::federation::protocol::helpers::id_of(&activity.object).as_deref()
                    == Some(&actor_id) =>
        {
            // An actor we never knew deleted itself; its key is gone with it. Nothing to do.
            return Ok(HttpResponse::Accepted().finish());
        }
        Err(e) => return Err(e),
    };
    if signer.owner != actor_id {
        // Relays pass posts on signed by themselves (FEP-ae0c): asked only for what
        // they pass on, so other refusals cost no query.
        let relay = matches!(
            activity.kind.as_str(),
            "Create" | "Update" | "Delete" | "Announce"
        ) && activities::relay::is_relay_id(ctx, &signer.owner).await?;
        if activity.kind == "Create" {
            return run_or_retry(ctx, Job::Forwarded { actor_id, relay }, activity, body).await;
        }
        if relay {
            // activityrelay passes its members' edits and deletions on as they came:
            // a deletion is checked at the post's origin; the rest is acknowledged and
            // not applied (a relayed post stays as first fetched).
            if activity.kind == "Delete" {
                activities::relay::receive_passed_on_delete(ctx, &actor_id, &activity.object)
                    .await?;
            } else {
                tracing::debug!(kind = %activity.kind, id = %activity.id, relay = %signer.owner, "activity passed on by a relay acknowledged, not acted on");
            }
            return Ok(HttpResponse::Accepted().finish());
        }
        return Err(unauthorized(format!(
            "the request is signed by {}, not by the activity's actor {actor_id}",
            signer.owner
        )));
    }
    // Only verified requests spend the allowance, so nobody can exhaust another server's.
    if let Err(wait) = ctx.inbox_rate.take(&limits::signer_host(&signer.owner)) {
        return Ok(limits::too_many_requests(&sender_host, wait));
    }
    let actor = match &signer.account {
        Some(account) => account.clone(),
        None => {
            let mut conn = ctx.pool.get().await?;
            Arc::new(
                Account::find(&mut conn, signer.account_id)
                    .await?
                    .ok_or_else(|| unauthorized("the signing actor is gone"))?,
            )
        }
    };
    tracing::debug!(kind = %activity.kind, id = %activity.id, actor = %actor_id, "activity received");
    run_or_retry(ctx, Job::Direct { actor }, activity, body).await
}

/// Who a verified activity came from, and so how it is handled, now or, when
/// another server it needs failed, later (read again from its body: the first try
/// takes the parsed activity, with no copy kept for a retry that almost never comes).
enum Job {
    Direct {
        actor: Arc<Account>,
    },
    /// A Create relayed by someone else than its actor; `relay` when that is a
    /// relay we subscribe to (FEP-ae0c).
    Forwarded {
        actor_id: String,
        relay: bool,
    },
}

impl Job {
    async fn run(&self, ctx: &AppContext, activity: IncomingActivity) -> Result<()> {
        match self {
            Job::Direct { actor } => activities::receive(ctx, actor, activity).await,
            Job::Forwarded { actor_id, relay } => {
                forwarded_create(ctx, activity, actor_id, *relay).await
            }
        }
    }

    /// A later try, from the body as it came (it parsed the first time).
    async fn run_again(&self, ctx: &AppContext, body: &[u8]) -> Result<()> {
        self.run(ctx, limits::parse_activity(body)?).await
    }
}

/// When handling the activity needs another server (an announced post, the author
/// of a relayed comment) and that server fails, the sender is answered 202 and the
/// activity is handled again in the background: after 2 s, 30 s and 5 min.
const RETRY_DELAYS: [std::time::Duration; 3] = [
    std::time::Duration::from_secs(2),
    std::time::Duration::from_secs(30),
    std::time::Duration::from_secs(300),
];
/// Activities waiting for a retry at once, in this process. Past this, one that
/// needs a retry is dropped (and logged): memory stays bounded whatever others send.
const MAX_RETRYING: usize = 1_000;
static RETRYING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

async fn run_or_retry(
    ctx: &AppContext,
    job: Job,
    activity: IncomingActivity,
    body: &web::Bytes,
) -> Result<HttpResponse> {
    let id = activity.id.clone();
    match job.run(ctx, activity).await {
        Ok(()) => Ok(HttpResponse::Accepted().finish()),
        Err(e) if e.kind == ErrorKind::RemoteFailed => {
            use std::sync::atomic::Ordering;
            if RETRYING.fetch_add(1, Ordering::Relaxed) >= MAX_RETRYING {
                RETRYING.fetch_sub(1, Ordering::Relaxed);
                tracing::warn!(id = %id, error = %e, "activity dropped: too many waiting for another server already");
                return Ok(HttpResponse::Accepted().finish());
            }
            tracing::info!(id = %id, error = %e, "another server failed; the activity is handled again later");
            let ctx = ctx.clone();
            let body = body.clone();
            tokio::spawn(async move {
                for (attempt, delay) in RETRY_DELAYS.iter().enumerate() {
                    tokio::time::sleep(*delay).await;
                    match job.run_again(&ctx, &body).await {
                        Ok(()) => {
                            tracing::info!(id = %id, attempt = attempt + 1, "activity handled on retry");
                            break;
                        }
                        Err(e)
                            if e.kind == ErrorKind::RemoteFailed
                                && attempt + 1 < RETRY_DELAYS.len() =>
                        {
                            continue
                        }
                        Err(e) => {
                            tracing::info!(id = %id, error = %e, "activity given up after retries");
                            break;
                        }
                    }
                }
                RETRYING.fetch_sub(1, Ordering::Relaxed);
            });
            Ok(HttpResponse::Accepted().finish())
        }
        Err(e) => Err(e),
    }
}

/// A Create relayed by someone other than its actor (Mastodon forwards a reply to
/// the followers of the post it answers). The copy that came with it proves nothing,
/// so, as GoToSocial does, the object is fetched from its origin and stored only if
/// its origin attributes it to the activity's actor.
async fn forwarded_create(
    ctx: &AppContext,
    activity: IncomingActivity,
    actor_id: &str,
    relay: bool,
) -> Result<()> {
    use crate::federation::{objects::note::same_host, protocol::helpers::id_of};
    let forbidden = |m: String| Error::new(ErrorKind::Forbidden, m);
    let object_id = id_of(&activity.object)
        .ok_or_else(|| Error::bad_request("the forwarded Create has no object id"))?;
    if ctx.urls.local_username(actor_id).is_some() {
        return Err(forbidden(
            "posts of our own accounts are not taken from other servers".to_string(),
        ));
    }
    if !same_host(&object_id, actor_id) {
        return Err(forbidden(format!(
            "the forwarded object {object_id} is not on its actor's host"
        )));
    }
    let object = fetch::fetch_object(ctx, &object_id)
        .await
        .map_err(|e| match e.kind {
            ErrorKind::RemoteFailed => e,
            _ => forbidden(format!(
                "the forwarded object could not be fetched from its origin: {}",
                e.message
            )),
        })?;
    let author = object.get("attributedTo").and_then(|a| match a {
        serde_json::Value::Array(items) => items.iter().find_map(id_of),
        other => id_of(other),
    });
    if author.as_deref() != Some(actor_id) {
        return Err(forbidden(format!(
            "{object_id} is not attributed to {actor_id} at its origin"
        )));
    }
    let actor = fetch::resolve_actor(ctx, actor_id).await?;
    // Our own id for it: the forwarder's could name (and so pre-empt) another activity.
    let relayed = IncomingActivity {
        id: format!("{object_id}#forwarded-create"),
        object,
        ..activity
    };
    tracing::debug!(object = %object_id, actor = %actor_id, relay, "forwarded Create fetched from its origin");
    if relay {
        if actor.suspended_at.is_some() {
            return Ok(());
        }
        if let crate::federation::protocol::activities::Activity::Create(create) =
            crate::federation::protocol::activities::Activity::from_incoming(relayed)?
        {
            activities::create_note::receive_relayed(ctx, &actor, create).await?;
        }
        return Ok(());
    }
    activities::receive(ctx, &actor, relayed).await
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    let values: Vec<&str> = req
        .headers()
        .get_all(name)
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// A request's signature, checked as far as it can be without the sender's key:
/// it parses, covers what it must, is fresh, its digest matches the body, and the
/// string the sender signed is rebuilt.
pub struct SignedRequest {
    pub key_id: String,
    /// What was signed: the draft-cavage signing string or the RFC 9421 signature base.
    pub base: String,
    pub signature: Vec<u8>,
    /// The algorithm the sender named, if any; the key decides otherwise.
    pub alg: Option<String>,
}

fn check_headers(
    ctx: &AppContext,
    req: &HttpRequest,
    body: Option<&[u8]>,
) -> Result<SignedRequest> {
    if req.headers().contains_key("signature-input") {
        return check_message_signature(ctx, req, body);
    }
    let value = header(req, "signature")
        .or_else(|| {
            header(req, "authorization")
                .and_then(|a| a.strip_prefix("Signature ").map(str::to_string))
        })
        .ok_or_else(|| unauthorized("the request is not signed (HTTP signature required)"))?;
    let parsed = signatures::parse(&value).map_err(|e| unauthorized(e.to_string()))?;
    let required: &[&str] = if body.is_some() {
        &["(request-target)", "host", "digest"]
    } else {
        &["(request-target)", "host"]
    };
    for required in required {
        if !parsed.headers.iter().any(|h| h == required) {
            return Err(unauthorized(format!("the signature must cover {required}")));
        }
    }
    // The signed Host must be us: a signature made for another server's inbox, replayed
    // here with that server's Host header, would otherwise verify.
    if !header(req, "host").is_some_and(|h| h.trim().eq_ignore_ascii_case(ctx.urls.domain())) {
        return Err(unauthorized(format!(
            "the request was signed for another host than {}",
            ctx.urls.domain()
        )));
    }
    let signed_at = if parsed.headers.iter().any(|h| h == "date") {
        header(req, "date")
            .and_then(|d| signatures::parse_http_date(&d))
            .ok_or_else(|| unauthorized("the Date header is missing or invalid"))?
    } else if parsed.headers.iter().any(|h| h == "(created)") {
        parsed
            .created
            .and_then(|c| chrono::DateTime::from_timestamp(c, 0))
            .ok_or_else(|| unauthorized("the created parameter is invalid"))?
    } else {
        return Err(unauthorized("the signature must cover date or (created)"));
    };
    let expires = match parsed.expires {
        Some(e) => Some(
            chrono::DateTime::from_timestamp(e, 0)
                .ok_or_else(|| unauthorized("the expires parameter is invalid"))?,
        ),
        None => None,
    };
    signatures::check_freshness(signed_at, expires, Utc::now()).map_err(unauthorized)?;
    if let Some(body) = body {
        let digest =
            header(req, "digest").ok_or_else(|| unauthorized("the Digest header is missing"))?;
        if !signatures::digest_matches(&digest, body) {
            return Err(unauthorized("the Digest does not match the body"));
        }
    }
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let base = signatures::signing_string(&parsed, req.method().as_str(), path, |name| {
        header(req, name)
    })
    .map_err(|e| unauthorized(e.to_string()))?;
    Ok(SignedRequest {
        key_id: parsed.key_id,
        base,
        signature: parsed.signature,
        alg: parsed.algorithm,
    })
}

/// RFC 9421: the first signature in `Signature-Input` is the one we check (senders
/// that add more list their own first); it must cover the method, the target (as
/// `@target-uri`, or `@authority` with `@path`), and for a POST `content-digest`.
fn check_message_signature(
    ctx: &AppContext,
    req: &HttpRequest,
    body: Option<&[u8]>,
) -> Result<SignedRequest> {
    let inputs = header(req, "signature-input").unwrap_or_default();
    let input = message_signatures::parse_signature_input(&inputs)
        .map_err(|e| unauthorized(format!("invalid Signature-Input: {e}")))?
        .remove(0);
    let signatures =
        message_signatures::parse_signature(&header(req, "signature").unwrap_or_default())
            .map_err(|e| unauthorized(format!("invalid Signature (RFC 9421): {e}")))?;
    let signature = signatures
        .into_iter()
        .find(|(label, _)| *label == input.label)
        .map(|(_, s)| s)
        .ok_or_else(|| {
            unauthorized(format!(
                "the Signature header has no signature labelled {}",
                input.label
            ))
        })?;
    if !input.covers("@method") {
        return Err(unauthorized("the signature must cover @method"));
    }
    if !input.covers("@target-uri")
        && !(input.covers("@authority")
            && (input.covers("@path") || input.covers("@request-target")))
    {
        return Err(unauthorized(
            "the signature must cover @target-uri (or @authority and @path)",
        ));
    }
    if body.is_some() && !input.covers("content-digest") {
        return Err(unauthorized("the signature must cover content-digest"));
    }
    let created = input
        .created
        .and_then(|c| chrono::DateTime::from_timestamp(c, 0))
        .ok_or_else(|| unauthorized("the signature has no valid created parameter"))?;
    let expires = match input.expires {
        Some(e) => Some(
            chrono::DateTime::from_timestamp(e, 0)
                .ok_or_else(|| unauthorized("the expires parameter is invalid"))?,
        ),
        None => None,
    };
    signatures::check_freshness(created, expires, Utc::now()).map_err(unauthorized)?;
    if let Some(body) = body {
        let digest = header(req, "content-digest")
            .ok_or_else(|| unauthorized("the Content-Digest header is missing"))?;
        message_signatures::check_content_digest(&digest, body)
            .map_err(|e| unauthorized(e.to_string()))?;
    }
    // The target as this server is reached, not as the request claims: a signature
    // for another host's URL does not verify here.
    let scheme = ctx.urls.base().split("://").next().unwrap_or("https");
    let lookup = |name: &str| header(req, name);
    let parts = RequestParts {
        method: req.method().as_str(),
        scheme,
        authority: ctx.urls.domain(),
        path: req.uri().path(),
        query: req.uri().query(),
        header: &lookup,
    };
    let base = message_signatures::signature_base(&input, &parts)
        .map_err(|e| unauthorized(e.to_string()))?;
    Ok(SignedRequest {
        key_id: input.key_id,
        base,
        signature,
        alg: input.alg,
    })
}

/// The actor that signed a GET, if it carries a valid signature.
pub async fn signed_fetcher(ctx: &AppContext, req: &HttpRequest) -> Option<CachedKey> {
    if !is_signed(req) {
        return None;
    }
    let parsed = check_headers(ctx, req, None).ok()?;
    match verify(ctx, &parsed).await {
        Ok(key) => Some(key),
        Err(e) => {
            tracing::info!(error = %e, "signed fetch refused");
            None
        }
    }
}

/// Finds the signing key (memory, then database, then the sender's server), checks
/// the signature, and stores a newly fetched actor only once it has verified. A
/// signature that fails with a key we had is retried once with a freshly fetched
/// one, since actors rotate keys.
async fn verify(ctx: &AppContext, sig: &SignedRequest) -> Result<CachedKey> {
    let checks = |key: &CachedKey| {
        signatures::verify_signature(
            &key.key,
            sig.alg.as_deref(),
            sig.base.as_bytes(),
            &sig.signature,
        )
    };

    let known = match ctx.keys.get(&sig.key_id) {
        Some(k) => Some(k),
        None => stored_key(ctx, &sig.key_id).await?,
    };
    if let Some(key) = &known {
        if checks(key) {
            ctx.keys.insert(&sig.key_id, key.clone());
            return Ok(key.clone());
        }
    }
    // Unknown key, or a known one that no longer verifies: ask its server.
    let document_url = sig
        .key_id
        .split('#')
        .next()
        .unwrap_or(&sig.key_id)
        .to_string();
    let document = fetch::fetch_object(ctx, &document_url).await.map_err(|e| {
        if fetch::missing_kind(&e) == Missing::Gone {
            Error::new(ErrorKind::Gone, "the signing key is gone")
                .with_cause(anyhow::anyhow!("{e}"))
        } else {
            unauthorized(format!(
                "cannot fetch the signing key {}: {}",
                sig.key_id, e.message
            ))
        }
    })?;
    // The key id may name the actor (with a fragment) or a key document with an owner.
    let actor_document =
        if document.get("publicKeyPem").is_some() && document.get("inbox").is_none() {
            let owner = document
                .get("owner")
                .and_then(|o| o.as_str())
                .ok_or_else(|| unauthorized("the key document names no owner"))?;
            fetch::fetch_object(ctx, owner)
                .await
                .map_err(|e| unauthorized(format!("cannot fetch the key's owner: {}", e.message)))?
        } else {
            document
        };
    let ed25519_key = multikey(&actor_document, &sig.key_id);
    let fetched =
        fetch::actor_from_document(actor_document).map_err(|e| unauthorized(e.message))?;
    let key = if fetched.key_id == sig.key_id {
        PKey::public_key_from_pem(fetched.form.public_key_pem.as_bytes())
            .map_err(|_| unauthorized("the signing key is not a valid key"))?
    } else {
        ed25519_key.ok_or_else(|| {
            unauthorized(format!(
                "{} does not publish the key {}",
                fetched.form.uri.as_deref().unwrap_or_default(),
                sig.key_id
            ))
        })?
    };
    let candidate = CachedKey {
        account_id: crate::db::AccountId(0),
        account: None,
        owner: fetched.form.uri.clone().unwrap_or_default(),
        key: Arc::new(key),
    };
    if !checks(&candidate) {
        return Err(unauthorized("the signature does not verify"));
    }
    let account = fetch::store_actor(ctx, &fetched).await?;
    let key = CachedKey {
        account_id: account.id,
        account: Some(Arc::new(account)),
        ..candidate
    };
    ctx.keys.insert(&sig.key_id, key.clone());
    Ok(key)
}

async fn stored_key(ctx: &AppContext, key_id: &str) -> Result<Option<CachedKey>> {
    let mut conn = ctx.pool.get().await?;
    let account = match Account::find_by_key_id(&mut conn, key_id).await? {
        Some(a) => Some(a),
        None => Account::find_by_uri(&mut conn, key_id.split('#').next().unwrap_or(key_id))
            .await?
            .filter(|a| a.public_key_id.is_none()),
    };
    Ok(account.and_then(|a| {
        let key = PKey::public_key_from_pem(a.public_key_pem.as_bytes()).ok()?;
        Some(CachedKey {
            account_id: a.id,
            owner: a.uri.clone()?,
            key: Arc::new(key),
            account: Some(Arc::new(a)),
        })
    }))
}

/// An Ed25519 key the actor lists in `assertionMethod` (FEP-521a) under `key_id`,
/// controlled by the actor itself.
fn multikey(actor: &serde_json::Value, key_id: &str) -> Option<PKey<openssl::pkey::Public>> {
    let actor_id = actor.get("id")?.as_str()?;
    let methods = match actor.get("assertionMethod")? {
        serde_json::Value::Array(items) => items.iter().take(16).collect::<Vec<_>>(),
        single => vec![single],
    };
    let method = methods
        .into_iter()
        .find(|m| m.get("id").and_then(|i| i.as_str()) == Some(key_id))?;
    if method.get("type")?.as_str()? != "Multikey"
        || method.get("controller")?.as_str()? != actor_id
    {
        return None;
    }
    signatures::ed25519_from_multibase(method.get("publicKeyMultibase")?.as_str()?)
}
