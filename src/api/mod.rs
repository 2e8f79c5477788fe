//! The Mastodon client API: thin handlers that authenticate, call a service, and
//! shape its answer as Mastodon's entities (`entities/`). No ActivityStreams here.

pub mod accounts;
pub mod auth;
pub mod entities;
pub mod params;
pub mod statuses;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/v1/accounts/verify_credentials", web::get().to(accounts::verify_credentials))
            .route("/v1/accounts/update_credentials", web::patch().to(accounts::update_credentials))
            .route("/v1/accounts/lookup", web::get().to(accounts::lookup))
            .route("/v1/accounts/relationships", web::get().to(accounts::relationships))
            .route("/v1/accounts/{id}", web::get().to(accounts::get))
            .route("/v1/accounts/{id}/follow", web::post().to(accounts::follow))
            .route("/v1/accounts/{id}/unfollow", web::post().to(accounts::unfollow))
            .route("/v1/accounts/{id}/block", web::post().to(accounts::block))
            .route("/v1/follow_requests", web::get().to(accounts::follow_requests))
            .route("/v1/follow_requests/{id}/authorize", web::post().to(accounts::authorize))
            .route("/v1/follow_requests/{id}/reject", web::post().to(accounts::reject))
            .route("/v2/search", web::get().to(accounts::search))
            .route("/v1/statuses", web::post().to(statuses::create))
            .route("/v1/statuses/{id}", web::get().to(statuses::get))
            .route("/v1/statuses/{id}", web::put().to(statuses::edit))
            .route("/v1/statuses/{id}", web::delete().to(statuses::delete))
            .route("/v1/statuses/{id}/context", web::get().to(statuses::context))
            .route("/v1/statuses/{id}/favourite", web::post().to(statuses::favourite))
            .route("/v1/statuses/{id}/unfavourite", web::post().to(statuses::unfavourite))
            .route("/v1/statuses/{id}/reblog", web::post().to(statuses::reblog))
            .route("/v1/statuses/{id}/unreblog", web::post().to(statuses::unreblog))
            .route("/v1/timelines/home", web::get().to(statuses::home)),
    );
}
