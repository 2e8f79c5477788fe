//! OAuth 2 as Mastodon speaks it (Doorkeeper's behaviour): apps register, people
//! sign them in with the authorization-code flow (PKCE S256) or the password grant,
//! apps get their own tokens with client credentials, and tokens can be revoked.
//! Secrets, codes and tokens are stored only as SHA-256 hashes.

use super::tokens::{hash_token, random_token, validate_scopes};
use crate::{
    db::{
        accounts::Account,
        apps::{App, AppInsertForm, Code},
        login_failures, tokens,
        users::User,
        DbPool, UserId,
    },
    error::{Error, ErrorKind, Result},
};
use chrono::{Duration, Utc};
use std::{net::IpAddr, time::Duration as StdDuration};

/// The redirect URI that asks for the code to be shown on a page instead.
pub const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
const CODE_LIFETIME_MINUTES: i64 = 10;
const MAX_NAME_CHARS: usize = 60;
const MAX_URI_BYTES: usize = 2000;

/// Errors of the token and revoke endpoints, with RFC 6749's codes and Doorkeeper's wording.
#[derive(Debug)]
pub enum OAuthError {
    InvalidRequest(String),
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    UnsupportedGrantType,
    /// Too many failed sign-ins: try again after this many seconds.
    RateLimited(u64),
    /// The password is right but the account may not sign in (waiting for
    /// approval, disabled, suspended): the message says which.
    Refused(String),
    Other(Error),
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::InvalidGrant | OAuthError::Refused(_) => "invalid_grant",
            OAuthError::InvalidScope => "invalid_scope",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::RateLimited(_) => "too_many_requests",
            OAuthError::Other(_) => "server_error",
        }
    }

    pub fn description(&self) -> String {
        match self {
            OAuthError::InvalidRequest(what) => format!(
                "The request is missing a required parameter, includes an unsupported parameter value, or is otherwise malformed. {what}"
            ),
            OAuthError::InvalidClient => {
                "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.".into()
            }
            OAuthError::InvalidGrant => "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.".into(),
            OAuthError::InvalidScope => "The requested scope is invalid, unknown, or malformed.".into(),
            OAuthError::UnsupportedGrantType => "The authorization grant type is not supported by the authorization server.".into(),
            OAuthError::RateLimited(secs) => format!("Too many failed sign-in attempts: try again in {secs} seconds."),
            OAuthError::Refused(why) => why.clone(),
            OAuthError::Other(e) => e.message.clone(),
        }
    }
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        OAuthError::Other(e)
    }
}

impl From<diesel::result::Error> for OAuthError {
    fn from(e: diesel::result::Error) -> Self {
        OAuthError::Other(e.into())
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for OAuthError {
    fn from(e: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        OAuthError::Other(e.into())
    }
}

pub struct NewApp {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Option<String>,
    pub website: Option<String>,
}

fn unprocessable(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Unprocessable, message)
}

/// Registers an app; the client secret is returned once and only its hash is kept.
pub async fn register_app(pool: &DbPool, new: NewApp) -> Result<(App, String)> {
    let name = new.name.trim();
    if name.is_empty() {
        return Err(unprocessable(
            "Validation failed: Application name can't be blank",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(unprocessable(format!("Validation failed: Application name is too long (maximum is {MAX_NAME_CHARS} characters)")));
    }
    let uris: Vec<&str> = new
        .redirect_uris
        .iter()
        .flat_map(|u| u.lines())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    if uris.is_empty() {
        return Err(unprocessable(
            "Validation failed: Redirect URI can't be blank",
        ));
    }
    for uri in &uris {
        check_redirect_uri(uri)?;
    }
    let scopes = validate_scopes(
        new.scopes
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or("read"),
    )
    .map_err(|e| unprocessable(format!("Validation failed: Scopes: {}", e.message)))?;
    let website = new
        .website
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty());
    if let Some(w) = &website {
        if w.len() > MAX_URI_BYTES
            || !matches!(
                url::Url::parse(w)
                    .map(|u| u.scheme().to_string())
                    .as_deref(),
                Ok("http" | "https")
            )
        {
            return Err(unprocessable(
                "Validation failed: Website is invalid: give an http(s) URL or leave it out",
            ));
        }
    }
    let secret = random_token();
    let form = AppInsertForm {
        id: crate::db::new_id(),
        name: name.to_string(),
        website,
        redirect_uris: uris.join("\n"),
        scopes,
        client_id: random_token(),
        client_secret_hash: hash_token(&secret),
    };
    let mut conn = pool.get().await?;
    let app = App::insert(&mut conn, &form).await?;
    tracing::info!(app_id = app.id, name = %app.name, "app registered");
    Ok((app, secret))
}

/// Mastodon's rule: absolute URIs without a fragment, or the out-of-band URN.
/// Custom schemes (`myapp://callback`) are allowed; native apps use them.
fn check_redirect_uri(uri: &str) -> Result<()> {
    if uri == OOB {
        return Ok(());
    }
    if uri.len() > MAX_URI_BYTES {
        return Err(unprocessable("Validation failed: Redirect URI is too long"));
    }
    match url::Url::parse(uri) {
        Ok(u) if u.fragment().is_none() => Ok(()),
        Ok(_) => Err(unprocessable(
            "Validation failed: Redirect URI cannot contain a fragment.",
        )),
        Err(_) => Err(unprocessable(format!(
            "Validation failed: Redirect URI must be an absolute URI: {uri:?}"
        ))),
    }
}

/// The app named by `client_id`, if its secret matches.
pub async fn authenticate_client(
    pool: &DbPool,
    client_id: &str,
    client_secret: &str,
) -> Result<App, OAuthError> {
    let mut conn = pool.get().await?;
    let app = App::find_by_client_id(&mut conn, client_id)
        .await?
        .ok_or(OAuthError::InvalidClient)?;
    let given = hash_token(client_secret);
    if given.len() == app.client_secret_hash.len()
        && openssl::memcmp::eq(given.as_bytes(), app.client_secret_hash.as_bytes())
    {
        Ok(app)
    } else {
        Err(OAuthError::InvalidClient)
    }
}

pub async fn find_app(pool: &DbPool, id: i64) -> Result<Option<App>> {
    let mut conn = pool.get().await?;
    Ok(App::find(&mut conn, id).await?)
}

/// The scopes an app asks for: without `scope`, Mastodon's default `read`; each
/// one must be among (or covered by) the scopes the app registered.
pub fn requested_scopes(app: &App, requested: Option<&str>) -> Result<String, OAuthError> {
    let requested = requested
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("read");
    let scopes = validate_scopes(requested).map_err(|_| OAuthError::InvalidScope)?;
    if scopes
        .split_whitespace()
        .all(|s| super::tokens::allows(&app.scopes, s))
    {
        Ok(scopes)
    } else {
        Err(OAuthError::InvalidScope)
    }
}

/// What `GET /oauth/authorize` checked: the app, where to send the code, and the scopes.
pub struct AuthorizationRequest {
    pub app: App,
    pub redirect_uri: String,
    pub scopes: String,
}

/// Checks an authorization request before anything is shown. An unknown client or
/// redirect URI is never redirected to: the caller shows the message instead.
pub async fn check_authorization(
    pool: &DbPool,
    client_id: &str,
    redirect_uri: Option<&str>,
    scope: Option<&str>,
) -> Result<AuthorizationRequest> {
    let mut conn = pool.get().await?;
    let app = App::find_by_client_id(&mut conn, client_id)
        .await?
        .ok_or_else(|| Error::bad_request("Unknown app (client_id): register it with POST /api/v1/apps and use the client_id it returns."))?;
    let redirect_uri = match redirect_uri.map(str::trim).filter(|u| !u.is_empty()) {
        Some(uri) => uri.to_string(),
        // Doorkeeper allows leaving it out when the app registered exactly one.
        None => {
            let mut uris = app.redirect_uri_list();
            match (uris.next(), uris.next()) {
                (Some(only), None) => only.to_string(),
                _ => {
                    return Err(Error::bad_request(
                        "redirect_uri is missing: give one of the URIs the app registered.",
                    ))
                }
            }
        }
    };
    if !app.redirect_uri_list().any(|u| u == redirect_uri) {
        return Err(Error::bad_request(
            "The redirect_uri is not one the app registered, so the code cannot be sent there.",
        ));
    }
    let scopes = requested_scopes(&app, scope).map_err(|_| {
        Error::bad_request(format!(
            "The requested scope is invalid or not among the app's scopes ({}).",
            app.scopes
        ))
    })?;
    Ok(AuthorizationRequest {
        app,
        redirect_uri,
        scopes,
    })
}

/// A fresh single-use code for a signed-in user who approved the app.
pub async fn issue_code(
    pool: &DbPool,
    request: &AuthorizationRequest,
    user: UserId,
    code_challenge: Option<&str>,
) -> Result<String> {
    let code = random_token();
    let mut conn = pool.get().await?;
    Code::insert(
        &mut conn,
        &Code {
            code_hash: hash_token(&code),
            app_id: request.app.id,
            user_id: user,
            redirect_uri: request.redirect_uri.clone(),
            scopes: request.scopes.clone(),
            code_challenge: code_challenge.map(str::to_string),
            expires_at: Utc::now() + Duration::minutes(CODE_LIFETIME_MINUTES),
        },
    )
    .await?;
    tracing::info!(app_id = request.app.id, user_id = %user, "authorization code issued");
    Ok(code)
}

/// Only S256 is offered; `plain` would let anyone who saw the challenge use the code.
pub fn check_code_challenge(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<Option<String>> {
    match (
        challenge.filter(|c| !c.is_empty()),
        method.filter(|m| !m.is_empty()),
    ) {
        (None, _) => Ok(None),
        (Some(c), Some("S256")) if (43..=128).contains(&c.len()) => Ok(Some(c.to_string())),
        (Some(_), Some("S256")) => Err(Error::bad_request(
            "code_challenge must be 43 to 128 characters of base64url.",
        )),
        (Some(_), _) => Err(Error::bad_request(
            "Only code_challenge_method=S256 is supported.",
        )),
    }
}

fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    let digest = openssl::sha::sha256(verifier.as_bytes());
    let computed = openssl::base64::encode_block(&digest)
        .replace('+', "-")
        .replace('/', "_")
        .replace('=', "");
    // memcmp::eq needs equal lengths; the length of a hash tells nothing secret.
    computed.len() == challenge.len()
        && openssl::memcmp::eq(computed.as_bytes(), challenge.as_bytes())
}

/// A token handed to an app.
pub struct IssuedToken {
    pub access_token: String,
    pub scopes: String,
    pub created_at: i64,
}

async fn issue_token(
    pool: &DbPool,
    app: &App,
    user: Option<UserId>,
    scopes: &str,
) -> Result<IssuedToken> {
    let token = random_token();
    let mut conn = pool.get().await?;
    tokens::insert_for_app(
        &mut conn,
        user,
        Some(app.id),
        &app.name,
        &hash_token(&token),
        scopes,
    )
    .await?;
    Ok(IssuedToken {
        access_token: token,
        scopes: scopes.to_string(),
        created_at: Utc::now().timestamp(),
    })
}

/// The token `POST /api/v1/accounts` hands the app that signed someone up: for
/// the new user, with the app's scopes, as Mastodon does.
pub async fn issue_sign_up_token(pool: &DbPool, app_id: i64, user: UserId) -> Result<IssuedToken> {
    let app = find_app(pool, app_id)
        .await?
        .ok_or_else(|| Error::new(ErrorKind::Forbidden, "This method requires an app token"))?;
    issue_token(pool, &app, Some(user), &app.scopes.clone()).await
}

/// A `POST /oauth/token` request, whichever grant it uses.
#[derive(Default, Debug)]
pub struct TokenRequest {
    pub grant_type: String,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub scope: Option<String>,
}

pub async fn grant(
    pool: &DbPool,
    limiter: &LoginLimiter,
    ip: IpAddr,
    app: &App,
    req: TokenRequest,
) -> Result<IssuedToken, OAuthError> {
    match req.grant_type.as_str() {
        "authorization_code" => {
            let code = req
                .code
                .filter(|c| !c.is_empty())
                .ok_or_else(|| OAuthError::InvalidRequest("Missing parameter: code.".into()))?;
            let mut conn = pool.get().await?;
            let code = Code::take(&mut conn, &hash_token(&code))
                .await?
                .ok_or(OAuthError::InvalidGrant)?;
            drop(conn);
            // RFC 6749 4.1.3: the same redirect URI as the authorization request, as Doorkeeper insists.
            let redirect_matches = req.redirect_uri.as_deref() == Some(code.redirect_uri.as_str());
            if code.app_id != app.id || code.expires_at < Utc::now() || !redirect_matches {
                return Err(OAuthError::InvalidGrant);
            }
            if let Some(challenge) = &code.code_challenge {
                match req.code_verifier.as_deref() {
                    Some(verifier) if pkce_matches(challenge, verifier) => {}
                    _ => return Err(OAuthError::InvalidGrant),
                }
            }
            let token = issue_token(pool, app, Some(code.user_id), &code.scopes).await?;
            tracing::info!(app_id = app.id, user_id = %code.user_id, grant = "authorization_code", "token issued");
            Ok(token)
        }
        "password" => {
            let scopes = requested_scopes(app, req.scope.as_deref())?;
            let login = req
                .username
                .filter(|u| !u.is_empty())
                .ok_or_else(|| OAuthError::InvalidRequest("Missing parameter: username.".into()))?;
            let password = req
                .password
                .ok_or_else(|| OAuthError::InvalidRequest("Missing parameter: password.".into()))?;
            let (user, _) = sign_in(pool, limiter, ip, &login, &password).await?;
            let token = issue_token(pool, app, Some(user.id), &scopes).await?;
            tracing::info!(app_id = app.id, user_id = %user.id, grant = "password", "token issued");
            Ok(token)
        }
        "client_credentials" => {
            let scopes = requested_scopes(app, req.scope.as_deref())?;
            let token = issue_token(pool, app, None, &scopes).await?;
            tracing::info!(
                app_id = app.id,
                grant = "client_credentials",
                "token issued"
            );
            Ok(token)
        }
        "" => Err(OAuthError::InvalidRequest(
            "Missing parameter: grant_type.".into(),
        )),
        // Like Mastodon's default set-up, no refresh tokens are issued, so none can be redeemed.
        _ => Err(OAuthError::UnsupportedGrantType),
    }
}

/// Revokes a token the app holds. Unknown tokens succeed too (RFC 7009).
pub async fn revoke(pool: &DbPool, app: &App, token: &str) -> Result<()> {
    let mut conn = pool.get().await?;
    if tokens::revoke_for_app(&mut conn, &hash_token(token), app.id).await? {
        tracing::info!(app_id = app.id, "token revoked");
    }
    Ok(())
}

/// Checks a username (or email) and password, counting failures against the
/// name and the address they came from.
pub async fn sign_in(
    pool: &DbPool,
    limiter: &LoginLimiter,
    ip: IpAddr,
    login: &str,
    password: &str,
) -> Result<(User, Account), OAuthError> {
    let login = login.trim();
    let keys = [format!("name:{}", login.to_lowercase()), format!("ip:{ip}")];
    if let Some(wait) = limiter.blocked(pool, &keys).await? {
        tracing::info!(%ip, "sign-in refused: too many failed attempts");
        return Err(OAuthError::RateLimited(wait.as_secs().max(1)));
    }
    let mut conn = pool.get().await?;
    let found = if login.contains('@') {
        User::find_by_email(&mut conn, login).await?
    } else {
        match Account::find_local(&mut conn, login).await? {
            Some(account) => User::find_by_account(&mut conn, account.id)
                .await?
                .map(|u| (u, account)),
            None => None,
        }
    };
    drop(conn);
    // Unknown names are checked against a dummy hash, so timing does not tell which names exist.
    let hash = found
        .as_ref()
        .map(|(u, _)| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let password = password.to_string();
    let ok = tokio::task::spawn_blocking(move || verify_password(&hash, &password))
        .await
        .map_err(|e| Error::internal(anyhow::anyhow!(e)))?;
    match found {
        Some(found) if ok => {
            limiter.succeeded(pool, &keys[0]).await?;
            if let Err(e) = super::accounts::may_sign_in(&found.0, &found.1) {
                tracing::info!(%ip, user_id = %found.0.id, why = %e.message, "sign-in refused");
                return Err(OAuthError::Refused(e.message));
            }
            Ok(found)
        }
        _ => {
            limiter.failed(pool, &keys).await?;
            tracing::info!(%ip, "sign-in failed: wrong name or password");
            Err(OAuthError::InvalidGrant)
        }
    }
}

static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    super::accounts::hash_password("not a password anyone has").unwrap_or_default()
});

fn verify_password(hash: &str, password: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Failed sign-ins per name and per address, counted in PostgreSQL so that the
/// limit holds across every `serve` process of an instance (and across restarts).
/// After `NAME_FAILURES` for a name, or `ADDRESS_FAILURES` from an address, within
/// `WINDOW` the key is refused until the window that began with its first failure
/// ends. Addresses get more tries because a whole school often signs in from one
/// NAT address, and one teacher's typos must not lock out the staff. Ended windows
/// are deleted as failures come in, so the table stays small.
#[derive(Default)]
pub struct LoginLimiter {
    _private: (),
}

pub const NAME_FAILURES: u32 = 5;
pub const ADDRESS_FAILURES: u32 = 20;
const WINDOW: StdDuration = StdDuration::from_secs(300);

impl LoginLimiter {
    /// How long until the first of `keys` that is refused may try again.
    pub async fn blocked(&self, pool: &DbPool, keys: &[String]) -> Result<Option<StdDuration>> {
        let limits: Vec<(String, i32)> = keys
            .iter()
            .map(|k| {
                (
                    k.clone(),
                    if k.starts_with("ip:") {
                        ADDRESS_FAILURES
                    } else {
                        NAME_FAILURES
                    } as i32,
                )
            })
            .collect();
        let mut conn = pool.get().await?;
        let wait = login_failures::refused_for(&mut conn, &limits, WINDOW.as_secs() as i64).await?;
        Ok(wait.map(|secs| StdDuration::from_secs_f64(secs.clamp(0.0, WINDOW.as_secs_f64()))))
    }

    pub async fn failed(&self, pool: &DbPool, keys: &[String]) -> Result<()> {
        let mut conn = pool.get().await?;
        Ok(login_failures::record(&mut conn, keys, WINDOW.as_secs() as i64).await?)
    }

    /// A right password clears the name's count; the address keeps its count so
    /// one known account cannot be used to reset guessing at others.
    pub async fn succeeded(&self, pool: &DbPool, name_key: &str) -> Result<()> {
        let mut conn = pool.get().await?;
        Ok(login_failures::clear(&mut conn, name_key).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc7636_example() {
        // RFC 7636, appendix B.
        assert!(pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!pkce_matches(
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            "wrong-verifier"
        ));
    }
}

/// An app a teacher let use their account: what it may do, since when, when last.
pub struct AuthorizedApp {
    pub app: App,
    /// Every scope of its live tokens, each once.
    pub scopes: Vec<String>,
    pub authorized_at: chrono::DateTime<Utc>,
    pub last_used_at: Option<chrono::DateTime<Utc>>,
}

/// The apps holding live tokens of `user`, most recently authorised first.
pub async fn authorized_apps(pool: &DbPool, user: UserId) -> Result<Vec<AuthorizedApp>> {
    // Far more tokens than anyone signs in with; a bound, not a page.
    const MAX_TOKENS: i64 = 1000;
    let mut conn = pool.get().await?;
    let mut out: Vec<AuthorizedApp> = Vec::new();
    for t in tokens::for_apps_of_user(&mut conn, user, MAX_TOKENS).await? {
        match out.iter_mut().find(|a| a.app.id == t.app.id) {
            Some(known) => {
                known.authorized_at = known.authorized_at.min(t.created_at);
                known.last_used_at = known.last_used_at.max(t.last_used_at);
                known
                    .scopes
                    .extend(t.scopes.split_whitespace().map(str::to_string));
            }
            None => out.push(AuthorizedApp {
                scopes: t.scopes.split_whitespace().map(str::to_string).collect(),
                authorized_at: t.created_at,
                last_used_at: t.last_used_at,
                app: t.app,
            }),
        }
    }
    for a in &mut out {
        a.scopes.sort();
        a.scopes.dedup();
    }
    Ok(out)
}

/// Ends an app's access to `user`'s account: its tokens stop working at once, and
/// codes not yet exchanged for a token are dropped. Not found when it had none.
#[tracing::instrument(skip(pool))]
pub async fn revoke_app(pool: &DbPool, user: UserId, app: i64) -> Result<()> {
    let mut conn = pool.get().await?;
    let codes = Code::delete_for(&mut conn, user, app).await?;
    let revoked = tokens::revoke_app_for_user(&mut conn, user, app).await?;
    if revoked == 0 && codes == 0 {
        return Err(Error::not_found("no such app"));
    }
    tracing::info!(revoked, "app access revoked");
    Ok(())
}
