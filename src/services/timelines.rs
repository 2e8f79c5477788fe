//! Reading: timelines (home, public, hashtag, an account's posts), bookmarks and
//! favourites, and the lists of accounts around a post or an account. Every list is
//! one indexed query for the page, then `statuses::views` for what it shows.

use super::{
    filters::{self, Context},
    status_views::{views, StatusView},
    visibility::visible_status,
};
use crate::{
    context::AppContext,
    db::{
        account_lists,
        accounts::Account,
        bookmarks,
        pagination::Page,
        timelines::{self, AccountFilter, Origin, TagFilter},
        AccountId, StatusId,
    },
    error::{Error, Result},
};

/// The reader's filters (none for someone not signed in).
async fn active_filters(
    conn: &mut diesel_async::AsyncPgConnection,
    viewer: Option<&Account>,
) -> Result<filters::Active> {
    match viewer {
        Some(v) => filters::active(conn, v).await,
        None => Ok(filters::Active::default()),
    }
}

pub async fn public(
    ctx: &AppContext,
    viewer: Option<&Account>,
    origin: Origin,
    page: Page,
) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let active = active_filters(&mut conn, viewer).await?;
    filters::fill(&active, Context::Public, page, async |page| {
        let statuses = timelines::public(&mut conn, viewer.map(|v| v.id), origin, page).await?;
        views(&mut conn, statuses, viewer).await
    })
    .await
}

pub async fn tag(
    ctx: &AppContext,
    viewer: Option<&Account>,
    origin: Origin,
    tags: &TagFilter,
    page: Page,
) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let active = active_filters(&mut conn, viewer).await?;
    filters::fill(&active, Context::Public, page, async |page| {
        let statuses = timelines::tag(&mut conn, viewer.map(|v| v.id), origin, tags, page).await?;
        views(&mut conn, statuses, viewer).await
    })
    .await
}

/// An account's posts as `viewer` may see them (services::visibility).
pub async fn account(
    ctx: &AppContext,
    viewer: Option<&Account>,
    author: &Account,
    filter: AccountFilter,
    page: Page,
) -> Result<Vec<StatusView>> {
    let mut conn = ctx.pool.get().await?;
    let active = active_filters(&mut conn, viewer).await?;
    filters::fill(&active, Context::Account, page, async |page| {
        let statuses =
            timelines::account(&mut conn, viewer.map(|v| v.id), author.id, &filter, page).await?;
        views(&mut conn, statuses, viewer).await
    })
    .await
}

/// Pairs each view with the id its row is paginated by.
async fn keyed(
    ctx: &AppContext,
    viewer: &Account,
    rows: Vec<(i64, crate::db::statuses::Status)>,
) -> Result<Vec<(i64, StatusView)>> {
    let mut conn = ctx.pool.get().await?;
    let keys: Vec<(StatusId, i64)> = rows.iter().map(|(k, s)| (s.id, *k)).collect();
    let shown = views(
        &mut conn,
        rows.into_iter().map(|(_, s)| s).collect(),
        Some(viewer),
    )
    .await?;
    Ok(shown
        .into_iter()
        .filter_map(|v| {
            keys.iter()
                .find(|(id, _)| *id == v.status.id)
                .map(|(_, k)| (*k, v))
        })
        .collect())
}

pub async fn bookmarks(
    ctx: &AppContext,
    viewer: &Account,
    page: Page,
) -> Result<Vec<(i64, StatusView)>> {
    let rows = {
        let mut conn = ctx.pool.get().await?;
        timelines::bookmarked(&mut conn, viewer.id, page).await?
    };
    keyed(ctx, viewer, rows).await
}

pub async fn favourites(
    ctx: &AppContext,
    viewer: &Account,
    page: Page,
) -> Result<Vec<(i64, StatusView)>> {
    let rows = {
        let mut conn = ctx.pool.get().await?;
        timelines::favourited(&mut conn, viewer.id, page).await?
    };
    keyed(ctx, viewer, rows).await
}

#[tracing::instrument(skip_all, fields(viewer = %viewer.username, status = %id))]
pub async fn bookmark(ctx: &AppContext, viewer: &Account, id: StatusId) -> Result<StatusView> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    bookmarks::add(&mut conn, viewer.id, status.id).await?;
    super::status_views::view(&mut conn, status, Some(viewer)).await
}

#[tracing::instrument(skip_all, fields(viewer = %viewer.username, status = %id))]
pub async fn unbookmark(ctx: &AppContext, viewer: &Account, id: StatusId) -> Result<StatusView> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    bookmarks::remove(&mut conn, viewer.id, status.id).await?;
    super::status_views::view(&mut conn, status, Some(viewer)).await
}

/// Accounts with their counts, keyed as the list paginates them.
pub struct AccountPage {
    pub accounts: Vec<(i64, Account, account_lists::AccountCounts)>,
}

async fn with_counts(
    conn: &mut diesel_async::AsyncPgConnection,
    rows: Vec<(i64, Account)>,
) -> Result<AccountPage> {
    let ids: Vec<AccountId> = rows.iter().map(|(_, a)| a.id).collect();
    let counts = account_lists::counts(conn, &ids).await?;
    Ok(AccountPage {
        accounts: rows
            .into_iter()
            .map(|(k, a)| {
                let c = counts
                    .iter()
                    .find(|c| c.id == a.id.0)
                    .cloned()
                    .unwrap_or_default();
                (k, a, c)
            })
            .collect(),
    })
}

pub async fn favourited_by(
    ctx: &AppContext,
    viewer: &Account,
    id: StatusId,
    page: Page,
) -> Result<AccountPage> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    let rows = account_lists::favourited_by(&mut conn, status.id, page).await?;
    with_counts(&mut conn, rows).await
}

pub async fn reblogged_by(
    ctx: &AppContext,
    viewer: &Account,
    id: StatusId,
    page: Page,
) -> Result<AccountPage> {
    let mut conn = ctx.pool.get().await?;
    let status = visible_status(&mut conn, viewer, id).await?;
    let rows = account_lists::reblogged_by(&mut conn, status.id, page).await?;
    with_counts(&mut conn, rows).await
}

pub async fn followers(ctx: &AppContext, account: AccountId, page: Page) -> Result<AccountPage> {
    let mut conn = ctx.pool.get().await?;
    let rows = account_lists::followers(&mut conn, account, page).await?;
    with_counts(&mut conn, rows).await
}

pub async fn follow_requests(
    ctx: &AppContext,
    account: AccountId,
    page: Page,
) -> Result<AccountPage> {
    let mut conn = ctx.pool.get().await?;
    let rows = account_lists::requesters(&mut conn, account, page).await?;
    with_counts(&mut conn, rows).await
}

pub async fn following(ctx: &AppContext, account: AccountId, page: Page) -> Result<AccountPage> {
    let mut conn = ctx.pool.get().await?;
    let rows = account_lists::following(&mut conn, account, page).await?;
    with_counts(&mut conn, rows).await
}

/// An account's follower, following and post counts, as its profile shows them.
pub async fn counts(ctx: &AppContext, account: AccountId) -> Result<account_lists::AccountCounts> {
    let mut conn = ctx.pool.get().await?;
    Ok(account_lists::counts(&mut conn, &[account])
        .await?
        .pop()
        .unwrap_or_default())
}

/// A page of an account's followers (as its ActivityPub collection shows them:
/// newest first, before `max_id`), keyed by the follow's id, with the total.
pub async fn followers_with_total(
    ctx: &AppContext,
    account: AccountId,
    max_id: Option<i64>,
    limit: i64,
) -> Result<(i64, Vec<(i64, Account)>)> {
    let mut conn = ctx.pool.get().await?;
    let total = account_lists::counts(&mut conn, &[account])
        .await?
        .first()
        .map(|c| c.followers)
        .unwrap_or(0);
    let rows = account_lists::followers(
        &mut conn,
        account,
        Page {
            max_id,
            limit,
            ..Page::default()
        },
    )
    .await?;
    Ok((total, rows))
}

/// The accounts an account follows, as `followers_with_total` lists followers.
pub async fn following_with_total(
    ctx: &AppContext,
    account: AccountId,
    max_id: Option<i64>,
    limit: i64,
) -> Result<(i64, Vec<(i64, Account)>)> {
    let mut conn = ctx.pool.get().await?;
    let total = account_lists::counts(&mut conn, &[account])
        .await?
        .first()
        .map(|c| c.following)
        .unwrap_or(0);
    let rows = account_lists::following(
        &mut conn,
        account,
        Page {
            max_id,
            limit,
            ..Page::default()
        },
    )
    .await?;
    Ok((total, rows))
}

/// An account by its API id, if it may be seen (services::visibility); 404 in
/// Mastodon's words otherwise.
pub async fn find_account(ctx: &AppContext, id: &str) -> Result<Account> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::not_found("Record not found"))?;
    let mut conn = ctx.pool.get().await?;
    let account = Account::find(&mut conn, AccountId(id))
        .await?
        .ok_or_else(|| Error::not_found("Record not found"))?;
    if !super::visibility::may_see_account(&mut conn, &account).await? {
        return Err(Error::not_found("Record not found"));
    }
    Ok(account)
}
