//! `GET /media/{key}`: stored files, from the local store. Only the types we write
//! are served, with their own `Content-Type` and `nosniff`, so no file is ever
//! taken for HTML; a key never changes its content, so it is cached for a year.

use crate::context::AppContext;
use actix_web::{http::header, web, HttpResponse};

pub async fn file(ctx: web::Data<AppContext>, key: web::Path<String>) -> HttpResponse {
    let content_type = match key.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        _ => return HttpResponse::NotFound().finish(),
    };
    match ctx.media.get(&key).await {
        Ok(Some(bytes)) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox"))
            .body(bytes),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(e) => {
            tracing::warn!(error = %e, "media file not read");
            HttpResponse::NotFound().finish()
        }
    }
}
