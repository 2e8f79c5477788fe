//! Access tokens for the client API: made for scripts by `staffroom token create`
//! and by OAuth (services/oauth.rs), stored only as a SHA-256 hash.

use crate::{
    db::{accounts::Account, tokens, users::User, DbPool},
    error::{Error, Result},
};
use openssl::hash::{hash, MessageDigest};
use rand::Rng;

/// Mastodon's scopes: the three top-level ones, `push`, `profile`, and the granular
/// `read:…`, `write:…`, `follow`, `admin:…`.
const TOP: [&str; 5] = ["read", "write", "follow", "push", "profile"];
// Mastodon has `write:reports` but no `read:reports`.
const GRANULAR_READ: [&str; 11] = [
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
];
const GRANULAR_WRITE: [&str; 13] = [
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
];

/// Mastodon's admin scopes: `admin:read` and `admin:write`, and per kind of record —
/// Mastodon's kinds and no others, since apps and its OpenAPI description know these.
const ADMIN_KINDS: [&str; 7] = [
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
];

fn is_admin_scope(scope: &str) -> bool {
    match scope.strip_prefix("admin:") {
        Some("read" | "write") => true,
        Some(rest) => rest.split_once(':').is_some_and(|(access, kind)| {
            matches!(access, "read" | "write") && ADMIN_KINDS.contains(&kind)
        }),
        None => false,
    }
}

pub fn validate_scopes(scopes: &str) -> Result<String> {
    let mut out: Vec<&str> = Vec::new();
    for scope in scopes.split_whitespace() {
        let ok = TOP.contains(&scope)
            || scope
                .strip_prefix("read:")
                .is_some_and(|s| GRANULAR_READ.contains(&s))
            || scope
                .strip_prefix("write:")
                .is_some_and(|s| GRANULAR_WRITE.contains(&s))
            || is_admin_scope(scope);
        if !ok {
            return Err(Error::bad_request(format!("unknown scope {scope:?}: use read, write, follow, push, profile or read:…/write:… ones")));
        }
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    if out.is_empty() {
        return Err(Error::bad_request("no scopes given"));
    }
    Ok(out.join(" "))
}

/// Every scope a token can carry, for the OAuth server metadata.
pub fn all_scopes() -> Vec<String> {
    let granular = GRANULAR_READ
        .iter()
        .map(|s| format!("read:{s}"))
        .chain(GRANULAR_WRITE.iter().map(|s| format!("write:{s}")));
    let admin = ["read", "write"].into_iter().flat_map(|access| {
        std::iter::once(format!("admin:{access}")).chain(
            ADMIN_KINDS
                .iter()
                .map(move |kind| format!("admin:{access}:{kind}")),
        )
    });
    TOP.iter()
        .map(|s| s.to_string())
        .chain(granular)
        .chain(admin)
        .collect()
}

/// Whether `granted` (space-separated) allows `needed`, with Mastodon's rules:
/// `read` covers `read:*`, `write` covers `write:*`, `admin:read` covers
/// `admin:read:*` (and `admin:write` the writes), `follow` covers the follow
/// writes and reads.
pub fn allows(granted: &str, needed: &str) -> bool {
    granted.split_whitespace().any(|g| {
        g == needed
            || (!needed.starts_with("admin:")
                && needed.split_once(':').is_some_and(|(top, _)| top == g))
            || (needed.starts_with("admin:")
                && needed
                    .rsplit_once(':')
                    .is_some_and(|(parent, _)| parent == g))
            || (g == "follow"
                && matches!(
                    needed,
                    "read:follows"
                        | "write:follows"
                        | "read:blocks"
                        | "write:blocks"
                        | "read:mutes"
                        | "write:mutes"
                ))
    })
}

pub fn hash_token(token: &str) -> String {
    let sum = hash(MessageDigest::sha256(), token.as_bytes()).expect("SHA-256");
    sum.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new token for a local user; the token itself is returned once, never stored.
pub async fn create(pool: &DbPool, username: &str, name: &str, scopes: &str) -> Result<String> {
    let scopes = validate_scopes(scopes)?;
    let mut conn = pool.get().await?;
    let account = Account::find_local(&mut conn, username)
        .await?
        .ok_or_else(|| Error::not_found(format!("no local account named {username:?}")))?;
    let user = User::find_by_account(&mut conn, account.id)
        .await?
        .ok_or_else(|| Error::not_found("that account cannot sign in"))?;
    let token = random_token();
    tokens::insert(&mut conn, user.id, name, &hash_token(&token), &scopes).await?;
    Ok(token)
}

/// 43 URL-safe characters (256 bits), the shape of Mastodon's tokens; also used
/// for OAuth client ids, secrets and codes.
pub fn random_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut rng = rand::rng();
    (0..43)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The user (if any), app (if any) and scopes behind a bearer token. A user who
/// may not sign in (waiting for approval, suspended …) gets 403 saying why.
pub async fn authenticate(pool: &DbPool, token: &str) -> Result<Option<tokens::Token>> {
    let mut conn = pool.get().await?;
    let found = tokens::find(&mut conn, &hash_token(token)).await?;
    if let Some((user, account)) = found.as_ref().and_then(|t| t.user.as_ref()) {
        super::accounts::may_sign_in(user, account)?;
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_mastodon() {
        assert!(allows("read write follow", "write:statuses"));
        assert!(allows("read", "read:accounts"));
        assert!(!allows("read", "write:statuses"));
        assert!(allows("follow", "write:follows"));
        assert!(!allows("read:statuses", "read:accounts"));
        assert!(allows("write:statuses", "write:statuses"));
        assert_eq!(validate_scopes("read  write read").unwrap(), "read write");
        assert!(validate_scopes("admin").is_err());
        assert!(allows("admin:read", "admin:read:accounts"));
        assert!(!allows("admin:read", "admin:write:accounts"));
        assert!(
            !allows("read write", "admin:read:reports"),
            "admin scopes are asked for by name"
        );
        assert!(allows("admin:write:reports", "admin:write:reports"));
        assert!(validate_scopes("admin:read admin:write:accounts").is_ok());
        assert!(validate_scopes("admin:read:everything").is_err());
        assert!(validate_scopes("").is_err());
    }
}
