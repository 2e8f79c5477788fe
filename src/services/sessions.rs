//! Browser sessions of the web interface. Signing in checks the password exactly
//! as OAuth does (`oauth::sign_in`, with its attempt limits); the session id is a
//! random token handed to the browser once and stored only as a SHA-256 hash, as
//! access tokens are. Each form carries a CSRF token derived from the session id,
//! so it needs no storage and ends with the session.

use super::{
    oauth::{self, LoginLimiter, OAuthError},
    tokens::{hash_token, random_token},
};
use crate::{
    db::{accounts::Account, users::User, web_sessions, DbPool, UserId},
    error::{Error, Result},
};
use chrono::{Duration, Utc};
use std::net::IpAddr;

/// A session unused for this long has ended.
pub const IDLE_DAYS: i64 = 30;
/// How stale `last_seen_at` may get before a request writes it again.
const TOUCH_MINUTES: i64 = 10;
const MAX_USER_AGENT_CHARS: usize = 300;

/// A signed-in browser.
pub struct SignedIn {
    pub session_id: i64,
    pub user: User,
    pub account: Account,
    /// The token every form of this session carries.
    pub csrf: String,
}

/// A new session: the id for the cookie (shown once) and who signed in.
pub struct NewSession {
    pub token: String,
    pub account: Account,
}

/// Checks the password (as the OAuth sign-in does, with the same limits), ends the
/// session the browser had, if any, and starts a new one, so a session id planted
/// before signing in is never the one that is signed in.
#[tracing::instrument(skip_all, fields(%ip))]
pub async fn sign_in(
    pool: &DbPool,
    limiter: &LoginLimiter,
    ip: IpAddr,
    login: &str,
    password: &str,
    user_agent: &str,
    previous: Option<&str>,
) -> Result<NewSession, OAuthError> {
    let (user, account) = oauth::sign_in(pool, limiter, ip, login, password).await?;
    let token = random_token();
    let user_agent: String = user_agent.chars().take(MAX_USER_AGENT_CHARS).collect();
    let mut conn = pool.get().await?;
    if let Some(previous) = previous {
        web_sessions::delete(&mut conn, &hash_token(previous)).await?;
    }
    web_sessions::delete_idle(&mut conn, Utc::now() - Duration::days(IDLE_DAYS)).await?;
    web_sessions::insert(&mut conn, user.id, &hash_token(&token), &user_agent).await?;
    tracing::info!(user_id = %user.id, "web session started");
    Ok(NewSession { token, account })
}

/// The session behind a cookie's session id, if it is live.
pub async fn authenticate(pool: &DbPool, token: &str) -> Result<Option<SignedIn>> {
    let mut conn = pool.get().await?;
    let now = Utc::now();
    let Some(session) = web_sessions::find(
        &mut conn,
        &hash_token(token),
        now - Duration::days(IDLE_DAYS),
    )
    .await?
    else {
        return Ok(None);
    };
    // A session whose account was since suspended or disabled opens nothing.
    if super::accounts::may_sign_in(&session.user, &session.account).is_err() {
        return Ok(None);
    }
    if session.last_seen_at < now - Duration::minutes(TOUCH_MINUTES) {
        web_sessions::touch(&mut conn, session.id).await?;
    }
    Ok(Some(SignedIn {
        session_id: session.id,
        user: session.user,
        account: session.account,
        csrf: csrf_token(token),
    }))
}

/// Ends a session on the server: its cookie opens nothing any more.
pub async fn sign_out(pool: &DbPool, token: &str) -> Result<()> {
    let mut conn = pool.get().await?;
    if web_sessions::delete(&mut conn, &hash_token(token)).await? {
        tracing::info!("web session ended");
    }
    Ok(())
}

/// One of a person's signed-in browsers, as their sessions page lists them.
pub struct SessionInfo {
    pub id: i64,
    pub user_agent: String,
    pub created_at: chrono::DateTime<Utc>,
    pub last_seen_at: chrono::DateTime<Utc>,
}

/// Most sessions a list shows; more than this many browsers is a reason to sign out.
const MAX_LISTED: i64 = 100;

/// The live sessions of `user`, most recently used first.
pub async fn list(pool: &DbPool, user: UserId) -> Result<Vec<SessionInfo>> {
    let mut conn = pool.get().await?;
    let rows = web_sessions::list_for_user(
        &mut conn,
        user,
        Utc::now() - Duration::days(IDLE_DAYS),
        MAX_LISTED,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, user_agent, created_at, last_seen_at)| SessionInfo {
            id,
            user_agent,
            created_at,
            last_seen_at,
        })
        .collect())
}

/// Ends one of `user`'s sessions from another browser; not found unless it is theirs.
#[tracing::instrument(skip(pool))]
pub async fn revoke(pool: &DbPool, user: UserId, id: i64) -> Result<()> {
    let mut conn = pool.get().await?;
    if !web_sessions::delete_for_user(&mut conn, id, user).await? {
        return Err(Error::not_found("no such session"));
    }
    tracing::info!("web session revoked");
    Ok(())
}

/// Changes the password of a signed-in person. The current password is checked as
/// a sign-in is (a wrong one counts against the same limits); afterwards every other
/// session of theirs ends, this one stays.
#[tracing::instrument(skip_all, fields(%ip))]
pub async fn change_password(
    pool: &DbPool,
    limiter: &LoginLimiter,
    ip: IpAddr,
    me: &SignedIn,
    current: &str,
    new: &str,
) -> Result<(), OAuthError> {
    let (user, _) = oauth::sign_in(pool, limiter, ip, &me.account.username, current).await?;
    if user.id != me.user.id {
        return Err(OAuthError::InvalidGrant);
    }
    super::accounts::change_password(pool, user.id, new).await?;
    let mut conn = pool.get().await?;
    let ended = web_sessions::delete_others(&mut conn, user.id, me.session_id).await?;
    tracing::info!(user_id = %user.id, other_sessions_ended = ended, "password changed");
    Ok(())
}

/// The CSRF token of the session with this id. Another hash than the stored one,
/// so the table alone does not give it away.
pub fn csrf_token(session_token: &str) -> String {
    hash_token(&format!("csrf\0{session_token}"))
}

/// A fresh token for forms shown before signing in (the sign-in form itself),
/// checked against the same value in a short-lived cookie.
pub fn pre_session_token() -> String {
    random_token()
}

/// Whether a form's token is the expected one, compared in constant time.
pub fn tokens_match(expected: &str, given: Option<&str>) -> bool {
    given.is_some_and(|given| {
        !expected.is_empty()
            && given.len() == expected.len()
            && openssl::memcmp::eq(given.as_bytes(), expected.as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_belong_to_their_session() {
        let a = csrf_token("session-a");
        assert_eq!(a, csrf_token("session-a"));
        assert_ne!(a, csrf_token("session-b"));
        assert_ne!(a, hash_token("session-a"), "not the stored hash");
        assert!(tokens_match(&a, Some(&a)));
        assert!(!tokens_match(&a, Some(&csrf_token("session-b"))));
        assert!(!tokens_match(&a, None));
        assert!(!tokens_match("", Some("")));
    }
}
