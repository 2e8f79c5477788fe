//! Conversations: a teacher's direct posts grouped by who takes part, each with the
//! others, its newest post as the teacher sees it, and whether it is unread. The
//! grouping is kept by the database (`db::conversations`); what is shown passes the
//! visibility rule like every other read.

use super::status_views::{views, StatusView};
use crate::{
    context::AppContext,
    db::{
        accounts::Account, conversations, pagination::Page, status_batch, visibility, AccountId,
        StatusId,
    },
    error::{Error, Result},
};

pub struct ConversationView {
    pub id: i64,
    pub unread: bool,
    pub accounts: Vec<Account>,
    /// None when the newest post is gone or no longer visible to the teacher.
    pub last_status: Option<StatusView>,
    /// What the page is paginated by.
    pub last_status_id: i64,
}

async fn shown(
    ctx: &AppContext,
    viewer: &Account,
    rows: Vec<conversations::Conversation>,
) -> Result<Vec<ConversationView>> {
    let mut conn = ctx.pool.get().await?;
    let status_ids: Vec<StatusId> = rows.iter().map(|c| StatusId(c.last_status_id)).collect();
    let visible = visibility::visible_ids(&mut conn, Some(viewer.id), &status_ids).await?;
    let statuses = status_batch::statuses(&mut conn, &visible).await?;
    let mut statuses = views(&mut conn, statuses, Some(viewer)).await?;
    let mut account_ids: Vec<AccountId> = rows
        .iter()
        .flat_map(|c| c.participants.iter().map(|p| AccountId(*p)))
        .collect();
    account_ids.sort();
    account_ids.dedup();
    let accounts = status_batch::accounts(&mut conn, &account_ids).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let last_status = statuses
                .iter()
                .position(|v| v.status.id.0 == c.last_status_id)
                .map(|i| statuses.swap_remove(i));
            let accounts = c
                .participants
                .iter()
                .filter_map(|p| accounts.iter().find(|a| a.id.0 == *p).cloned())
                .collect();
            ConversationView {
                id: c.id,
                unread: c.unread,
                accounts,
                last_status,
                last_status_id: c.last_status_id,
            }
        })
        .collect())
}

/// The conversations whose newest post is `status`, as each of `readers` who takes
/// part sees it (for the `direct` stream); readers not in it, or who may not see
/// the post, are left out.
pub async fn moved_by(
    ctx: &AppContext,
    readers: &[Account],
    status: StatusId,
) -> Result<Vec<(AccountId, ConversationView)>> {
    let rows = {
        let mut conn = ctx.pool.get().await?;
        let ids: Vec<AccountId> = readers.iter().map(|a| a.id).collect();
        conversations::with_last(&mut conn, &ids, status).await?
    };
    let mut moved = Vec::new();
    for row in rows {
        let Some(reader) = readers.iter().find(|a| a.id == row.account_id) else {
            continue;
        };
        if let Some(view) = shown(ctx, reader, vec![row])
            .await?
            .pop()
            .filter(|v| v.last_status.is_some())
        {
            moved.push((reader.id, view));
        }
    }
    Ok(moved)
}

pub async fn list(ctx: &AppContext, viewer: &Account, page: Page) -> Result<Vec<ConversationView>> {
    let rows = {
        let mut conn = ctx.pool.get().await?;
        conversations::page(&mut conn, viewer.id, page).await?
    };
    shown(ctx, viewer, rows).await
}

fn conversation_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| Error::not_found("Record not found"))
}

#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn mark_read(ctx: &AppContext, viewer: &Account, id: &str) -> Result<ConversationView> {
    let row = {
        let mut conn = ctx.pool.get().await?;
        conversations::mark_read(&mut conn, viewer.id, conversation_id(id)?)
            .await?
            .ok_or_else(|| Error::not_found("Record not found"))?
    };
    shown(ctx, viewer, vec![row])
        .await?
        .pop()
        .ok_or_else(|| Error::not_found("Record not found"))
}

#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn remove(ctx: &AppContext, viewer: &Account, id: &str) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    if !conversations::remove(&mut conn, viewer.id, conversation_id(id)?).await? {
        return Err(Error::not_found("Record not found"));
    }
    Ok(())
}
