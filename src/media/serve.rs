//! `GET /media/{key}`: stored files, from whichever store holds them. With a bucket
//! the file is read through us rather than redirected to it (docs/media.md,
//! "Serving"): the bucket can stay private, and the headers are ours. Only the types
//! we write are served, with their own `Content-Type` and `nosniff`, so no file is
//! ever taken for HTML; a key never changes its content, so it is cached for a year.

use super::store::{content_type, CACHE_CONTROL};
use crate::context::AppContext;
use actix_web::{http::header, web, HttpResponse};

pub async fn file(ctx: web::Data<AppContext>, key: web::Path<String>) -> HttpResponse {
    let Some(content_type) = content_type(&key) else {
        return HttpResponse::NotFound().finish();
    };
    match ctx.media.get(&key).await {
        Ok(Some(bytes)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ))
            .body(bytes),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(crate::media::store::StoreError::BadKey) => HttpResponse::NotFound().finish(),
        Err(e) => {
            // The store is unreachable: say so, so a proxy or CDN does not cache a 404.
            tracing::warn!(error = %e, "media file not read");
            HttpResponse::ServiceUnavailable()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
    }
}
