//! Lists of statuses and accounts, paginated with `Link` headers: timelines (home,
//! public, hashtag), an account's posts, followers and following, bookmarks,
//! favourites, and who favourited or boosted a post.

use super::{
    auth::{Auth, MaybeAuth},
    entities::{
        account::{account, Counts},
        status::status,
    },
    pagination::{respond, Query, ACCOUNTS, STATUSES},
};
use crate::{
    context::AppContext,
    db::timelines::{AccountFilter, Origin, TagFilter},
    error::{Error, Result},
    services::{self, status_views::StatusView, timelines::AccountPage},
};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

fn status_id(id: &str) -> Result<crate::db::StatusId> {
    id.parse()
        .map(crate::db::StatusId)
        .map_err(|_| Error::not_found("Record not found"))
}

/// Statuses paginated by their own ids.
fn statuses(ctx: &AppContext, req: &HttpRequest, q: &Query, views: &[StatusView]) -> HttpResponse {
    let ids: Vec<i64> = views.iter().map(|v| v.status.id.0).collect();
    let body = Value::Array(views.iter().map(|v| status(v, &ctx.urls)).collect());
    respond(body, q.link(ctx, req, &ids, true))
}

/// Statuses paginated by another row's id (a bookmark's, a favourite's).
fn keyed_statuses(
    ctx: &AppContext,
    req: &HttpRequest,
    q: &Query,
    rows: &[(i64, StatusView)],
) -> HttpResponse {
    let ids: Vec<i64> = rows.iter().map(|(k, _)| *k).collect();
    let body = Value::Array(rows.iter().map(|(_, v)| status(v, &ctx.urls)).collect());
    respond(body, q.link(ctx, req, &ids, true))
}

pub(super) fn accounts(
    ctx: &AppContext,
    req: &HttpRequest,
    q: &Query,
    page: &AccountPage,
    limit: i64,
) -> HttpResponse {
    let ids: Vec<i64> = page.accounts.iter().map(|(k, _, _)| *k).collect();
    let body = Value::Array(
        page.accounts
            .iter()
            .map(|(_, a, c)| {
                account(
                    a,
                    &ctx.urls,
                    Some(&Counts {
                        followers: c.followers,
                        following: c.following,
                        statuses: c.statuses,
                    }),
                )
            })
            .collect(),
    );
    respond(body, q.link(ctx, req, &ids, ids.len() as i64 == limit))
}

fn origin(q: &Query) -> Origin {
    Origin {
        local_only: q.flag("local"),
        remote_only: q.flag("remote"),
    }
}

pub async fn home(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:statuses")?;
    let q = Query::of(&req);
    let views = services::status_views::home(&ctx, &auth.account, q.page(STATUSES)?).await?;
    Ok(statuses(&ctx, &req, &q, &views))
}

/// `GET /api/v1/timelines/public`: open without a token, as Mastodon's default.
pub async fn public(
    ctx: web::Data<AppContext>,
    auth: MaybeAuth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let viewer = auth.account("read:statuses")?;
    let q = Query::of(&req);
    let page = q.page(STATUSES)?;
    // No media attachments here yet: a media-only timeline is empty.
    let views = if q.flag("only_media") {
        Vec::new()
    } else {
        services::timelines::public(&ctx, viewer, origin(&q), page).await?
    };
    Ok(statuses(&ctx, &req, &q, &views))
}

pub async fn tag(
    ctx: web::Data<AppContext>,
    auth: MaybeAuth,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse> {
    let viewer = auth.account("read:statuses")?;
    let q = Query::of(&req);
    let page = q.page(STATUSES)?;
    let clean = |t: &str| t.trim().trim_start_matches('#').to_lowercase();
    let mut any = vec![clean(&name)];
    any.extend(q.all("any").iter().map(|t| clean(t)));
    let tags = TagFilter {
        any,
        all: q.all("all").iter().map(|t| clean(t)).collect(),
        none: q.all("none").iter().map(|t| clean(t)).collect(),
    };
    let views = if q.flag("only_media") {
        Vec::new()
    } else {
        services::timelines::tag(&ctx, viewer, origin(&q), &tags, page).await?
    };
    Ok(statuses(&ctx, &req, &q, &views))
}

/// `GET /api/v1/accounts/:id/statuses`.
pub async fn account_statuses(
    ctx: web::Data<AppContext>,
    auth: MaybeAuth,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let viewer = auth.account("read:statuses")?;
    let author = services::timelines::find_account(&ctx, &id).await?;
    let q = Query::of(&req);
    let page = q.page(STATUSES)?;
    // Pins are few (at most 5): one page, no pagination. No media filter yet.
    let views = if q.flag("pinned") {
        if q.get("max_id").is_some() || q.get("min_id").is_some() || q.get("since_id").is_some() {
            Vec::new()
        } else {
            services::pins::pinned(&ctx, viewer, &author).await?
        }
    } else if q.flag("only_media") {
        Vec::new()
    } else {
        let filter = AccountFilter {
            exclude_replies: q.flag("exclude_replies"),
            exclude_reblogs: q.flag("exclude_reblogs"),
            tagged: q
                .get("tagged")
                .map(|t| t.trim_start_matches('#').to_lowercase()),
        };
        services::timelines::account(&ctx, viewer, &author, filter, page).await?
    };
    Ok(statuses(&ctx, &req, &q, &views))
}

pub async fn followers(
    ctx: web::Data<AppContext>,
    auth: MaybeAuth,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.account("read:accounts")?;
    let target = services::timelines::find_account(&ctx, &id).await?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found = services::timelines::followers(&ctx, target.id, page).await?;
    Ok(accounts(&ctx, &req, &q, &found, page.limit))
}

pub async fn following(
    ctx: web::Data<AppContext>,
    auth: MaybeAuth,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.account("read:accounts")?;
    let follower = services::timelines::find_account(&ctx, &id).await?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found = services::timelines::following(&ctx, follower.id, page).await?;
    Ok(accounts(&ctx, &req, &q, &found, page.limit))
}

/// `GET /api/v1/follow_requests`.
pub async fn follow_requests(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:follows")?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found = services::timelines::follow_requests(&ctx, auth.account.id, page).await?;
    Ok(accounts(&ctx, &req, &q, &found, page.limit))
}

pub async fn favourited_by(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found =
        services::timelines::favourited_by(&ctx, &auth.account, status_id(&id)?, page).await?;
    Ok(accounts(&ctx, &req, &q, &found, page.limit))
}

pub async fn reblogged_by(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("read:accounts")?;
    let q = Query::of(&req);
    let page = q.page(ACCOUNTS)?;
    let found =
        services::timelines::reblogged_by(&ctx, &auth.account, status_id(&id)?, page).await?;
    Ok(accounts(&ctx, &req, &q, &found, page.limit))
}

pub async fn bookmarks(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:bookmarks")?;
    let q = Query::of(&req);
    let rows = services::timelines::bookmarks(&ctx, &auth.account, q.page(STATUSES)?).await?;
    Ok(keyed_statuses(&ctx, &req, &q, &rows))
}

pub async fn favourites(
    ctx: web::Data<AppContext>,
    auth: Auth,
    req: HttpRequest,
) -> Result<HttpResponse> {
    auth.require("read:favourites")?;
    let q = Query::of(&req);
    let rows = services::timelines::favourites(&ctx, &auth.account, q.page(STATUSES)?).await?;
    Ok(keyed_statuses(&ctx, &req, &q, &rows))
}

pub async fn bookmark(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:bookmarks")?;
    let view = services::timelines::bookmark(&ctx, &auth.account, status_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
}

pub async fn unbookmark(
    ctx: web::Data<AppContext>,
    auth: Auth,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    auth.require("write:bookmarks")?;
    let view = services::timelines::unbookmark(&ctx, &auth.account, status_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(status(&view, &ctx.urls)))
}
