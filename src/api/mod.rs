//! The Mastodon client API: thin handlers that authenticate, call a service, and
//! shape its answer as Mastodon's entities (`entities/`). No ActivityStreams here.

pub mod accounts;
pub mod admin;
pub mod auth;
pub mod conversations;
pub mod entities;
pub mod filters;
pub mod groups;
pub mod instance;
pub mod lists;
pub mod media;
pub mod notifications;
pub mod oauth;
pub mod pagination;
pub mod params;
pub mod polls;
pub mod reports;
pub mod statuses;
pub mod streaming;
pub mod tags;
pub mod timelines;

use actix_web::web;

/// Unknown API paths answer Mastodon's 404 shape, which apps handle.
async fn not_found() -> actix_web::HttpResponse {
    actix_web::HttpResponse::NotFound().json(serde_json::json!({ "error": "Record not found" }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        admin::configure(web::scope("/api"))
            .route("/v1/reports", web::post().to(reports::create))
            // Mastodon.py posts reports with a trailing slash, which Rails accepts.
            .route("/v1/reports/", web::post().to(reports::create))
            .route("/v1/accounts", web::post().to(accounts::create))
            .route(
                "/v1/accounts/verify_credentials",
                web::get().to(accounts::verify_credentials),
            )
            .route(
                "/v1/accounts/update_credentials",
                web::patch()
                    .guard(crate::multipart::guard())
                    .to(accounts::update_credentials_multipart),
            )
            .route(
                "/v1/accounts/update_credentials",
                web::patch().to(accounts::update_credentials),
            )
            .route("/v1/accounts/lookup", web::get().to(accounts::lookup))
            .route(
                "/v1/accounts/relationships",
                web::get().to(accounts::relationships),
            )
            .route("/v1/accounts/{id}", web::get().to(accounts::get))
            .route("/v1/accounts/{id}/follow", web::post().to(accounts::follow))
            .route(
                "/v1/accounts/{id}/unfollow",
                web::post().to(accounts::unfollow),
            )
            .route("/v1/accounts/{id}/block", web::post().to(accounts::block))
            .route(
                "/v1/follow_requests",
                web::get().to(timelines::follow_requests),
            )
            .route(
                "/v1/follow_requests/{id}/authorize",
                web::post().to(accounts::authorize),
            )
            .route(
                "/v1/follow_requests/{id}/reject",
                web::post().to(accounts::reject),
            )
            .route(
                "/v1/groups/{id}/moderators",
                web::get().to(groups::moderators),
            )
            .route(
                "/v1/groups/{id}/follow_requests",
                web::get().to(groups::follow_requests),
            )
            .route(
                "/v1/groups/{id}/follow_requests/{account_id}/{verb:authorize|reject}",
                web::post().to(groups::member),
            )
            .route(
                "/v1/groups/{id}/members/{account_id}/{verb:remove}",
                web::post().to(groups::member),
            )
            .route(
                "/v1/groups/{id}/statuses/{status_id}/remove",
                web::post().to(groups::remove_status),
            )
            .route("/v2/search", web::get().to(accounts::search))
            .route("/v1/media", web::post().to(media::upload))
            .route("/v2/media", web::post().to(media::upload))
            .route("/v1/media/{id}", web::get().to(media::get))
            .route("/v1/media/{id}", web::put().to(media::update))
            .route("/v1/statuses", web::post().to(statuses::create))
            .route("/v1/statuses/{id}", web::get().to(statuses::get))
            .route("/v1/statuses/{id}", web::put().to(statuses::edit))
            .route("/v1/statuses/{id}", web::delete().to(statuses::delete))
            .route(
                "/v1/statuses/{id}/context",
                web::get().to(statuses::context),
            )
            .route(
                "/v1/statuses/{id}/favourite",
                web::post().to(statuses::favourite),
            )
            .route(
                "/v1/statuses/{id}/unfavourite",
                web::post().to(statuses::unfavourite),
            )
            .route("/v1/statuses/{id}/reblog", web::post().to(statuses::reblog))
            .route(
                "/v1/statuses/{id}/unreblog",
                web::post().to(statuses::unreblog),
            )
            .route("/v1/statuses/{id}/pin", web::post().to(statuses::pin))
            .route("/v1/statuses/{id}/card", web::get().to(statuses::card))
            .route("/v1/statuses/{id}/unpin", web::post().to(statuses::unpin))
            .route("/v1/polls/{id}", web::get().to(polls::get))
            .route("/v1/polls/{id}/votes", web::post().to(polls::vote))
            .route("/v1/apps", web::post().to(oauth::create_app))
            .route(
                "/v1/apps/verify_credentials",
                web::get().to(oauth::verify_app),
            )
            .route("/v1/timelines/home", web::get().to(timelines::home))
            .route("/v1/timelines/public", web::get().to(timelines::public))
            .route("/v1/timelines/tag/{hashtag}", web::get().to(timelines::tag))
            .route("/v1/tags/{name}", web::get().to(tags::show))
            .route("/v1/tags/{name}/follow", web::post().to(tags::follow))
            .route("/v1/tags/{name}/unfollow", web::post().to(tags::unfollow))
            .route("/v1/followed_tags", web::get().to(tags::followed))
            .route("/v1/conversations", web::get().to(conversations::list))
            .route(
                "/v1/conversations/{id}",
                web::delete().to(conversations::remove),
            )
            .route(
                "/v1/conversations/{id}/read",
                web::post().to(conversations::read),
            )
            .route("/v1/featured_tags", web::get().to(tags::featured))
            .route("/v1/featured_tags", web::post().to(tags::feature))
            .route(
                "/v1/featured_tags/suggestions",
                web::get().to(tags::suggestions),
            )
            .route("/v1/featured_tags/{id}", web::delete().to(tags::unfeature))
            .route(
                "/v1/accounts/{id}/featured_tags",
                web::get().to(tags::account_featured),
            )
            .route(
                "/v1/accounts/{id}/statuses",
                web::get().to(timelines::account_statuses),
            )
            .route(
                "/v1/accounts/{id}/followers",
                web::get().to(timelines::followers),
            )
            .route(
                "/v1/accounts/{id}/following",
                web::get().to(timelines::following),
            )
            .route(
                "/v1/statuses/{id}/favourited_by",
                web::get().to(timelines::favourited_by),
            )
            .route(
                "/v1/statuses/{id}/reblogged_by",
                web::get().to(timelines::reblogged_by),
            )
            .route(
                "/v1/statuses/{id}/bookmark",
                web::post().to(timelines::bookmark),
            )
            .route(
                "/v1/statuses/{id}/unbookmark",
                web::post().to(timelines::unbookmark),
            )
            .route("/v1/bookmarks", web::get().to(timelines::bookmarks))
            .route("/v1/favourites", web::get().to(timelines::favourites))
            .route("/v1/notifications", web::get().to(notifications::list))
            .route(
                "/v1/notifications/clear",
                web::post().to(notifications::clear),
            )
            .route(
                "/v1/notifications/unread_count",
                web::get().to(notifications::unread_count),
            )
            .route("/v1/notifications/{id}", web::get().to(notifications::get))
            .route(
                "/v1/notifications/{id}/dismiss",
                web::post().to(notifications::dismiss),
            )
            .route("/v1/markers", web::get().to(notifications::markers))
            .route("/v1/markers", web::post().to(notifications::set_markers))
            .route("/v1/streaming", web::get().to(streaming::websocket))
            .route("/v1/streaming/", web::get().to(streaming::websocket))
            .route("/v1/streaming/health", web::get().to(streaming::health))
            .route("/v1/streaming/{name:.+}", web::get().to(streaming::sse))
            .route("/v1/instance", web::get().to(instance::v1))
            .route("/v2/instance", web::get().to(instance::v2))
            // Mastodon.py asks with a trailing slash, which Mastodon (Rails) accepts.
            .route("/v1/instance/", web::get().to(instance::v1))
            .route("/v2/instance/", web::get().to(instance::v2))
            .route("/v1/custom_emojis", web::get().to(instance::custom_emojis))
            .route("/v1/preferences", web::get().to(instance::preferences))
            .route("/v1/lists", web::get().to(lists::index))
            .route("/v1/lists", web::post().to(lists::create))
            .route("/v1/lists/{id}", web::get().to(lists::show))
            .route("/v1/lists/{id}", web::put().to(lists::update))
            .route("/v1/lists/{id}", web::delete().to(lists::delete))
            .route("/v1/lists/{id}/accounts", web::get().to(lists::members))
            .route(
                "/v1/lists/{id}/accounts",
                web::post().to(lists::add_members),
            )
            .route(
                "/v1/lists/{id}/accounts",
                web::delete().to(lists::remove_members),
            )
            .route("/v1/accounts/{id}/lists", web::get().to(lists::of_account))
            .route("/v1/timelines/list/{id}", web::get().to(lists::timeline))
            .route("/v1/filters", web::get().to(filters::v1_index))
            .route("/v1/filters", web::post().to(filters::v1_create))
            .route("/v1/filters/{id}", web::get().to(filters::v1_show))
            .route("/v1/filters/{id}", web::put().to(filters::v1_update))
            .route("/v1/filters/{id}", web::delete().to(filters::v1_delete))
            .route("/v2/filters", web::get().to(filters::index))
            .route("/v2/filters", web::post().to(filters::create))
            .route(
                "/v2/filters/keywords/{id}",
                web::get().to(filters::keyword_show),
            )
            .route(
                "/v2/filters/keywords/{id}",
                web::put().to(filters::keyword_update),
            )
            .route(
                "/v2/filters/keywords/{id}",
                web::delete().to(filters::keyword_delete),
            )
            .route(
                "/v2/filters/statuses/{id}",
                web::get().to(filters::status_show),
            )
            .route(
                "/v2/filters/statuses/{id}",
                web::delete().to(filters::status_delete),
            )
            .route("/v2/filters/{id}", web::get().to(filters::show))
            .route("/v2/filters/{id}", web::put().to(filters::update))
            .route("/v2/filters/{id}", web::delete().to(filters::delete))
            .route(
                "/v2/filters/{id}/keywords",
                web::get().to(filters::keywords_index),
            )
            .route(
                "/v2/filters/{id}/keywords",
                web::post().to(filters::keywords_create),
            )
            .route(
                "/v2/filters/{id}/statuses",
                web::get().to(filters::statuses_index),
            )
            .route(
                "/v2/filters/{id}/statuses",
                web::post().to(filters::statuses_create),
            )
            // Not built yet: apps get empty answers they handle, not errors.
            .route("/v1/announcements", web::get().to(instance::empty_list))
            .route("/v1/trends", web::get().to(instance::empty_list))
            .route("/v1/trends/tags", web::get().to(instance::empty_list))
            .route("/v1/trends/statuses", web::get().to(instance::empty_list))
            .route("/v2/suggestions", web::get().to(instance::empty_list))
            .route("/v1/mutes", web::get().to(instance::empty_list))
            .route("/v1/domain_blocks", web::get().to(instance::empty_list))
            .default_service(web::to(not_found)),
    );
    oauth::configure(cfg);
}
