//! Query strings of list endpoints and the `Link` headers of their answers, as
//! Mastodon's apps expect: `max_id`, `since_id`, `min_id` and `limit` in; `rel="next"`
//! (`max_id` of the oldest item) and `rel="prev"` (`min_id` of the newest) out.

use crate::{
    context::AppContext,
    db::pagination::Page,
    error::{Error, ErrorKind, Result},
};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

/// Default and largest page sizes: statuses and notifications, and accounts.
pub const STATUSES: (i64, i64) = (20, 40);
pub const ACCOUNTS: (i64, i64) = (40, 80);

/// A query string read as Mastodon's Rails does: `name` and `name[]` alike.
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn of(req: &HttpRequest) -> Query {
        Query(
            url::form_urlencoded::parse(req.query_string().as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// A form-encoded body, read the same way.
    pub fn from_form(body: &[u8]) -> Query {
        Query(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `name[]` (or `name`).
    pub fn all(&self, name: &str) -> Vec<String> {
        let array = format!("{name}[]");
        self.0
            .iter()
            .filter(|(k, v)| (*k == array || k == name) && !v.is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Rails' truthiness: anything but false, 0, off, no, f.
    pub fn flag(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| {
            !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "0" | "off" | "no" | "f"
            )
        })
    }

    /// The page asked for, with `sizes` (default, largest) for its limit.
    pub fn page(&self, sizes: (i64, i64)) -> Result<Page> {
        let id = |name: &str| -> Result<Option<i64>> {
            match self.get(name) {
                None => Ok(None),
                Some(v) => v
                    .parse::<i64>()
                    .map(Some)
                    .map_err(|_| Error::new(ErrorKind::BadRequest, format!("{name} must be an id from an earlier answer, such as 113549202100000000"))),
            }
        };
        let limit = match self.get("limit") {
            None => sizes.0,
            Some(v) => v
                .parse::<i64>()
                .map_err(|_| Error::new(ErrorKind::BadRequest, "limit must be a number"))?
                .clamp(1, sizes.1),
        };
        Ok(Page {
            max_id: id("max_id")?,
            since_id: id("since_id")?,
            min_id: id("min_id")?,
            limit,
        })
    }

    /// This request's URL on our public address, with the paging parameters replaced.
    fn url_with(&self, ctx: &AppContext, req: &HttpRequest, key: &str, id: i64) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if !matches!(k.as_str(), "max_id" | "min_id" | "since_id") {
                query.append_pair(k, v);
            }
        }
        query.append_pair(key, &id.to_string());
        format!("{}{}?{}", ctx.urls.base(), req.path(), query.finish())
    }

    /// The `Link` header for a page whose items are paginated by `ids` (newest first).
    /// `next` is given when more may follow: always for timelines, only after a full
    /// page for lists of accounts, as Mastodon does.
    pub fn link(
        &self,
        ctx: &AppContext,
        req: &HttpRequest,
        ids: &[i64],
        more: bool,
    ) -> Option<String> {
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            return None;
        };
        let mut parts = Vec::new();
        if more {
            parts.push(format!(
                "<{}>; rel=\"next\"",
                self.url_with(ctx, req, "max_id", *last)
            ));
        }
        parts.push(format!(
            "<{}>; rel=\"prev\"",
            self.url_with(ctx, req, "min_id", *first)
        ));
        Some(parts.join(", "))
    }
}

/// A JSON answer with its `Link` header, if any.
pub fn respond(body: Value, link: Option<String>) -> HttpResponse {
    let mut res = HttpResponse::Ok();
    if let Some(link) = link {
        res.insert_header(("Link", link));
    }
    res.json(body)
}
