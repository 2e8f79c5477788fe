//! `GET /media/{key}`: stored files, from whichever store holds them. With a bucket
//! the file is read through us rather than redirected to it (docs/media.md,
//! "Serving"): the bucket can stay private, and the headers are ours. Only the types
//! we write are served, with their own `Content-Type` and `nosniff`, so no file is
//! ever taken for HTML; a key never changes its content, so it is cached for a year.

use super::store::{content_type, CACHE_CONTROL};
use crate::context::AppContext;
use actix_web::{http::header, web, HttpResponse};

pub async fn file(ctx: web::Data<AppContext>, key: web::Path<String>) -> HttpResponse {
    stored(&ctx, &key).await
}

/// `GET /media/remote/{id}/{original|small}`: our copy of another server's image,
/// made now if we have none (services::media_cache), for our pages. The address
/// always means the same image, so it is cached like a file.
pub async fn remote(ctx: web::Data<AppContext>, path: web::Path<(i64, String)>) -> HttpResponse {
    use crate::services::media_cache::{self, Size};
    let (id, size) = path.into_inner();
    let size = match size.as_str() {
        "original" => Size::Original,
        "small" => Size::Small,
        _ => return HttpResponse::NotFound().finish(),
    };
    match media_cache::for_page(&ctx, id, size).await {
        Ok(key) => stored(&ctx, &key).await,
        Err(e) if e.kind == crate::error::ErrorKind::NotFound => HttpResponse::NotFound().finish(),
        Err(e) => {
            tracing::info!(media = id, error = %e, "remote image not shown");
            // The origin may answer later: no cache keeps this failure.
            HttpResponse::BadGateway()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish()
        }
    }
}

async fn stored(ctx: &AppContext, key: &str) -> HttpResponse {
    let Some(content_type) = content_type(key) else {
        return HttpResponse::NotFound().finish();
    };
    match ctx.media.get(key).await {
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
