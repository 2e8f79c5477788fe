//! Request parameters as Mastodon apps send them: form-encoded or JSON bodies.

use crate::error::{Error, Result};
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;

pub fn parse<T: DeserializeOwned + Default>(req: &HttpRequest, body: &[u8]) -> Result<T> {
    if body.is_empty() {
        return Ok(T::default());
    }
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.contains("json") {
        serde_json::from_slice(body).map_err(|e| Error::new(crate::error::ErrorKind::BadRequest, format!("Validation failed: {e}")))
    } else {
        serde_urlencoded::from_bytes(body).map_err(|e| Error::new(crate::error::ErrorKind::BadRequest, format!("Validation failed: {e}")))
    }
}
