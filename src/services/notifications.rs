//! Reading notifications (written by the database as their causes are stored) and
//! the markers that remember where a reader stopped.

use super::{
    status_views::{views, StatusView},
    visibility::{blocked_either, only_visible},
};
use crate::{
    context::AppContext,
    db::{
        account_lists::{self, AccountCounts},
        accounts::Account,
        notifications::{self, Filter, Marker, Notification},
        pagination::Page,
        AccountId,
    },
    error::{Error, Result},
};
use std::collections::HashMap;

pub struct NotificationView {
    pub notification: Notification,
    pub from: Account,
    pub from_counts: AccountCounts,
    pub status: Option<StatusView>,
    /// What the moderators said, for a `moderation_warning`.
    pub warning: Option<crate::db::account_warnings::Warning>,
}

/// Notifications with their posts, as the viewer may see them (services::visibility):
/// one about a post the viewer may no longer see (deleted, or its author blocked
/// either way since), or from an account blocked either way, is left out.
async fn shown(
    ctx: &AppContext,
    viewer: &Account,
    rows: Vec<(Notification, Account)>,
) -> Result<Vec<NotificationView>> {
    let mut conn = ctx.pool.get().await?;
    let mut ids: Vec<_> = rows.iter().filter_map(|(n, _)| n.status_id).collect();
    ids.sort();
    ids.dedup();
    let statuses = crate::db::status_batch::statuses(&mut conn, &ids).await?;
    let statuses = only_visible(&mut conn, Some(viewer.id), statuses).await?;
    // A post a `hide` filter for notifications matches takes its notification with it.
    let active = super::filters::active(&mut conn, viewer).await?;
    let shown_posts = active.apply(
        views(&mut conn, statuses, Some(viewer)).await?,
        super::filters::Context::Notifications,
    );
    let posts: HashMap<_, StatusView> = shown_posts.into_iter().map(|v| (v.status.id, v)).collect();
    let mut from: Vec<AccountId> = rows.iter().map(|(_, a)| a.id).collect();
    from.sort();
    from.dedup();
    let blocked = blocked_either(&mut conn, viewer.id, &from).await?;
    let counts: HashMap<i64, AccountCounts> = account_lists::counts(&mut conn, &from)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let warning_ids: Vec<i64> = rows
        .iter()
        .filter_map(|(n, _)| n.account_warning_id)
        .collect();
    let mut warnings: HashMap<i64, crate::db::account_warnings::Warning> =
        crate::db::account_warnings::find_many(&mut conn, &warning_ids)
            .await?
            .into_iter()
            .map(|w| (w.id, w))
            .collect();
    Ok(rows
        .into_iter()
        .filter(|(_, from)| !blocked.contains(&from.id))
        .filter_map(|(notification, from)| {
            let status = match notification.status_id {
                Some(id) => Some(posts.get(&id)?.clone()),
                None => None,
            };
            let from_counts = counts.get(&from.id.0).cloned().unwrap_or_default();
            let warning = match notification.account_warning_id {
                Some(id) => Some(warnings.remove(&id)?),
                None => None,
            };
            Some(NotificationView {
                notification,
                from,
                from_counts,
                status,
                warning,
            })
        })
        .collect())
}

pub async fn list(
    ctx: &AppContext,
    viewer: &Account,
    filter: &Filter,
    page: Page,
) -> Result<Vec<NotificationView>> {
    let rows = {
        let mut conn = ctx.pool.get().await?;
        notifications::page(&mut conn, viewer.id, filter, page).await?
    };
    shown(ctx, viewer, rows).await
}

pub async fn get(ctx: &AppContext, viewer: &Account, id: i64) -> Result<NotificationView> {
    let row = {
        let mut conn = ctx.pool.get().await?;
        notifications::find(&mut conn, viewer.id, id).await?
    };
    let row = row.ok_or_else(|| Error::not_found("Record not found"))?;
    shown(ctx, viewer, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("Record not found"))
}

#[tracing::instrument(skip_all, fields(viewer = %viewer.username, notification = id))]
pub async fn dismiss(ctx: &AppContext, viewer: &Account, id: i64) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    if notifications::dismiss(&mut conn, viewer.id, id).await? {
        Ok(())
    } else {
        Err(Error::not_found("Record not found"))
    }
}

#[tracing::instrument(skip_all, fields(viewer = %viewer.username))]
pub async fn clear(ctx: &AppContext, viewer: &Account) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    notifications::clear(&mut conn, viewer.id).await?;
    Ok(())
}

/// Notifications after the reader's notifications marker (all of them without one),
/// counted up to `cap`.
pub async fn unread_count(ctx: &AppContext, viewer: &Account, cap: i64) -> Result<i64> {
    let mut conn = ctx.pool.get().await?;
    let read = notifications::markers(&mut conn, viewer.id, &["notifications".to_string()]).await?;
    let after = read.first().map(|m| m.last_read_id).unwrap_or(0);
    Ok(notifications::count_after(&mut conn, viewer.id, after, cap).await?)
}

/// Timelines a marker can be set on.
pub const MARKER_TIMELINES: [&str; 2] = ["home", "notifications"];

pub async fn markers(
    ctx: &AppContext,
    viewer: &Account,
    timelines: &[String],
) -> Result<Vec<Marker>> {
    let mut conn = ctx.pool.get().await?;
    Ok(notifications::markers(&mut conn, viewer.id, timelines).await?)
}

#[tracing::instrument(skip_all, fields(viewer = %viewer.username))]
pub async fn set_markers(
    ctx: &AppContext,
    viewer: &Account,
    changes: &[(String, i64)],
) -> Result<Vec<Marker>> {
    let mut conn = ctx.pool.get().await?;
    let mut out = Vec::new();
    for (timeline, last_read_id) in changes {
        out.push(notifications::set_marker(&mut conn, viewer.id, timeline, *last_read_id).await?);
    }
    Ok(out)
}
