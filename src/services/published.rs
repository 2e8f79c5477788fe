//! Our posts as other servers (and anonymous browsers) read them: the post itself,
//! an account's outbox, a post's replies. Who may see each is asked of `visibility`.

use crate::{
    context::AppContext,
    db::{accounts::Account, statuses::{Status, Visibility}, AccountId, StatusId},
    error::{Error, ErrorKind, Result},
};

/// One of our posts with what it takes to show it.
pub struct PostView {
    pub status: Status,
    pub author: Account,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
    pub in_reply_to: Option<String>,
}

/// A local post for a reader: `viewer` is the remote actor that signed the fetch,
/// if any. Followers-only and direct posts are shown only to those allowed to see
/// them; others get "not found", as if the post did not exist. A deleted post is Gone.
pub async fn local_post(ctx: &AppContext, username: &str, id: StatusId, viewer: Option<AccountId>) -> Result<PostView> {
    let author = crate::services::accounts::find_local_account(&ctx.pool, username).await?;
    let mut conn = ctx.pool.get().await?;
    let status = Status::find(&mut conn, id)
        .await?
        .filter(|s| s.account_id == author.id && s.local && s.reblog_of_id.is_none())
        .ok_or_else(|| Error::not_found("no such post"))?;
    if status.deleted_at.is_some() {
        return Err(Error::new(ErrorKind::Gone, "this post was deleted"));
    }
    let mentioned = Status::mentioned_accounts(&mut conn, status.id).await?;
    if status.visibility() >= Visibility::Private {
        let allowed = match viewer {
            None => false,
            Some(v) if v == author.id => true,
            Some(v) => {
                mentioned.iter().any(|a| a.id == v)
                    || (status.visibility() == Visibility::Private
                        && crate::db::follows::Follow::find(&mut conn, v, author.id).await?.is_some_and(|f| f.accepted))
            }
        };
        if !allowed {
            return Err(Error::not_found("no such post"));
        }
    }
    let tags = Status::tags(&mut conn, status.id).await?;
    let in_reply_to = match status.in_reply_to_id {
        Some(parent_id) => match Status::find(&mut conn, parent_id).await? {
            Some(parent) => Account::find(&mut conn, parent.account_id).await?.map(|a| ctx.urls.status_uri(&parent, &a)),
            None => status.in_reply_to_uri.clone(),
        },
        None => status.in_reply_to_uri.clone(),
    };
    Ok(PostView { status, author, mentioned, tags, in_reply_to })
}

/// A page of an account's public posts and boosts for its outbox, with what each needs.
pub async fn outbox(ctx: &AppContext, author: &Account, max_id: Option<StatusId>, limit: i64) -> Result<(i64, Vec<(Status, Option<(Status, Account)>, Vec<Account>, Vec<String>)>)> {
    let mut conn = ctx.pool.get().await?;
    let total = Status::count_outbox(&mut conn, author.id).await?;
    let mut items = Vec::new();
    for status in Status::outbox_page(&mut conn, author.id, max_id, limit).await? {
        let boosted = match status.reblog_of_id {
            Some(id) => match Status::find(&mut conn, id).await? {
                Some(original) => Account::find(&mut conn, original.account_id).await?.map(|a| (original, a)),
                None => None,
            },
            None => None,
        };
        let mentioned = Status::mentioned_accounts(&mut conn, status.id).await?;
        let tags = Status::tags(&mut conn, status.id).await?;
        items.push((status, boosted, mentioned, tags));
    }
    Ok((total, items))
}
