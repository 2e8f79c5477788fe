//! Our posts as other servers (and anonymous browsers) read them: the post itself,
//! an account's outbox, a post's replies. Who may see each is asked of `visibility`.

use super::visibility::may_see;
use crate::{
    context::AppContext,
    db::media::Media,
    db::{accounts::Account, pagination::Page, statuses::Status, timelines, AccountId, StatusId},
    error::{Error, ErrorKind, Result},
};

/// One of our posts with what it takes to show it.
pub struct PostView {
    pub status: Status,
    pub author: Account,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
    pub in_reply_to: Option<String>,
    pub media: Vec<Media>,
    pub poll: Option<crate::db::polls::Poll>,
    /// Our custom emoji its text uses.
    pub emojis: Vec<crate::db::emojis::Emoji>,
}

/// A local post for a reader: `viewer` is the remote actor that signed the fetch,
/// if any (None for an unsigned fetch or a browser). Those who may not see it
/// (services::visibility) get "not found", as if it did not exist; a deleted post
/// is Gone, so that servers drop their copies.
pub async fn local_post(
    ctx: &AppContext,
    username: &str,
    id: StatusId,
    viewer: Option<AccountId>,
) -> Result<PostView> {
    let author = crate::services::accounts::find_local_account(&ctx.pool, username).await?;
    let mut conn = ctx.pool.get().await?;
    let status = Status::find(&mut conn, id)
        .await?
        .filter(|s| s.account_id == author.id && s.local && s.reblog_of_id.is_none())
        .ok_or_else(|| Error::not_found("no such post"))?;
    if status.deleted_at.is_some() {
        return Err(Error::new(ErrorKind::Gone, "this post was deleted"));
    }
    if !may_see(&mut conn, viewer, &status).await? {
        return Err(Error::not_found("no such post"));
    }
    let mentioned = Status::mentioned_accounts(&mut conn, status.id).await?;
    let tags = Status::tags(&mut conn, status.id).await?;
    let in_reply_to = match status.in_reply_to_id {
        Some(parent_id) => match Status::find(&mut conn, parent_id).await? {
            Some(parent) => Account::find(&mut conn, parent.account_id)
                .await?
                .map(|a| ctx.urls.status_uri(&parent, &a)),
            None => status.in_reply_to_uri.clone(),
        },
        None => status.in_reply_to_uri.clone(),
    };
    let media = Media::of_statuses(&mut conn, &[status.id]).await?;
    let poll = crate::db::polls::Poll::of_status(&mut conn, status.id).await?;
    let emojis = crate::services::emojis::used(
        &mut conn,
        None,
        &[
            status.text.as_deref().unwrap_or(&status.content),
            &status.spoiler_text,
        ],
    )
    .await?;
    Ok(PostView {
        status,
        author,
        mentioned,
        tags,
        in_reply_to,
        media,
        poll,
        emojis,
    })
}

/// A post found by `local_post` as `viewer` (a signed-in reader, or nobody) sees it
/// on its page: with its images, its poll (and the viewer's votes) and its card.
pub async fn as_seen(
    ctx: &AppContext,
    post: PostView,
    viewer: Option<&Account>,
) -> Result<crate::services::status_views::StatusView> {
    let mut conn = ctx.pool.get().await?;
    crate::services::status_views::view(&mut conn, post.status, viewer).await
}

/// What our actor document says beyond the account row: migration (aliases, where
/// it moved), and the custom emoji of ours its name and bio use.
pub struct ActorExtras {
    pub moving: crate::services::moving::Moving,
    pub emojis: Vec<crate::db::emojis::Emoji>,
}

/// `ActorExtras` of a local account, inside the caller's transaction when there is one.
pub async fn actor_extras_in(
    conn: &mut diesel_async::AsyncPgConnection,
    ctx: &AppContext,
    account: &Account,
) -> Result<ActorExtras> {
    let moving = crate::services::moving::moving_in(conn, ctx, account).await?;
    let emojis =
        crate::services::emojis::used(conn, None, &[&account.display_name, &account.note]).await?;
    Ok(ActorExtras { moving, emojis })
}

pub async fn actor_extras(ctx: &AppContext, account: &Account) -> Result<ActorExtras> {
    let mut conn = ctx.pool.get().await?;
    actor_extras_in(&mut conn, ctx, account).await
}

/// One item of an outbox page: a post with its mentions and hashtags, or a boost
/// with the boosted post and its author.
pub struct OutboxItem {
    pub status: Status,
    pub boosted: Option<(Status, Account)>,
    pub mentioned: Vec<Account>,
    pub tags: Vec<String>,
    pub media: Vec<Media>,
    pub poll: Option<crate::db::polls::Poll>,
    pub emojis: Vec<crate::db::emojis::Emoji>,
}

/// A page of an account's posts and boosts for its outbox, newest first, as
/// `viewer` (the actor that signed the fetch, if any) may see them, with the total.
pub async fn outbox(
    ctx: &AppContext,
    author: &Account,
    viewer: Option<AccountId>,
    max_id: Option<StatusId>,
    limit: i64,
) -> Result<(i64, Vec<OutboxItem>)> {
    let mut conn = ctx.pool.get().await?;
    let total = timelines::count_account(&mut conn, viewer, author.id).await?;
    let filter = timelines::AccountFilter::default();
    let page = Page {
        max_id: max_id.map(|m| m.0),
        limit,
        ..Page::default()
    };
    let mut items = Vec::new();
    for status in timelines::account(&mut conn, viewer, author.id, &filter, page).await? {
        let boosted = match status.reblog_of_id {
            Some(id) => match Status::find(&mut conn, id).await? {
                Some(original) => Account::find(&mut conn, original.account_id)
                    .await?
                    .map(|a| (original, a)),
                None => None,
            },
            None => None,
        };
        let mentioned = Status::mentioned_accounts(&mut conn, status.id).await?;
        let tags = Status::tags(&mut conn, status.id).await?;
        let media = if boosted.is_none() {
            Media::of_statuses(&mut conn, &[status.id]).await?
        } else {
            Vec::new()
        };
        let poll = if boosted.is_none() {
            crate::db::polls::Poll::of_status(&mut conn, status.id).await?
        } else {
            None
        };
        let emojis = if boosted.is_none() {
            crate::services::emojis::used(
                &mut conn,
                None,
                &[
                    status.text.as_deref().unwrap_or(&status.content),
                    &status.spoiler_text,
                ],
            )
            .await?
        } else {
            Vec::new()
        };
        items.push(OutboxItem {
            status,
            boosted,
            mentioned,
            tags,
            media,
            poll,
            emojis,
        });
    }
    Ok((total, items))
}

/// The replies to one of our posts that `viewer` may see, oldest first after
/// `after`, with their ActivityPub ids; and how many there are in all.
pub async fn replies(
    ctx: &AppContext,
    username: &str,
    id: StatusId,
    viewer: Option<AccountId>,
    after: Option<StatusId>,
    limit: i64,
) -> Result<(i64, Vec<(StatusId, String)>)> {
    let parent = local_post(ctx, username, id, viewer).await?;
    let mut conn = ctx.pool.get().await?;
    let (total, rows) =
        timelines::replies(&mut conn, viewer, parent.status.id, after, limit).await?;
    Ok((
        total,
        rows.iter()
            .map(|(s, a)| (s.id, ctx.urls.status_uri(s, a)))
            .collect(),
    ))
}
