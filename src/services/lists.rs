//! Lists (Mastodon's): a teacher groups accounts they follow, reads their posts as
//! a timeline of its own (`db::timelines::list` says which posts), and may keep
//! those accounts out of home (`exclusive`). Only the owner sees or changes a list;
//! someone else's list is "not found", as if it did not exist.

use super::{
    filters::{self, Context},
    status_views::{views, StatusView},
};
use crate::{
    context::AppContext,
    db::{
        account_lists::{self, AccountCounts},
        accounts::Account,
        lists::{self, List, ListChange},
        pagination::Page,
        timelines, AccountId,
    },
    error::{Error, Result},
};

/// Lists one teacher may have, and members one list may have: enough for a large
/// network, and a bound on what a list's page costs (members × page size).
pub const MAX_LISTS: i64 = 50;
pub const MAX_MEMBERS: i64 = 1000;
pub const MAX_TITLE_CHARS: usize = 256;

pub const REPLIES_POLICIES: [&str; 3] = ["followed", "list", "none"];

fn not_found() -> Error {
    Error::not_found("Record not found")
}

use super::validation_failed as unprocessable;

fn parse_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| not_found())
}

fn checked_title(title: &str) -> Result<String> {
    super::checked_title(title, MAX_TITLE_CHARS)
}

fn checked_policy(policy: &str) -> Result<String> {
    if REPLIES_POLICIES.contains(&policy) {
        Ok(policy.to_string())
    } else {
        Err(unprocessable(format!(
            "Replies policy {policy:?} is not one of followed, list, none"
        )))
    }
}

pub async fn all(ctx: &AppContext, owner: &Account) -> Result<Vec<List>> {
    let mut conn = ctx.pool.get().await?;
    Ok(lists::of_owner(&mut conn, owner.id).await?)
}

pub async fn get(ctx: &AppContext, owner: &Account, id: &str) -> Result<List> {
    let mut conn = ctx.pool.get().await?;
    lists::find(&mut conn, owner.id, parse_id(id)?)
        .await?
        .ok_or_else(not_found)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username))]
pub async fn create(
    ctx: &AppContext,
    owner: &Account,
    title: &str,
    replies_policy: Option<&str>,
    exclusive: bool,
) -> Result<List> {
    let title = checked_title(title)?;
    let policy = checked_policy(replies_policy.unwrap_or("list"))?;
    let mut conn = ctx.pool.get().await?;
    if lists::count(&mut conn, owner.id).await? >= MAX_LISTS {
        return Err(unprocessable(format!(
            "You can have at most {MAX_LISTS} lists"
        )));
    }
    Ok(lists::create(&mut conn, owner.id, &title, &policy, exclusive).await?)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, list = id))]
pub async fn update(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    title: Option<&str>,
    replies_policy: Option<&str>,
    exclusive: Option<bool>,
) -> Result<List> {
    let change = ListChange {
        title: title.map(checked_title).transpose()?,
        replies_policy: replies_policy.map(checked_policy).transpose()?,
        exclusive,
    };
    let mut conn = ctx.pool.get().await?;
    lists::update(&mut conn, owner.id, parse_id(id)?, &change)
        .await?
        .ok_or_else(not_found)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, list = id))]
pub async fn delete(ctx: &AppContext, owner: &Account, id: &str) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    if lists::delete(&mut conn, owner.id, parse_id(id)?).await? {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// A page of a list's members with their counts; `limit` 0 means all of them, as
/// on Mastodon.
pub async fn members(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    page: Page,
) -> Result<Vec<(i64, Account, AccountCounts)>> {
    let list = get(ctx, owner, id).await?;
    let mut conn = ctx.pool.get().await?;
    let page = if page.limit == 0 {
        Page {
            limit: MAX_MEMBERS,
            ..page
        }
    } else {
        page
    };
    let rows = lists::members(&mut conn, list.id, page).await?;
    let ids: Vec<AccountId> = rows.iter().map(|(_, a)| a.id).collect();
    let counts = account_lists::counts(&mut conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(k, a)| {
            let c = counts
                .iter()
                .find(|c| c.id == a.id.0)
                .cloned()
                .unwrap_or_default();
            (k, a, c)
        })
        .collect())
}

fn account_ids(ids: &[String]) -> Result<Vec<AccountId>> {
    ids.iter()
        .map(|i| i.trim().parse().map(AccountId).map_err(|_| not_found()))
        .collect()
}

/// Adds accounts to a list: each must be one the owner follows or asked to follow
/// (or the owner), as Mastodon requires.
#[tracing::instrument(skip_all, fields(owner = %owner.username, list = id))]
pub async fn add_members(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    accounts: &[String],
) -> Result<()> {
    let list = get(ctx, owner, id).await?;
    let mut wanted = account_ids(accounts)?;
    wanted.sort();
    wanted.dedup();
    if wanted.is_empty() {
        return Err(unprocessable("Account ids can't be blank"));
    }
    let mut conn = ctx.pool.get().await?;
    let found = crate::db::status_batch::accounts(&mut conn, &wanted).await?;
    if found.len() != wanted.len() {
        return Err(not_found());
    }
    let follows = lists::follows_of(&mut conn, owner.id, &wanted).await?;
    let mut members = Vec::with_capacity(wanted.len());
    for account in &wanted {
        if *account == owner.id {
            members.push((*account, None));
            continue;
        }
        match follows.iter().find(|(target, _)| target == account) {
            Some((_, follow)) => members.push((*account, Some(*follow))),
            None => {
                return Err(unprocessable(
                    "You can only add accounts you follow to a list",
                ))
            }
        }
    }
    if lists::count_members(&mut conn, list.id).await? + members.len() as i64 > MAX_MEMBERS {
        return Err(unprocessable(format!(
            "A list can have at most {MAX_MEMBERS} accounts"
        )));
    }
    lists::add_members(&mut conn, list.id, &members).await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, list = id))]
pub async fn remove_members(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    accounts: &[String],
) -> Result<()> {
    let list = get(ctx, owner, id).await?;
    let ids = account_ids(accounts)?;
    let mut conn = ctx.pool.get().await?;
    lists::remove_members(&mut conn, list.id, &ids).await?;
    Ok(())
}

/// The owner's lists that have the account `member`.
pub async fn holding(ctx: &AppContext, owner: &Account, member: AccountId) -> Result<Vec<List>> {
    let mut conn = ctx.pool.get().await?;
    Ok(lists::holding(&mut conn, owner.id, member).await?)
}

/// A list's timeline, as its owner's filters for home leave it.
pub async fn timeline(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    page: Page,
) -> Result<Vec<StatusView>> {
    let list = get(ctx, owner, id).await?;
    let mut conn = ctx.pool.get().await?;
    let active = filters::active(&mut conn, owner).await?;
    filters::fill(&active, Context::Home, page, async |page| {
        let statuses = timelines::list(&mut conn, &list, page).await?;
        views(&mut conn, statuses, Some(owner)).await
    })
    .await
}
