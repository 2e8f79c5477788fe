//! OAuth 2 as apps use it: registering, signing in with a password or with the
//! authorization-code flow and PKCE, app-only tokens, revoking, and the limit on
//! password guessing — all over real HTTP.

mod common;

use common::TestApp;
use serde_json::{json, Value};

const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";
const REDIRECT: &str = "https://app.example/callback";
const WRONG: &str = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

struct Client {
    id: String,
    secret: String,
}

async fn register(app: &TestApp, scopes: &str) -> Client {
    let res = app
        .client
        .post(format!("{}/api/v1/apps", app.address))
        .json(&json!({ "client_name": "Test app", "redirect_uris": [REDIRECT, OOB], "scopes": scopes, "website": "https://app.example" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    Client {
        id: body["client_id"].as_str().unwrap().into(),
        secret: body["client_secret"].as_str().unwrap().into(),
    }
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = app
        .client
        .post(format!("{}{path}", app.address))
        .form(form)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    let res = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn password_grant(
    app: &TestApp,
    client: &Client,
    user: &str,
    password: &str,
    scope: &str,
) -> (u16, Value) {
    let form = [
        ("grant_type", "password"),
        ("client_id", &client.id),
        ("client_secret", &client.secret),
        ("username", user),
        ("password", password),
        ("scope", scope),
    ];
    post_form(app, "/oauth/token", &form).await
}

/// A teacher with a known password.
async fn teacher(app: &TestApp, name: &str) -> String {
    app.create_user(name).await.generated_password.unwrap()
}

fn pkce_pair() -> (String, String) {
    use sha2::Digest;
    let verifier = "a-verifier-long-enough-to-meet-rfc-7636-rules-0123456789".to_string();
    let challenge = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        sha2::Sha256::digest(verifier.as_bytes()),
    );
    (verifier, challenge)
}

#[tokio::test(flavor = "multi_thread")]
async fn apps_register_and_app_tokens_reach_only_app_endpoints() {
    let app = TestApp::spawn().await;
    // Form-encoded, several redirect URIs on separate lines, default scope.
    let res = app
        .client
        .post(format!("{}/api/v1/apps", app.address))
        .form(&[
            ("client_name", "Lesson planner"),
            (
                "redirect_uris",
                "https://a.example/cb\nhttps://b.example/cb",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["name"], "Lesson planner");
    assert_eq!(created["scopes"], json!(["read"]));
    assert_eq!(
        created["redirect_uris"],
        json!(["https://a.example/cb", "https://b.example/cb"])
    );
    assert_eq!(
        created["redirect_uri"],
        "https://a.example/cb\nhttps://b.example/cb"
    );
    assert_eq!(created["client_secret_expires_at"], 0);
    assert!(
        created["client_id"].as_str().unwrap().len() >= 32
            && created["client_secret"].as_str().unwrap().len() >= 32
    );

    let res = app
        .client
        .post(format!("{}/api/v1/apps", app.address))
        .json(&json!({ "client_name": "Array app", "redirect_uris": OOB, "scopes": ["read", "write:statuses"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.json::<Value>().await.unwrap()["scopes"],
        json!(["read", "write:statuses"])
    );

    for bad in [
        json!({ "redirect_uris": OOB }),
        json!({ "client_name": "x", "redirect_uris": "not a uri" }),
        json!({ "client_name": "x", "redirect_uris": OOB, "scopes": "admin:everything" }),
    ] {
        let res = app
            .client
            .post(format!("{}/api/v1/apps", app.address))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{bad}");
        assert!(res.json::<Value>().await.unwrap()["error"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed"));
    }

    let client = register(&app, "read write").await;
    let (status, token) = post_form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], "read");
    let token = token["access_token"].as_str().unwrap();
    let (status, me) = get(&app, "/api/v1/apps/verify_credentials", token).await;
    assert_eq!(
        (status, me["name"].clone(), me["website"].clone()),
        (200, json!("Test app"), json!("https://app.example"))
    );
    assert!(
        me.get("client_secret").is_none(),
        "the secret is shown once, at registration"
    );
    // No user behind the token: user endpoints refuse it cleanly.
    let (status, body) = get(&app, "/api/v1/accounts/verify_credentials", token).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "This method requires an authenticated user");
    assert_eq!(get(&app, "/api/v1/instance", token).await.0, 200);

    // A wrong secret, or none, is an unknown client.
    let (status, body) = post_form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &client.id),
            ("client_secret", "nope"),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    let (status, body) = post_form(
        &app,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
        ],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("unsupported_grant_type"))
    );

    let meta: Value = app
        .get("/.well-known/oauth-authorization-server", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        meta["token_endpoint"],
        format!("http://{}/oauth/token", app.domain)
    );
    assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    assert!(meta["scopes_supported"]
        .as_array()
        .unwrap()
        .contains(&json!("write:statuses")));
}

#[tokio::test(flavor = "multi_thread")]
async fn password_grant_signs_in_with_scopes_and_revoke_ends_the_token() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "alice").await;
    let client = register(&app, "read write follow profile").await;

    let (status, body) = password_grant(&app, &client, "alice", "wrong password", "read").await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({ "error": "invalid_grant", "error_description": WRONG })
    );
    let (status, body) =
        password_grant(&app, &client, "alice", &password, "read push admin:read").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_scope"))
    );

    let (status, body) = password_grant(&app, &client, "alice", &password, "read").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read");
    assert!(body["created_at"].is_i64());
    let token = body["access_token"].as_str().unwrap().to_string();
    let (status, me) = get(&app, "/api/v1/accounts/verify_credentials", &token).await;
    assert_eq!((status, me["username"].as_str()), (200, Some("alice")));
    assert_eq!(
        get(&app, "/api/v1/apps/verify_credentials", &token).await.1["name"],
        "Test app"
    );
    // OpenID Connect's userinfo wants the `profile` scope.
    assert_eq!(get(&app, "/oauth/userinfo", &token).await.0, 403);
    let profile = password_grant(&app, &client, "alice", &password, "profile")
        .await
        .1;
    let (status, info) = get(
        &app,
        "/oauth/userinfo",
        profile["access_token"].as_str().unwrap(),
    )
    .await;
    assert_eq!(
        (status, info["preferred_username"].as_str()),
        (200, Some("alice")),
        "{info}"
    );
    assert_eq!(info["sub"], format!("http://{}/users/alice", app.domain));
    // A read-only token cannot post.
    let res = app
        .client
        .post(format!("{}/api/v1/statuses", app.address))
        .bearer_auth(&token)
        .form(&[("status", "hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Client credentials by HTTP Basic work too.
    let res = app
        .client
        .post(format!("{}/oauth/token", app.address))
        .basic_auth(&client.id, Some(&client.secret))
        .form(&[
            ("grant_type", "password"),
            ("username", "ALICE"),
            ("password", &password),
            ("scope", "read write"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let writer = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .client
        .post(format!("{}/api/v1/statuses", app.address))
        .bearer_auth(&writer)
        .form(&[("status", "hello")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Another app cannot revoke it; its own app can, and then it stops working.
    let other = register(&app, "read").await;
    let (status, _) = post_form(
        &app,
        "/oauth/revoke",
        &[
            ("token", &token),
            ("client_id", &other.id),
            ("client_secret", &other.secret),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        get(&app, "/api/v1/accounts/verify_credentials", &token)
            .await
            .0,
        200
    );
    let (status, body) = post_form(
        &app,
        "/oauth/revoke",
        &[
            ("token", &token),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
        ],
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert_eq!(
        get(&app, "/api/v1/accounts/verify_credentials", &token)
            .await
            .0,
        401
    );
    assert_eq!(
        get(&app, "/api/v1/accounts/verify_credentials", &writer)
            .await
            .0,
        200,
        "other tokens keep working"
    );
}

async fn sign_in(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(format!("{}/oauth/authorize", app.address))
        .form(fields)
        .send()
        .await
        .unwrap()
}

async fn exchange(
    app: &TestApp,
    client: &Client,
    code: &str,
    redirect_uri: &str,
    verifier: &str,
) -> (u16, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("client_id", &client.id),
        ("client_secret", &client.secret),
        ("code_verifier", verifier),
    ];
    post_form(app, "/oauth/token", &form).await
}

#[tokio::test(flavor = "multi_thread")]
async fn authorization_code_flow_with_pkce() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "bob").await;
    let client = register(&app, "read write").await;
    let (verifier, challenge) = pkce_pair();

    let query = [
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "read write"),
        ("state", "xyz 1"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let res = app
        .client
        .get(format!("{}/oauth/authorize", app.address))
        .query(&query)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Test app")
            && html.contains("name=\"password\"")
            && html.contains(&challenge),
        "{html}"
    );

    // Nothing is ever sent to a URI the app did not register, nor for an unknown app or scope.
    for (name, value) in [
        ("client_id", "unknown"),
        ("redirect_uri", "https://evil.example/"),
        ("scope", "read follow"),
    ] {
        let bad: Vec<(&str, &str)> = query
            .iter()
            .map(|&(k, v)| if k == name { (k, value) } else { (k, v) })
            .collect();
        let res = app
            .client
            .get(format!("{}/oauth/authorize", app.address))
            .query(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{name}");
        assert!(res.headers().get("location").is_none());
        let res = sign_in(
            &app,
            &[
                bad.as_slice(),
                &[
                    ("username", "bob"),
                    ("password", &password),
                    ("decision", "approve"),
                ],
            ]
            .concat(),
        )
        .await;
        assert_eq!(res.status(), 400, "{name}");
        assert!(res.headers().get("location").is_none());
    }

    let wrong = sign_in(
        &app,
        &[
            &query[..],
            &[
                ("username", "bob"),
                ("password", "nope"),
                ("decision", "approve"),
            ],
        ]
        .concat(),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("Wrong username or password"));

    let denied = sign_in(&app, &[&query[..], &[("decision", "deny")]].concat()).await;
    assert_eq!(denied.status(), 302);
    let location = url::Url::parse(denied.headers()["location"].to_str().unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("error".into(), "access_denied".into()))
            && pairs.contains(&("state".into(), "xyz 1".into())),
        "{location}"
    );

    let get_code = || async {
        let res = sign_in(
            &app,
            &[
                &query[..],
                &[
                    ("username", "bob"),
                    ("password", &password),
                    ("decision", "approve"),
                ],
            ]
            .concat(),
        )
        .await;
        assert_eq!(res.status(), 302);
        let location = url::Url::parse(res.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with(REDIRECT));
        let pairs: std::collections::HashMap<String, String> =
            location.query_pairs().into_owned().collect();
        assert_eq!(pairs["state"], "xyz 1");
        pairs["code"].clone()
    };

    // A wrong verifier fails, and the code is spent.
    let code = get_code().await;
    let (status, body) = exchange(
        &app,
        &client,
        &code,
        REDIRECT,
        "another-verifier-that-is-long-enough-for-the-rfc-000000",
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(
        exchange(&app, &client, &code, REDIRECT, &verifier).await.0,
        400
    );

    // So does another redirect URI than the one the code was sent to.
    let code = get_code().await;
    assert_eq!(
        exchange(&app, &client, &code, OOB, &verifier).await.1["error"],
        "invalid_grant"
    );

    let code = get_code().await;
    let (status, body) = exchange(&app, &client, &code, REDIRECT, &verifier).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "read write");
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        get(&app, "/api/v1/accounts/verify_credentials", token)
            .await
            .1["username"],
        "bob"
    );
    let (status, body) = exchange(&app, &client, &code, REDIRECT, &verifier).await;
    assert_eq!(status, 400, "a code works once");
    assert_eq!(body["error_description"], WRONG);

    // Out of band: the code is shown on a page to copy.
    let oob: Vec<(&str, &str)> = query
        .iter()
        .map(|&(k, v)| {
            if k == "redirect_uri" {
                (k, OOB)
            } else {
                (k, v)
            }
        })
        .collect();
    let res = sign_in(
        &app,
        &[
            oob.as_slice(),
            &[
                ("username", "bob"),
                ("password", &password),
                ("decision", "approve"),
            ],
        ]
        .concat(),
    )
    .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let code = html
        .split("readonly value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the code on the page")
        .to_string();
    assert_eq!(exchange(&app, &client, &code, OOB, &verifier).await.0, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_guessing_is_limited() {
    let app = TestApp::spawn().await;
    let password = teacher(&app, "carol").await;
    let client = register(&app, "read").await;
    for _ in 0..5 {
        assert_eq!(
            password_grant(&app, &client, "carol", "guess", "read")
                .await
                .0,
            400
        );
    }
    let res = app
        .client
        .post(format!("{}/oauth/token", app.address))
        .form(&[
            ("grant_type", "password"),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
            ("username", "carol"),
            ("password", &password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "even the right password waits");
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait > 200 && wait <= 300, "{wait}");
    assert!(res.json::<Value>().await.unwrap()["error"].is_string());

    // The sign-in page refuses too (same address), and says why.
    let res = sign_in(
        &app,
        &[
            ("response_type", "code"),
            ("client_id", &client.id),
            ("redirect_uri", REDIRECT),
            ("username", "carol"),
            ("password", &password),
            ("decision", "approve"),
        ],
    )
    .await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-in attempts"));

    // Other names from that address still get tries (a school shares one address),
    // up to 20 failures in all; a proxy's X-Forwarded-For tells people apart.
    let _ = teacher(&app, "dave").await;
    for i in 5..20 {
        let res = app
            .client
            .post(format!("{}/oauth/token", app.address))
            .form(&[
                ("grant_type", "password"),
                ("client_id", &client.id),
                ("client_secret", &client.secret),
                ("username", &format!("user{i}")),
                ("password", "x"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "attempt {i}");
    }
    let (status, _) = password_grant(&app, &client, "dave", "guess", "read").await;
    assert_eq!(status, 429, "the address used up its tries");
    let res = app
        .client
        .post(format!("{}/oauth/token", app.address))
        .header("X-Forwarded-For", "203.0.113.9")
        .form(&[
            ("grant_type", "password"),
            ("client_id", &client.id),
            ("client_secret", &client.secret),
            ("username", "dave"),
            ("password", "guess"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        400,
        "another address behind the local proxy may still try"
    );
}
