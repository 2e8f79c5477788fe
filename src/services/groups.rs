//! Subject groups hosted here (FEP-1b12, as Guppe and Lemmy run them): a local
//! account of type `Group` that people on any server follow to join, and that
//! relays to all its members each post of a member that mentions it.
//!
//! Joining is a Follow: answered at once for an open group, kept for a moderator's
//! approval in a closed one (the default: groups may hold pupils' work). Moderators
//! (the creator, and accounts added) approve and refuse members, remove members and
//! remove posts. A members-only group addresses what it relays to its members
//! alone, never Public.

use super::events::{Event, Outcome};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        follows::Follow,
        groups::Group,
        statuses::{Status, StatusInsertForm, Visibility},
        users::User,
        AccountId, StatusId,
    },
    error::{Error, ErrorKind, Result},
    federation::activities::{self, announce, create_note, inbox_of, undo},
    services::accounts::{self, NewUser},
};
use diesel_async::AsyncConnection;
use serde_json::Value;

/// What `create` makes.
#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    pub name: String,
    pub display_name: Option<String>,
    /// Anyone who follows is a member at once; otherwise a moderator approves.
    pub open: bool,
    /// What the group relays is addressed to its members only.
    pub members_only: bool,
    /// The account creating it, its first moderator.
    pub creator: Option<AccountId>,
}

/// A group hosted here with how it is run.
#[derive(Debug, Clone)]
pub struct HostedGroup {
    pub account: Account,
    pub members_only: bool,
    pub moderators: Vec<Account>,
}

/// Creates the group: a local account no one signs in as (its user is disabled),
/// of type `Group`, closed unless `open`, with its creator as moderator.
pub async fn create(pool: &crate::db::DbPool, new: NewGroup) -> Result<Account> {
    let created = accounts::create_local_user(
        pool,
        NewUser {
            username: new.name.clone(),
            display_name: new.display_name,
            password: None,
            admin: false,
        },
    )
    .await?;
    let mut conn = pool.get().await?;
    let group = conn
        .transaction::<_, Error, _>(async |conn| {
            User::set_disabled(conn, created.user.id, true).await?;
            let group = Account::make_group(conn, created.account.id, !new.open).await?;
            Group::insert(conn, group.id, new.members_only).await?;
            if let Some(creator) = new.creator {
                Group::add_moderator(conn, group.id, creator).await?;
            }
            Ok(group)
        })
        .await?;
    tracing::info!(group = %group.username, open = new.open, members_only = new.members_only, "group created");
    Ok(group)
}

/// The group hosted here named `name`.
pub async fn find_by_name(pool: &crate::db::DbPool, name: &str) -> Result<HostedGroup> {
    let mut conn = pool.get().await?;
    let account = Account::find_local(&mut conn, name)
        .await?
        .ok_or_else(|| Error::not_found(format!("no group called {name} here")))?;
    hosted(&mut conn, account).await
}

/// `account` as a group hosted here, with its moderators.
pub async fn hosted(
    conn: &mut diesel_async::AsyncPgConnection,
    account: Account,
) -> Result<HostedGroup> {
    let Some(group) = Group::find(conn, account.id).await? else {
        return Err(Error::not_found(format!(
            "{} is not a group hosted here",
            account.username
        )));
    };
    let moderators = Group::moderators(conn, account.id).await?;
    Ok(HostedGroup {
        account,
        members_only: group.members_only,
        moderators,
    })
}

/// The group `id` hosted here, if it is one (profile pages ask).
pub async fn hosted_by_id(ctx: &AppContext, id: AccountId) -> Result<Option<HostedGroup>> {
    let mut conn = ctx.pool.get().await?;
    let Some(account) = Account::find(&mut conn, id)
        .await?
        .filter(Account::is_local)
    else {
        return Ok(None);
    };
    if Group::find(&mut conn, id).await?.is_none() {
        return Ok(None);
    }
    hosted(&mut conn, account).await.map(Some)
}

/// The group `id`, when `moderator` moderates it; refused otherwise. Every
/// moderation action of the client API and the web asks this first.
pub async fn moderated(
    ctx: &AppContext,
    moderator: &Account,
    id: AccountId,
) -> Result<HostedGroup> {
    let group = hosted_by_id(ctx, id)
        .await?
        .ok_or_else(|| Error::not_found("no such group"))?;
    if !group.moderators.iter().any(|m| m.id == moderator.id) {
        return Err(Error::new(
            ErrorKind::Forbidden,
            "only the group's moderators can do that",
        ));
    }
    Ok(group)
}

/// The groups `account` moderates.
pub async fn moderated_by(ctx: &AppContext, account: AccountId) -> Result<Vec<Account>> {
    let mut conn = ctx.pool.get().await?;
    Ok(Group::moderated_by(&mut conn, account).await?)
}

/// Every group hosted here, with whether it is members-only.
pub async fn all(pool: &crate::db::DbPool) -> Result<Vec<(Account, bool)>> {
    let mut conn = pool.get().await?;
    Ok(Group::all(&mut conn)
        .await?
        .into_iter()
        .map(|(a, g)| (a, g.members_only))
        .collect())
}

/// Makes `account` a moderator of `group` (a local account: moderation happens here).
pub async fn add_moderator(
    pool: &crate::db::DbPool,
    group: &HostedGroup,
    account: &Account,
) -> Result<()> {
    if !account.is_local() || account.actor_type == "Group" {
        return Err(Error::bad_request(
            "a moderator is a teacher's account on this server",
        ));
    }
    let mut conn = pool.get().await?;
    Group::add_moderator(&mut conn, group.account.id, account.id).await?;
    tracing::info!(group = %group.account.username, moderator = %account.username, "moderator added");
    Ok(())
}

pub async fn remove_moderator(
    pool: &crate::db::DbPool,
    group: &HostedGroup,
    account: &Account,
) -> Result<()> {
    let mut conn = pool.get().await?;
    if Group::remove_moderator(&mut conn, group.account.id, account.id).await? == 0 {
        return Err(Error::not_found(format!(
            "{} does not moderate {}",
            account.username, group.account.username
        )));
    }
    tracing::info!(group = %group.account.username, moderator = %account.username, "moderator removed");
    Ok(())
}

/// Who asks to join (the first 200, oldest first).
pub async fn pending(pool: &crate::db::DbPool, group: &HostedGroup) -> Result<Vec<Account>> {
    let mut conn = pool.get().await?;
    let page = crate::db::pagination::Page {
        limit: 200,
        ..Default::default()
    };
    let mut rows = crate::db::account_lists::requesters(&mut conn, group.account.id, page).await?;
    rows.reverse();
    Ok(rows.into_iter().map(|(_, a)| a).collect())
}

/// An account by `name` (here) or `name@host` (known here), as the command line names them.
pub async fn account_by_handle(pool: &crate::db::DbPool, handle: &str) -> Result<Account> {
    let handle = handle.trim_start_matches('@');
    let mut conn = pool.get().await?;
    let found = match handle.split_once('@') {
        Some((name, host)) => Account::find_remote(&mut conn, name, host).await?,
        None => Account::find_local(&mut conn, handle).await?,
    };
    found.ok_or_else(|| Error::not_found(format!("no account {handle} is known here")))
}

/// `name` for an account here, `name@host` for another server's.
pub fn handle(account: &Account) -> String {
    match &account.domain {
        Some(d) => format!("{}@{d}", account.username),
        None => account.username.clone(),
    }
}

/// A moderator lets `follower` in: the same approval as any locked account's
/// (a remote follower is sent Accept).
pub async fn approve(ctx: &AppContext, group: &HostedGroup, follower: &Account) -> Result<()> {
    super::follows::authorize(ctx, &group.account, follower).await
}

/// A moderator refuses a request, or removes a member: the follow ends, and a
/// remote follower is sent Reject of its Follow (which Mastodon, Lemmy and we take
/// as the end of an accepted follow too).
pub async fn remove_member(
    ctx: &AppContext,
    group: &HostedGroup,
    follower: &Account,
) -> Result<()> {
    super::follows::reject(ctx, &group.account, follower).await
}

/// The reason Lemmy shows for a removal when the moderator gave none.
const REMOVED: &str = "Removed by a moderator";

/// A moderator (`by`, or the group itself from the command line) removes a post
/// the group relayed (`id`: the post, or the group's boost of it). The group's
/// boost is withdrawn (`Undo{Announce}`, what Mastodon understands) and the removal
/// announced (`Announce{Delete}` by the moderator, what Lemmy and Mbin understand),
/// to all members and the author. Our copy of another server's post goes; a post
/// written here stays its author's.
pub async fn remove_post(
    ctx: &AppContext,
    group: &HostedGroup,
    by: Option<&Account>,
    id: StatusId,
    reason: Option<&str>,
) -> Result<()> {
    let g = &group.account;
    let mut conn = ctx.pool.get().await?;
    let post = Status::find(&mut conn, id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    let post = match post.reblog_of_id {
        Some(original) if post.account_id == g.id => Status::find(&mut conn, original)
            .await?
            .ok_or_else(|| Error::not_found("no such post"))?,
        _ => post,
    };
    let reblog = Status::find_reblog(&mut conn, g.id, post.id)
        .await?
        .ok_or_else(|| Error::not_found("the group did not relay that post"))?;
    let author = Account::find(&mut conn, post.account_id)
        .await?
        .ok_or_else(|| Error::not_found("no such post"))?;
    let remote_copy = !author.is_local();
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let post_uri = ctx.urls.status_uri(&post, &author);
            let members_only = reblog.visibility() > Visibility::Unlisted;
            let (to, cc) = announce::group_audience(ctx, g, Some(&author), members_only);
            let mut inboxes = Follow::follower_inboxes(conn, g.id).await?;
            inboxes.extend(inbox_of(&author));
            let remover = by.map_or_else(|| ctx.urls.actor(&g.username), |m| ctx.urls.actor_id(m));
            let removal = crate::federation::protocol::activities::GroupRemoval {
                id: ctx.urls.activity(
                    by.map_or(&g.username, |m| &m.username),
                    "removes",
                    crate::db::new_id(),
                ),
                kind: "Delete",
                actor: remover,
                object: post_uri.clone(),
                to: to.clone(),
                cc: vec![ctx.urls.actor(&g.username)],
                audience: ctx.urls.actor(&g.username),
                summary: reason
                    .filter(|r| !r.trim().is_empty())
                    .unwrap_or(REMOVED)
                    .to_string(),
            };
            let relayed = announce::build_relay(
                ctx,
                g,
                ctx.urls
                    .activity(&g.username, "announces/removes", crate::db::new_id()),
                removal,
                to,
                cc,
            );
            let mut n = activities::queue(conn, ctx, g, &relayed, inboxes.clone()).await?;
            let boosted = announce::build_group(ctx, g, &reblog, &post_uri, &author, members_only);
            n += activities::queue(conn, ctx, g, &undo::build(ctx, g, &boosted), inboxes).await?;
            Status::delete_row(conn, reblog.id).await?;
            let mut outcome = Outcome::of(Event::Unreblogged {
                reblog: reblog.id,
                original: post.id,
                account: g.id,
            })
            .delivering(n);
            if remote_copy && Status::delete_row(conn, post.id).await? > 0 {
                outcome = outcome.with(Event::PostDeleted {
                    status: post.id,
                    author: author.id,
                });
            }
            Ok(outcome)
        })
        .await?;
    tracing::info!(group = %g.username, status = %post.id, moderator = %by.map(|m| m.username.as_str()).unwrap_or("-"), "post removed from the group");
    ctx.dispatch(outcome);
    Ok(())
}

/// A new post `status` by `author` mentions `mentioned`: each local group among
/// them that `author` is a member of (follows, accepted) relays it to all its
/// members. Public and unlisted posts only, as boosts are.
/// `mentioned` is `None` when the caller does not have them at hand (they are read);
/// `create` is the id of the `Create` that brought a remote post, if it came in one.
pub async fn relay_new_post(
    ctx: &AppContext,
    status: StatusId,
    author: AccountId,
    mentioned: Option<&[AccountId]>,
    create: Option<&str>,
) {
    if mentioned.is_some_and(|m| m.is_empty()) {
        return;
    }
    if let Err(e) = relay(ctx, status, author, mentioned, create).await {
        tracing::warn!(status = %status, error = %e, "a group could not relay a member's post");
    }
}

async fn relay(
    ctx: &AppContext,
    status: StatusId,
    author: AccountId,
    mentioned: Option<&[AccountId]>,
    create: Option<&str>,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let groups = match mentioned {
        Some(ids) => Account::local_groups_among(&mut conn, ids).await?,
        None => Status::mentioned_accounts(&mut conn, status)
            .await?
            .into_iter()
            .filter(|a| a.is_local() && a.actor_type == "Group")
            .collect(),
    };
    if groups.is_empty() {
        return Ok(());
    }
    let Some(post) = Status::find(&mut conn, status)
        .await?
        .filter(|p| p.deleted_at.is_none() && p.visibility() <= Visibility::Unlisted)
    else {
        return Ok(());
    };
    let Some(author) = Account::find(&mut conn, author).await? else {
        return Ok(());
    };
    for group in groups {
        if !Follow::find(&mut conn, author.id, group.id)
            .await?
            .is_some_and(|f| f.accepted)
        {
            continue;
        }
        let members_only = Group::find(&mut conn, group.id)
            .await?
            .is_some_and(|g| g.members_only);
        drop(conn);
        relay_one(ctx, &group, &post, &author, members_only, create).await?;
        conn = ctx.pool.get().await?;
    }
    Ok(())
}

/// `group` relays `post`: its boost (stored here, as Mastodon shows a group's
/// posts) sent as `Announce{post}` for Mastodon and the like, and, as Lemmy reads
/// only announced activities (FEP-1b12), the `Create` too: embedded when the post
/// was written here, by id when it came from another server. Lemmy sends both
/// forms alike.
async fn relay_one(
    ctx: &AppContext,
    group: &Account,
    post: &Status,
    author: &Account,
    members_only: bool,
    create: Option<&str>,
) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            if Status::find_reblog(conn, group.id, post.id)
                .await?
                .is_some()
            {
                return Ok(Outcome::none());
            }
            let visibility = if members_only {
                Visibility::Private
            } else {
                Visibility::Public
            };
            let reblog = Status::insert(conn, &reblog_form(group, post, visibility)).await?;
            let post_uri = ctx.urls.status_uri(post, author);
            let (to, cc) = announce::group_audience(ctx, group, Some(author), members_only);
            let mut inboxes = Follow::follower_inboxes(conn, group.id).await?;
            inboxes.extend(inbox_of(author));
            let inner = if author.is_local() {
                let (created, _) = create_note::build(conn, ctx, post, author, "Create").await?;
                Some(
                    serde_json::to_value(crate::federation::protocol::activity::OutgoingActivity {
                        context: None,
                        ..created
                    })
                    .map_err(Error::internal)?,
                )
            } else {
                create.map(|id| Value::String(id.to_string()))
            };
            let mut n = 0;
            if let Some(inner) = inner {
                let relayed = announce::build_relay(
                    ctx,
                    group,
                    ctx.urls
                        .activity(&group.username, "announces/creates", reblog.id),
                    inner,
                    to,
                    cc,
                );
                n += activities::queue(conn, ctx, group, &relayed, inboxes.clone()).await?;
            }
            n += activities::queue(
                conn,
                ctx,
                group,
                &announce::build_group(ctx, group, &reblog, &post_uri, author, members_only),
                inboxes,
            )
            .await?;
            Ok(Outcome::of(Event::Reblogged {
                reblog: reblog.id,
                original: post.id,
                account: group.id,
            })
            .delivering(n))
        })
        .await?;
    if !outcome.is_empty() {
        tracing::info!(group = %group.username, status = %post.id, members_only, "group relayed a member's post");
    }
    ctx.dispatch(outcome);
    Ok(())
}

fn reblog_form(group: &Account, post: &Status, visibility: Visibility) -> StatusInsertForm {
    StatusInsertForm {
        id: StatusId::generate(),
        account_id: group.id,
        uri: None,
        url: None,
        content: String::new(),
        spoiler_text: String::new(),
        sensitive: false,
        visibility: visibility as i16,
        language: None,
        in_reply_to_id: None,
        in_reply_to_uri: None,
        in_reply_to_account_id: None,
        reblog_of_id: Some(post.id),
        local: true,
        text: None,
        object_type: "Note".into(),
        title: None,
        created_at: chrono::Utc::now(),
    }
}
