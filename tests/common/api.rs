//! Calls to the client API as an app makes them: bearer token, form bodies, and the
//! `Link` header of list answers.

use super::TestApp;
use serde_json::Value;

pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub link: Option<String>,
}

impl Answer {
    /// The URL a `Link` header gives for `rel` ("next" or "prev").
    pub fn link_to(&self, rel: &str) -> Option<String> {
        let link = self.link.as_deref()?;
        link.split(", ")
            .find(|part| part.ends_with(&format!("rel=\"{rel}\"")))
            .map(|part| part[1..part.find('>').unwrap()].to_string())
    }

    /// The `id`s of a list answer, in order.
    pub fn ids(&self) -> Vec<String> {
        self.body
            .as_array()
            .unwrap_or_else(|| panic!("a list: {}", self.body))
            .iter()
            .map(|v| v["id"].as_str().unwrap().to_string())
            .collect()
    }
}

pub async fn token(app: &TestApp, username: &str) -> String {
    staffroom::services::tokens::create(&app.pool, username, "test", "read write follow")
        .await
        .unwrap()
}

async fn answer(res: reqwest::Response) -> Answer {
    let status = res.status().as_u16();
    let link = res
        .headers()
        .get("link")
        .map(|l| l.to_str().unwrap().to_string());
    Answer {
        status,
        body: res.json().await.unwrap_or(Value::Null),
        link,
    }
}

/// GET `path` (absolute URLs, as Link headers give, are taken as they are).
pub async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Answer {
    let url = if path.starts_with("http") {
        path.to_string()
    } else {
        format!("{}{path}", app.address)
    };
    let mut req = app.client.get(url);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    answer(req.send().await.unwrap()).await
}

pub async fn post(app: &TestApp, path: &str, token: &str, form: &[(&str, &str)]) -> Answer {
    answer(
        app.client
            .post(format!("{}{path}", app.address))
            .bearer_auth(token)
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Posts a status and returns its entity.
pub async fn status(app: &TestApp, token: &str, text: &str, visibility: &str) -> Value {
    let a = post(
        app,
        "/api/v1/statuses",
        token,
        &[("status", text), ("visibility", visibility)],
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
}

/// Any method with a form body (PUT, DELETE … as Mastodon.py sends them).
pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    form: &[(&str, &str)],
) -> Answer {
    answer(
        app.client
            .request(method, format!("{}{path}", app.address))
            .bearer_auth(token)
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// Any method with a JSON body.
pub async fn json(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: &Value,
) -> Answer {
    answer(
        app.client
            .request(method, format!("{}{path}", app.address))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap(),
    )
    .await
}
