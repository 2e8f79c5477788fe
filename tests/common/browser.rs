//! A browser without JavaScript, for pages shown before signing in (sign-up):
//! cookies carried by hand from `Set-Cookie`, CSRF tokens read from the forms.

use super::TestApp;
use reqwest::{header, Response};

/// The `name=value` of the cookie `name` a response sets, if any (not a clearing one).
pub fn set_cookie(res: &Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")) && !v.starts_with(&format!("{name}=;")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// The first CSRF token a page's forms carry.
pub fn csrf_of(html: &str) -> String {
    let field = r#"name="csrf" value=""#;
    let start = html
        .find(field)
        .unwrap_or_else(|| panic!("no CSRF field in {html}"))
        + field.len();
    html[start..].split('"').next().unwrap().to_string()
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> Response {
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.send().await.unwrap()
}

pub async fn post(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> Response {
    let mut req = app.client.post(format!("{}{path}", app.address)).form(form);
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    req.send().await.unwrap()
}

/// Opens a pre-session form at `path` and sends it with `fields` (plus its CSRF
/// token and the cookie holding it): the answer.
pub async fn fill_in(
    app: &TestApp,
    path: &str,
    cookie_name: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Response {
    let page = get(app, path, None).await;
    assert_eq!(page.status(), 200, "{path}");
    let cookie =
        set_cookie(&page, cookie_name).unwrap_or_else(|| panic!("{path} sets {cookie_name}"));
    let csrf = csrf_of(&page.text().await.unwrap());
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    post(app, action, Some(&cookie), &form).await
}
