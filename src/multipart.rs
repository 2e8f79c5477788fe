//! `multipart/form-data` bodies (uploads), read with a cap: files up to the media
//! limit and at most a few kilobytes of each text field, so a body cannot make us
//! hold more than one upload's worth of memory.

use crate::error::{Error, ErrorKind, Result};
use actix_multipart::Multipart;
use futures_core::Stream;
use std::{collections::HashMap, pin::Pin};

pub struct File {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
}

#[derive(Default)]
pub struct Form {
    pub files: HashMap<String, File>,
    pub fields: HashMap<String, String>,
}

const MAX_FIELD: usize = 16 * 1024;
const MAX_FIELDS: usize = 32;

async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *s).poll_next(cx)).await
}

fn malformed(e: impl std::fmt::Display) -> Error {
    Error::bad_request(format!("the multipart body cannot be read: {e}"))
}

/// Reads every part; `max_file` bytes per file (more is refused with 413).
pub async fn read(mut body: Multipart, max_file: usize) -> Result<Form> {
    let mut form = Form::default();
    let mut count = 0;
    while let Some(field) = next(&mut body).await {
        let mut field = field.map_err(malformed)?;
        count += 1;
        if count > MAX_FIELDS {
            return Err(Error::bad_request("too many parts in the multipart body"));
        }
        let name = field.name().unwrap_or_default().to_string();
        let is_file = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .is_some();
        let content_type = field.content_type().map(|m| m.essence_str().to_string());
        let limit = if is_file { max_file } else { MAX_FIELD };
        let mut bytes = Vec::new();
        while let Some(chunk) = next(&mut field).await {
            let chunk = chunk.map_err(malformed)?;
            if bytes.len() + chunk.len() > limit {
                return Err(if is_file {
                    Error::new(
                        ErrorKind::TooLarge,
                        format!(
                            "Validation failed: the file is larger than {} MB",
                            limit / 1024 / 1024
                        ),
                    )
                } else {
                    Error::bad_request(format!("the field {name} is too long"))
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            form.files.insert(
                name,
                File {
                    bytes,
                    content_type,
                },
            );
        } else {
            let text = String::from_utf8(bytes)
                .map_err(|_| Error::bad_request(format!("the field {name} is not UTF-8 text")))?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

/// Guards the route that takes `multipart/form-data` where the same path also takes
/// forms or JSON (a separate handler reads the parts).
pub fn guard() -> impl actix_web::guard::Guard {
    actix_web::guard::fn_guard(|g| {
        g.head()
            .headers()
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"multipart/form-data"))
    })
}
