//! OAuth 2 endpoints as Mastodon serves them: app registration (`/api/v1/apps`),
//! the sign-in and approval page (`/oauth/authorize`), tokens (`/oauth/token`),
//! revocation (`/oauth/revoke`) and the server metadata (RFC 8414).

use super::auth::AnyToken;
use crate::{
    context::AppContext,
    db::apps::App,
    error::{Error, ErrorKind, Result},
    services::oauth::{self, AuthorizationRequest, OAuthError, TokenRequest, OOB},
    services::sessions,
    web::{
        self as pages,
        i18n::{t, tf, Msg},
        session::{Browser, Failure, SignedInBrowser},
    },
};
use actix_web::ResponseError;
use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};
use maud::{html, Markup};
use serde_json::{json, Value};
use std::{collections::HashMap, net::IpAddr};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/oauth/authorize", web::get().to(authorize_page))
        .route("/oauth/authorize", web::post().to(authorize_submit))
        .route("/oauth/token", web::post().to(token))
        .route("/oauth/revoke", web::post().to(revoke))
        .route("/oauth/userinfo", web::get().to(userinfo))
        .route("/oauth/userinfo", web::post().to(userinfo))
        .route(
            "/.well-known/oauth-authorization-server",
            web::get().to(metadata),
        );
}

/// Parameters from a form, JSON or query string, each name with all its values
/// (`redirect_uris[]=…` arrives as several values of `redirect_uris`).
struct Params(HashMap<String, Vec<String>>);

impl Params {
    fn parse(req: &HttpRequest, body: &[u8]) -> Result<Params> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        let content_type = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !body.is_empty() && content_type.contains("json") {
            let value: Value = serde_json::from_slice(body).map_err(|e| {
                Error::bad_request(format!("Validation failed: the JSON body is invalid: {e}"))
            })?;
            let Value::Object(fields) = value else {
                return Err(Error::bad_request(
                    "Validation failed: the JSON body must be an object",
                ));
            };
            for (k, v) in fields {
                let values = match v {
                    Value::Null => vec![],
                    Value::String(s) => vec![s],
                    Value::Array(items) => items
                        .into_iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                    other => vec![other.to_string()],
                };
                map.entry(k).or_default().extend(values);
            }
        } else {
            let query = req.query_string().as_bytes();
            for (k, v) in
                url::form_urlencoded::parse(body).chain(url::form_urlencoded::parse(query))
            {
                let key = k.strip_suffix("[]").unwrap_or(&k).to_string();
                map.entry(key).or_default().push(v.into_owned());
            }
        }
        Ok(Params(map))
    }

    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).and_then(|v| v.first()).cloned()
    }

    fn all(&self, name: &str) -> Vec<String> {
        self.0.get(name).cloned().unwrap_or_default()
    }
}

fn scope_list(scopes: &str) -> Vec<&str> {
    scopes.split_whitespace().collect()
}

/// Mastodon's Application entity.
fn application_json(app: &App) -> Value {
    let uris: Vec<&str> = app.redirect_uri_list().collect();
    json!({
        "id": app.id.to_string(),
        "name": app.name,
        "website": app.website,
        "scopes": scope_list(&app.scopes),
        "redirect_uri": uris.join("\n"),
        "redirect_uris": uris,
        // No Web Push here yet; apps treat an empty key as "no push".
        "vapid_key": "",
    })
}

#[tracing::instrument(skip_all)]
pub async fn create_app(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let params = Params::parse(&req, &body)?;
    let (app, secret) = oauth::register_app(
        &ctx.pool,
        oauth::NewApp {
            name: params.get("client_name").unwrap_or_default(),
            redirect_uris: params.all("redirect_uris"),
            // A string as Mastodon documents it, or an array as some apps send it.
            scopes: Some(params.all("scopes").join(" ")),
            website: params.get("website"),
        },
    )
    .await?;
    let mut entity = application_json(&app);
    entity["client_id"] = json!(app.client_id);
    entity["client_secret"] = json!(secret);
    entity["client_secret_expires_at"] = json!(0);
    Ok(HttpResponse::Ok().json(entity))
}

pub async fn verify_app(ctx: web::Data<AppContext>, token: AnyToken) -> Result<HttpResponse> {
    let app = match token.app_id {
        Some(id) => oauth::find_app(&ctx.pool, id).await?,
        None => None,
    };
    Ok(HttpResponse::Ok().json(match app {
        Some(app) => application_json(&app),
        // A token made with `staffroom token create` belongs to no app: describe the token.
        None => json!({
            "id": "0", "name": token.name, "website": null, "scopes": scope_list(&token.scopes),
            "redirect_uri": "", "redirect_uris": [], "vapid_key": "",
        }),
    }))
}

/// The address a request came from: the peer, or, when the peer is a reverse proxy
/// on this machine or a private network (Docker's bridge), the address that proxy
/// appended to `X-Forwarded-For`. Otherwise everyone behind the proxy would share
/// one address, and one person's typos would lock out everyone.
pub(crate) fn client_ip(req: &HttpRequest) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let behind_proxy = match peer {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unique_local()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| v4.is_loopback() || v4.is_private())
        }
    };
    if !behind_proxy {
        return peer;
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|ip| ip.trim().parse().ok())
        .unwrap_or(peer)
}

/// Mastodon's `Token` entity, never cached on the way.
pub fn token_response(t: &oauth::IssuedToken) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "scope": t.scopes,
            "created_at": t.created_at,
        }))
}

fn oauth_error(e: OAuthError) -> HttpResponse {
    let status = match &e {
        OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        OAuthError::Other(inner) => inner.kind.status(),
        _ => StatusCode::BAD_REQUEST,
    };
    if let OAuthError::Other(inner) = &e {
        if inner.kind == ErrorKind::Internal || inner.kind == ErrorKind::Unavailable {
            tracing::error!(error = %inner, "OAuth request failed");
        }
    }
    let mut res = HttpResponse::build(status);
    res.insert_header(("Cache-Control", "no-store"));
    if let OAuthError::RateLimited(secs) = &e {
        res.insert_header(("Retry-After", secs.to_string()));
    }
    res.json(json!({ "error": e.code(), "error_description": e.description() }))
}

/// The client's credentials from the body or from HTTP Basic authentication.
async fn client_from(
    ctx: &AppContext,
    req: &HttpRequest,
    params: &Params,
) -> Result<App, OAuthError> {
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        })
        .and_then(|b| openssl::base64::decode_block(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|pair| {
            // RFC 6749 2.3.1: both halves are form-encoded.
            let (id, secret) = pair.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
            };
            Some((decode(id)?, decode(secret)?))
        });
    let (id, secret) = match (basic, params.get("client_id"), params.get("client_secret")) {
        (Some(pair), _, _) => pair,
        (None, Some(id), Some(secret)) => (id, secret),
        _ => return Err(OAuthError::InvalidClient),
    };
    oauth::authenticate_client(&ctx.pool, &id, &secret).await
}

/// The parameters of a token or revoke request and the app whose credentials it carries.
async fn client_request(
    ctx: &AppContext,
    req: &HttpRequest,
    body: &[u8],
) -> Result<(Params, App), OAuthError> {
    let params = Params::parse(req, body).map_err(|e| OAuthError::InvalidRequest(e.message))?;
    let app = client_from(ctx, req, &params).await?;
    Ok((params, app))
}

#[tracing::instrument(skip_all)]
pub async fn token(ctx: web::Data<AppContext>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let (params, app) = match client_request(&ctx, &req, &body).await {
        Ok(found) => found,
        Err(e) => return oauth_error(e),
    };
    let request = TokenRequest {
        grant_type: params.get("grant_type").unwrap_or_default(),
        code: params.get("code"),
        redirect_uri: params.get("redirect_uri"),
        code_verifier: params.get("code_verifier"),
        username: params.get("username"),
        password: params.get("password"),
        scope: params.get("scope").or_else(|| params.get("scopes")),
    };
    match oauth::grant(&ctx.pool, &ctx.logins, client_ip(&req), &app, request).await {
        Ok(t) => token_response(&t),
        Err(e) => oauth_error(e),
    }
}

#[tracing::instrument(skip_all)]
pub async fn revoke(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (params, app) = match client_request(&ctx, &req, &body).await {
        Ok(found) => found,
        Err(e) => return oauth_error(e),
    };
    let Some(token) = params.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error(OAuthError::InvalidRequest(
            "Missing parameter: token.".into(),
        ));
    };
    match oauth::revoke(&ctx.pool, &app, &token).await {
        Ok(()) => HttpResponse::Ok().json(json!({})),
        Err(e) => oauth_error(OAuthError::Other(e)),
    }
}

pub async fn metadata(ctx: web::Data<AppContext>) -> HttpResponse {
    let base = ctx.urls.base();
    HttpResponse::Ok().json(json!({
        "issuer": format!("{base}/"),
        "service_documentation": "https://docs.joinmastodon.org/",
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "userinfo_endpoint": format!("{base}/oauth/userinfo"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": crate::services::tokens::all_scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    }))
}

/// OpenID Connect's userinfo, as Mastodon 4.4 answers it; tokens need the `profile` scope.
pub async fn userinfo(ctx: web::Data<AppContext>, auth: super::auth::Auth) -> Result<HttpResponse> {
    if !auth.scopes.split_whitespace().any(|s| s == "profile") {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "This action is outside the authorized scopes",
        ));
    }
    let account = &auth.account;
    let entity = super::entities::account::account(account, &ctx.urls, None);
    Ok(HttpResponse::Ok().json(json!({
        "iss": format!("{}/", ctx.urls.base()),
        "sub": ctx.urls.actor(&account.username),
        "name": entity["display_name"],
        "preferred_username": account.username,
        "profile": ctx.urls.profile(&account.username),
        "picture": entity["avatar"],
    })))
}

/// The sign-in page's fields, echoed back by its form.
#[derive(Default)]
struct AuthorizeParams {
    response_type: String,
    client_id: String,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

impl AuthorizeParams {
    fn from(params: &Params) -> AuthorizeParams {
        AuthorizeParams {
            response_type: params.get("response_type").unwrap_or_default(),
            client_id: params.get("client_id").unwrap_or_default(),
            redirect_uri: params.get("redirect_uri"),
            scope: params.get("scope").or_else(|| params.get("scopes")),
            state: params.get("state"),
            code_challenge: params.get("code_challenge"),
            code_challenge_method: params.get("code_challenge_method"),
        }
    }

    /// Checks everything that decides where the answer may go, before any of it is shown.
    async fn check(&self, ctx: &AppContext) -> Result<(AuthorizationRequest, Option<String>)> {
        if self.response_type != "code" {
            return Err(Error::bad_request(
                "response_type must be \"code\": only the authorization-code flow is offered.",
            ));
        }
        let request = oauth::check_authorization(
            &ctx.pool,
            &self.client_id,
            self.redirect_uri.as_deref(),
            self.scope.as_deref(),
        )
        .await?;
        let challenge = oauth::check_code_challenge(
            self.code_challenge.as_deref(),
            self.code_challenge_method.as_deref(),
        )?;
        Ok((request, challenge))
    }
}

fn page(ctx: &AppContext, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
    framed(status, None, pages::layout(title, ctx.urls.domain(), body))
}

/// The headers of these pages. `redirect_uri` is where the form's answer sends the
/// browser: browsers hold a form's redirects to `form-action` too.
fn framed(status: StatusCode, redirect_uri: Option<&str>, html: Markup) -> HttpResponse {
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'{}",
        redirect_uri.and_then(form_action_source).map(|s| format!(" {s}")).unwrap_or_default()
    );
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        // The page takes a password: never inside someone else's frame, never cached.
        .insert_header(("X-Frame-Options", "DENY"))
        .insert_header(("Content-Security-Policy", csp))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .body(html.into_string())
}

/// The CSP source that allows a redirect to `uri`: its origin for http(s), its
/// scheme for an app's own (`myapp:`); nothing for the out-of-band URI, which is
/// a page of ours. Built from the parsed URL, so nothing else can slip into the policy.
fn form_action_source(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "http" | "https" => Some(url.origin().ascii_serialization()).filter(|o| o != "null"),
        "urn" => None,
        scheme => Some(format!("{scheme}:")),
    }
}

fn error_page(ctx: &AppContext, e: &Error) -> HttpResponse {
    let body = html! {
        h1 { "This sign-in link does not work" }
        p { (e.message) }
        p { "Ask the app's makers to check its settings, or go back to the app and start again." }
    };
    page(ctx, e.kind.status(), "Sign-in failed", body)
}

/// The request's parameters, as the forms carry them back.
fn request_fields<'a>(
    request: &'a AuthorizationRequest,
    p: &'a AuthorizeParams,
) -> [(&'static str, Option<&'a str>); 7] {
    [
        ("response_type", Some("code")),
        ("client_id", Some(p.client_id.as_str())),
        ("redirect_uri", Some(request.redirect_uri.as_str())),
        ("scope", Some(request.scopes.as_str())),
        ("state", p.state.as_deref()),
        ("code_challenge", p.code_challenge.as_deref()),
        ("code_challenge_method", p.code_challenge_method.as_deref()),
    ]
}

/// This page again, for the sign-in page to come back to.
fn authorize_path(request: &AuthorizationRequest, p: &AuthorizeParams) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in request_fields(request, p) {
        if let Some(v) = value {
            query.append_pair(name, v);
        }
    }
    format!("/oauth/authorize?{}", query.finish())
}

fn sign_in_form(
    ctx: &AppContext,
    request: &AuthorizationRequest,
    p: &AuthorizeParams,
    login: &str,
    problem: Option<&str>,
) -> Markup {
    let hidden = request_fields(request, p);
    let sign_in_first = format!(
        "/auth/sign_in?{}",
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("back", &authorize_path(request, p))
            .finish()
    );
    html! {
        h1 { "Sign in to " (request.app.name) }
        p {
            strong { (request.app.name) }
            @if let Some(site) = &request.app.website { " (" a href=(site) rel="noopener noreferrer" { (site) } ")" }
            " asks to use your account on " (ctx.urls.domain()) " with these permissions:"
        }
        ul { @for scope in request.scopes.split_whitespace() { li { code { (scope) } " — " (scope_meaning(scope)) } } }
        @if let Some(problem) = problem { p.alert role="alert" { (problem) } }
        p { "Signed in on this server in the browser, you only need to allow the app: " a href=(sign_in_first) { "sign in first" } "." }
        form method="post" action="/oauth/authorize" {
            @for (name, value) in hidden { @if let Some(v) = value { input type="hidden" name=(name) value=(v); } }
            p { label { "Username or email" br; input name="username" autocomplete="username" required value=(login); } }
            p { label { "Password" br; input type="password" name="password" autocomplete="current-password"; } }
            p {
                button type="submit" name="decision" value="approve" { "Sign in and allow" }
                " "
                button type="submit" name="decision" value="deny" formnovalidate { "Deny" }
            }
        }
    }
}

/// What a scope lets an app do, in English for the password form.
fn scope_meaning(scope: &str) -> &'static str {
    t(pages::i18n::Lang::En, scope_meaning_msg(scope))
}

/// The app's request. A browser signed in here is only asked to allow it (the web
/// session is who is asking); otherwise the page signs in and allows in one form,
/// or sends the browser to sign in first and come back.
pub async fn authorize_page(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
) -> HttpResponse {
    let params = match Params::parse(&req, b"") {
        Ok(p) => AuthorizeParams::from(&p),
        Err(e) => return error_page(&ctx, &e),
    };
    match params.check(&ctx).await {
        Ok((request, _)) => match &browser.session {
            Some(signed_in) => consent_page(&ctx, signed_in, &request, &params),
            None => page(
                &ctx,
                StatusCode::OK,
                "Sign in",
                sign_in_form(&ctx, &request, &params, "", None),
            ),
        },
        Err(e) => error_page(&ctx, &e),
    }
}

fn scope_meaning_msg(scope: &str) -> Msg {
    match scope.split(':').next().unwrap_or(scope) {
        "read" => Msg::ScopeRead,
        "write" => Msg::ScopeWrite,
        "follow" => Msg::ScopeFollow,
        "push" => Msg::ScopePush,
        "profile" => Msg::ScopeProfile,
        "admin" => Msg::ScopeAdmin,
        _ => Msg::ScopeOther,
    }
}

/// **Allow** or **Deny**, for a browser signed in here: no password asked again.
fn consent_page(
    ctx: &AppContext,
    signed_in: &SignedInBrowser,
    request: &AuthorizationRequest,
    p: &AuthorizeParams,
) -> HttpResponse {
    let lang = signed_in.lang;
    let app = request.app.name.as_str();
    let handle = format!("@{}@{}", signed_in.account().username, ctx.urls.domain());
    let title = tf(lang, Msg::AuthorizeTitle, &[("app", app)]);
    let body = html! {
        h1 { (title) }
        p {
            (tf(lang, Msg::AuthorizeIntro, &[("app", app), ("handle", &handle)]))
            @if let Some(site) = &request.app.website { " (" a href=(site) rel="noopener noreferrer" { (site) } ")" }
        }
        ul { @for scope in request.scopes.split_whitespace() { li { code { (scope) } " — " (t(lang, scope_meaning_msg(scope))) } } }
        form method="post" action="/oauth/authorize" {
            @for (name, value) in request_fields(request, p) { @if let Some(v) = value { input type="hidden" name=(name) value=(v); } }
            (signed_in.csrf_field())
            p.actions {
                button type="submit" name="decision" value="approve" { (t(lang, Msg::Allow)) }
                button type="submit" name="decision" value="deny" { (t(lang, Msg::Deny)) }
            }
        }
        p { (t(lang, Msg::AuthorizeNotYou)) }
    };
    framed(
        StatusCode::OK,
        Some(&request.redirect_uri),
        pages::frame(lang, &title, ctx.urls.domain(), Some(signed_in), body),
    )
}

const DENIED: [(&str, &str); 2] = [
    ("error", "access_denied"),
    (
        "error_description",
        "The resource owner or authorization server denied the request.",
    ),
];

/// Where the person goes after deciding: back to the app with `code` or `error`, or,
/// for the out-of-band URI, a page that shows the code to copy.
fn send_back(
    ctx: &AppContext,
    request: &AuthorizationRequest,
    state: Option<&str>,
    answer: &[(&str, &str)],
) -> HttpResponse {
    if request.redirect_uri == OOB {
        let body = match answer.iter().find(|(k, _)| *k == "code") {
            Some((_, code)) => html! {
                h1 { "Authorization code" }
                p { "Copy this code and paste it into " (request.app.name) ":" }
                p { input.code readonly value=(code) size="50"; }
            },
            None => {
                html! { h1 { "Not allowed" } p { "You did not allow " (request.app.name) " to use your account." } }
            }
        };
        return page(ctx, StatusCode::OK, "Authorization", body);
    }
    let Ok(mut url) = url::Url::parse(&request.redirect_uri) else {
        return error_page(
            ctx,
            &Error::bad_request("The app's redirect URI is not a valid URI."),
        );
    };
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in answer {
            query.append_pair(k, v);
        }
        if let Some(state) = state {
            query.append_pair("state", state);
        }
    }
    HttpResponse::Found()
        .insert_header(("Location", url.to_string()))
        .insert_header(("Cache-Control", "no-store"))
        .finish()
}

#[tracing::instrument(skip_all)]
pub async fn authorize_submit(
    ctx: web::Data<AppContext>,
    req: HttpRequest,
    browser: Browser,
    body: web::Bytes,
) -> HttpResponse {
    let form = match Params::parse(&req, &body) {
        Ok(p) => p,
        Err(e) => return error_page(&ctx, &e),
    };
    let params = AuthorizeParams::from(&form);
    let (request, challenge) = match params.check(&ctx).await {
        Ok(checked) => checked,
        Err(e) => return error_page(&ctx, &e),
    };
    // The consent form of a signed-in browser carries its session's CSRF token:
    // without it (another site's form), nothing is approved for the session's owner.
    if let Some(given) = form.get(pages::session::CSRF_FIELD) {
        let Some(signed_in) = browser
            .session
            .as_ref()
            .filter(|s| sessions::tokens_match(&s.session.csrf, Some(&given)))
        else {
            return Failure::forged(browser.lang).error_response();
        };
        if form.get("decision").as_deref() != Some("approve") {
            return send_back(&ctx, &request, params.state.as_deref(), &DENIED);
        }
        return match oauth::issue_code(
            &ctx.pool,
            &request,
            signed_in.session.user.id,
            challenge.as_deref(),
        )
        .await
        {
            Ok(code) => send_back(&ctx, &request, params.state.as_deref(), &[("code", &code)]),
            Err(e) => error_page(&ctx, &e),
        };
    }
    if form.get("decision").as_deref() == Some("deny") {
        return send_back(&ctx, &request, params.state.as_deref(), &DENIED);
    }
    let login = form.get("username").unwrap_or_default();
    let password = form.get("password").unwrap_or_default();
    let user =
        match oauth::sign_in(&ctx.pool, &ctx.logins, client_ip(&req), &login, &password).await {
            Ok((user, _)) => user,
            Err(OAuthError::RateLimited(secs)) => {
                let problem = format!(
                    "Too many failed sign-in attempts. Wait {} minutes, then try again.",
                    secs.div_ceil(60)
                );
                let mut res = page(
                    &ctx,
                    StatusCode::TOO_MANY_REQUESTS,
                    "Sign in",
                    sign_in_form(&ctx, &request, &params, &login, Some(&problem)),
                );
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, secs.into());
                return res;
            }
            Err(OAuthError::InvalidGrant) => {
                let form = sign_in_form(
                    &ctx,
                    &request,
                    &params,
                    &login,
                    Some("Wrong username or password."),
                );
                return page(&ctx, StatusCode::UNAUTHORIZED, "Sign in", form);
            }
            Err(OAuthError::Refused(why)) => {
                let form = sign_in_form(&ctx, &request, &params, &login, Some(&why));
                return page(&ctx, StatusCode::FORBIDDEN, "Sign in", form);
            }
            Err(e) => return error_page(&ctx, &Error::new(ErrorKind::Internal, e.description())),
        };
    match oauth::issue_code(&ctx.pool, &request, user.id, challenge.as_deref()).await {
        Ok(code) => send_back(&ctx, &request, params.state.as_deref(), &[("code", &code)]),
        Err(e) => error_page(&ctx, &e),
    }
}
