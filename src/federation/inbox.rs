//! `/inbox`, `/users/NAME/inbox` and `/actor/inbox`: every POST must carry a valid
//! HTTP signature from the activity's own actor; anything else is refused with 401
//! (senders that "double-knock" retry with another scheme only after a 401) and
//! leaves no trace.

use crate::{
    context::AppContext,
    db::accounts::Account,
    error::{Error, ErrorKind, Result},
    federation::{
        activities,
        fetch::{self, Missing},
        keys::CachedKey,
        limits,
        signatures::{self, ParsedSignature},
    },
    services,
};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use openssl::pkey::PKey;
use std::sync::Arc;

/// Largest activity we accept; Mastodon's own limit is about the same.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How far a signature's date may lie in the past, and in the future (Mastodon's).
const MAX_AGE: chrono::Duration = chrono::Duration::hours(12);
const CLOCK_SKEW: chrono::Duration = chrono::Duration::hours(1);

pub fn configure(cfg: &mut web::ServiceConfig) {
    let limit = || web::PayloadConfig::new(MAX_BODY_BYTES);
    cfg.service(web::resource("/inbox").app_data(limit()).route(web::post().to(shared_inbox)))
        .service(web::resource("/users/{name}/inbox").app_data(limit()).route(web::post().to(personal_inbox)))
        .service(web::resource("/actor/inbox").app_data(limit()).route(web::post().to(shared_inbox)));
}

fn unauthorized(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::BadSignature, message)
}

async fn shared_inbox(ctx: web::Data<AppContext>, req: HttpRequest, body: web::Bytes) -> Result<HttpResponse> {
    handle(&ctx, &req, &body).await
}

async fn personal_inbox(ctx: web::Data<AppContext>, req: HttpRequest, body: web::Bytes, name: web::Path<String>) -> Result<HttpResponse> {
    services::accounts::find_local_account(&ctx.pool, &name).await?;
    handle(&ctx, &req, &body).await
}

async fn handle(ctx: &AppContext, req: &HttpRequest, body: &[u8]) -> Result<HttpResponse> {
    let signature = check_headers(req, Some(body))?;
    let sender_host = limits::signer_host(&signature.key_id);
    if let Some(wait) = ctx.inbox_rate.wait_time(&sender_host) {
        return Ok(limits::too_many_requests(&sender_host, wait));
    }
    let activity = limits::parse_activity(body)?;
    let actor_id = activity.actor.clone().ok_or_else(|| Error::bad_request("the activity names no actor"))?;
    if ctx.blocks.is_blocked_url(&ctx.pool, &actor_id).await || ctx.blocks.is_blocked_url(&ctx.pool, &signature.key_id).await {
        return Err(Error::new(ErrorKind::Forbidden, "this server does not federate with yours"));
    }
    let signer = match verify(ctx, req, &signature).await {
        Ok(signer) => signer,
        Err(e) if e.kind == ErrorKind::Gone && activity.kind == "Delete" && crate::federation::protocol::helpers::id_of(&activity.object).as_deref() == Some(&actor_id) => {
            // An actor we never knew deleted itself; its key is gone with it. Nothing to do.
            return Ok(HttpResponse::Accepted().finish());
        }
        Err(e) => return Err(e),
    };
    if signer.owner != actor_id {
        return Err(unauthorized(format!("the request is signed by {}, not by the activity's actor {actor_id}", signer.owner)));
    }
    // Only verified requests spend the allowance, so nobody can exhaust another server's.
    if let Err(wait) = ctx.inbox_rate.take(&limits::signer_host(&signer.owner)) {
        return Ok(limits::too_many_requests(&sender_host, wait));
    }
    let actor = match &signer.account {
        Some(account) => (**account).clone(),
        None => {
            let mut conn = ctx.pool.get().await?;
            Account::find(&mut conn, signer.account_id).await?.ok_or_else(|| unauthorized("the signing actor is gone"))?
        }
    };
    tracing::debug!(kind = %activity.kind, id = %activity.id, actor = %actor_id, "activity received");
    activities::receive(ctx, &actor, activity).await?;
    Ok(HttpResponse::Accepted().finish())
}

fn header(req: &HttpRequest, name: &str) -> Option<String> {
    let values: Vec<&str> = req.headers().get_all(name).filter_map(|v| v.to_str().ok()).collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Everything that can be checked without the sender's key: a parsable signature
/// that covers what it must, a fresh date, a matching digest.
fn check_headers(req: &HttpRequest, body: Option<&[u8]>) -> Result<ParsedSignature> {
    let value = header(req, "signature")
        .or_else(|| header(req, "authorization").and_then(|a| a.strip_prefix("Signature ").map(str::to_string)))
        .ok_or_else(|| unauthorized("the request is not signed (HTTP signature required)"))?;
    let parsed = signatures::parse(&value).map_err(|e| unauthorized(e.to_string()))?;
    let required: &[&str] = if body.is_some() { &["(request-target)", "host", "digest"] } else { &["(request-target)", "host"] };
    for required in required {
        if !parsed.headers.iter().any(|h| h == required) {
            return Err(unauthorized(format!("the signature must cover {required}")));
        }
    }
    let now = Utc::now();
    let signed_at = if parsed.headers.iter().any(|h| h == "date") {
        header(req, "date").and_then(|d| signatures::parse_http_date(&d)).ok_or_else(|| unauthorized("the Date header is missing or invalid"))?
    } else if parsed.headers.iter().any(|h| h == "(created)") {
        parsed.created.and_then(|c| chrono::DateTime::from_timestamp(c, 0)).ok_or_else(|| unauthorized("the created parameter is invalid"))?
    } else {
        return Err(unauthorized("the signature must cover date or (created)"));
    };
    if signed_at > now + CLOCK_SKEW || now - signed_at > MAX_AGE + CLOCK_SKEW {
        return Err(unauthorized("the signature's date is outside the accepted window"));
    }
    if parsed.expires.is_some_and(|e| e < now.timestamp()) {
        return Err(unauthorized("the signature has expired"));
    }
    if let Some(body) = body {
        let digest = header(req, "digest").ok_or_else(|| unauthorized("the Digest header is missing"))?;
        if !signatures::digest_matches(&digest, body) {
            return Err(unauthorized("the Digest does not match the body"));
        }
    }
    Ok(parsed)
}

/// The actor that signed a GET, if it carries a valid signature.
pub async fn signed_fetcher(ctx: &AppContext, req: &HttpRequest) -> Option<CachedKey> {
    if header(req, "signature").is_none() && header(req, "authorization").is_none() {
        return None;
    }
    let parsed = check_headers(req, None).ok()?;
    match verify(ctx, req, &parsed).await {
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
async fn verify(ctx: &AppContext, req: &HttpRequest, sig: &ParsedSignature) -> Result<CachedKey> {
    let path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let signing_string =
        signatures::signing_string(sig, req.method().as_str(), path, |name| header(req, name)).map_err(|e| unauthorized(e.to_string()))?;
    let checks = |key: &CachedKey| signatures::verify_rsa_sha256(&key.key, signing_string.as_bytes(), &sig.signature);

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
    let document_url = sig.key_id.split('#').next().unwrap_or(&sig.key_id).to_string();
    let document = fetch::fetch_object(ctx, &document_url).await.map_err(|e| {
        if fetch::missing_kind(&e) == Missing::Gone {
            Error::new(ErrorKind::Gone, "the signing key is gone").with_cause(anyhow::anyhow!("{e}"))
        } else {
            unauthorized(format!("cannot fetch the signing key {}: {}", sig.key_id, e.message))
        }
    })?;
    // The key id may name the actor (with a fragment) or a key document with an owner.
    let actor_document = if document.get("publicKeyPem").is_some() && document.get("inbox").is_none() {
        let owner = document.get("owner").and_then(|o| o.as_str()).ok_or_else(|| unauthorized("the key document names no owner"))?;
        fetch::fetch_object(ctx, owner).await.map_err(|e| unauthorized(format!("cannot fetch the key's owner: {}", e.message)))?
    } else {
        document
    };
    let fetched = fetch::actor_from_document(actor_document).map_err(|e| unauthorized(e.message))?;
    if fetched.key_id != sig.key_id {
        return Err(unauthorized(format!("{} does not publish the key {}", fetched.form.uri.as_deref().unwrap_or_default(), sig.key_id)));
    }
    let key = PKey::public_key_from_pem(fetched.form.public_key_pem.as_bytes()).map_err(|_| unauthorized("the signing key is not a valid key"))?;
    let candidate = CachedKey { account_id: crate::db::AccountId(0), account: None, owner: fetched.form.uri.clone().unwrap_or_default(), key: Arc::new(key) };
    if !checks(&candidate) {
        return Err(unauthorized("the signature does not verify"));
    }
    let account = fetch::store_actor(ctx, &fetched).await?;
    let key = CachedKey { account_id: account.id, account: Some(Arc::new(account)), ..candidate };
    ctx.keys.insert(&sig.key_id, key.clone());
    Ok(key)
}

async fn stored_key(ctx: &AppContext, key_id: &str) -> Result<Option<CachedKey>> {
    let mut conn = ctx.pool.get().await?;
    let account = match Account::find_by_key_id(&mut conn, key_id).await? {
        Some(a) => Some(a),
        None => Account::find_by_uri(&mut conn, key_id.split('#').next().unwrap_or(key_id)).await?.filter(|a| a.public_key_id.is_none()),
    };
    Ok(account.and_then(|a| {
        let key = PKey::public_key_from_pem(a.public_key_pem.as_bytes()).ok()?;
        Some(CachedKey { account_id: a.id, owner: a.uri.clone()?, key: Arc::new(key), account: Some(Arc::new(a)) })
    }))
}
