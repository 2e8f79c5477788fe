//! `/health`: 200 when the server and its database answer, 503 otherwise, for
//! load balancers, compose health checks and monitoring.

use crate::{context::AppContext, services};
use actix_web::{web, HttpResponse};
use serde_json::json;

pub async fn health(ctx: web::Data<AppContext>) -> HttpResponse {
    match services::instance::database_ok(&ctx.pool).await {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok", "database": "ok" })),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database unavailable");
            HttpResponse::ServiceUnavailable()
                .json(json!({ "status": "unavailable", "database": "unreachable" }))
        }
    }
}
