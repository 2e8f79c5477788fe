//! Tag actors: `@edchat@our.host`, an actor per hashtag in use here that anyone on
//! Mastodon can follow like an account, and that announces every public post
//! carrying its tag that this server sees (written here, received, fetched,
//! relayed), once per post, to its followers.
//!
//! A tag actor is a local account like a group (keys, inbox, outbox, followers,
//! Follow answered at once, Undo, the delivery queue), of type `Service`, whose
//! username is `tag.NAME`: a teacher's username has letters, digits and
//! underscores only, so the two can never collide. Its actor document says
//! `preferredUsername: NAME`, and WebFinger answers `acct:NAME@host` with it only
//! when no account (teacher or group) is called NAME: accounts win.
//!
//! So that a tag actor cannot amplify spam, it announces only original public posts
//! that anyone may see by the visibility rule (not deleted, author neither
//! suspended nor silenced nor on a refused server) whose author's server the domain
//! policy allows; at most [`PER_TAG_PER_HOUR`] posts an hour, and
//! [`PER_AUTHOR_PER_HOUR`] of one author; and nothing when admins switched the tag
//! off (`staffroom tag disable NAME`).

use super::events::Outcome;
use crate::{
    context::AppContext,
    db::{
        accounts::{Account, LocalAccountInsertForm},
        follows::Follow,
        statuses::{Status, Visibility},
        tag_actors::{Listed, TagActor, TagAnnounce},
        AccountId, DbPool, StatusId,
    },
    error::{Error, Result},
    federation::activities::{self, announce, undo},
    services::roles::{self, Acting, Permission, Target},
};
use diesel_async::AsyncConnection;
use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::{Duration, Instant},
};

/// What a tag actor's username starts with (never part of a teacher's username).
pub const USERNAME_PREFIX: &str = "tag.";

/// The longest hashtag that gets an actor.
pub const MAX_NAME_LEN: usize = 60;

/// Posts one tag actor announces in an hour at most; the rest are not announced.
pub const PER_TAG_PER_HOUR: i64 = 60;

/// Posts of one author one tag actor announces in an hour at most.
pub const PER_AUTHOR_PER_HOUR: i64 = 5;

/// The hashtag whose actor `account` is, if it is one.
pub fn tag_of(account: &Account) -> Option<&str> {
    if !account.is_local() || account.actor_type != "Service" {
        return None;
    }
    account.username.strip_prefix(USERNAME_PREFIX)
}

/// `#EdChat` or `edchat` as tags are stored (lower case, no `#`), if it can have an
/// actor: ASCII letters, digits and underscores (a handle Mastodon and WebFinger
/// take as they are), up to [`MAX_NAME_LEN`].
pub fn actor_name(name: &str) -> Option<String> {
    let name = name.trim().trim_start_matches('#').to_lowercase();
    (!name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(name)
}

/// The username a teacher's account check treats as a tag actor's: `tag.NAME`.
pub fn is_tag_username(username: &str) -> bool {
    username
        .strip_prefix(USERNAME_PREFIX)
        .and_then(actor_name)
        .is_some()
}

/// The handle (without host) the tag actor `account` goes by: its hashtag's name,
/// or `tag.NAME` when an account here is called NAME (accounts win; the tag actor
/// stays reachable under its username). `None` for every other account.
pub async fn handle(pool: &DbPool, account: &Account) -> Result<Option<String>> {
    let Some(tag) = tag_of(account) else {
        return Ok(None);
    };
    let mut conn = pool.get().await?;
    Ok(Some(
        if Account::find_local(&mut conn, tag).await?.is_some() {
            account.username.clone()
        } else {
            tag.to_string()
        },
    ))
}

/// The actor of hashtag `name` for WebFinger: the existing one, or one made now
/// when a post here carries the tag. `None` for a name that is not a hashtag in use.
/// Callers ask for an account called `name` first.
pub async fn for_handle(pool: &DbPool, name: &str) -> Result<Option<Account>> {
    let Some(name) = actor_name(name) else {
        return Ok(None);
    };
    let mut conn = pool.get().await?;
    if let Some(actor) = TagActor::find(&mut conn, &name).await? {
        return Ok(Account::find(&mut conn, actor.account_id).await?);
    }
    if !TagActor::in_use(&mut conn, &name).await? {
        return Ok(None);
    }
    drop(conn);
    Ok(Some(create(pool, &name, true).await?.1))
}

/// Makes the actor of `name`, or reads the one another request made first.
async fn create(pool: &DbPool, name: &str, enabled: bool) -> Result<(TagActor, Account)> {
    let keys = tokio::task::spawn_blocking(crate::crypto::generate_rsa_keypair)
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?;
    let form = LocalAccountInsertForm {
        id: AccountId::generate(),
        username: format!("{USERNAME_PREFIX}{name}"),
        display_name: format!("#{name}"),
        note: String::new(),
        locked: false,
        public_key_pem: keys.public_key_pem,
        private_key_pem: Some(keys.private_key_pem),
    };
    let mut conn = pool.get().await?;
    let made = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            let account = Account::insert_local(conn, &form).await?;
            let account = TagActor::make_service(conn, account.id).await?;
            TagActor::insert(conn, name, account.id, enabled).await?;
            Ok(account)
        })
        .await;
    match made {
        Ok(account) => {
            // What this process believed about instances having none is out of date.
            exists_cache().clear();
            tracing::info!(tag = %name, account_id = %account.id, enabled, "tag actor created");
            let actor = TagActor {
                name: name.to_string(),
                account_id: account.id,
                enabled,
            };
            Ok((actor, account))
        }
        // Another request made it between our look-up and our insert.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => {
            let actor = TagActor::find(&mut conn, name)
                .await?
                .ok_or_else(|| Error::internal(anyhow::anyhow!("tag actor {name} vanished")))?;
            let account = Account::find(&mut conn, actor.account_id)
                .await?
                .ok_or_else(|| {
                    Error::internal(anyhow::anyhow!("tag actor {name} has no account"))
                })?;
            Ok((actor, account))
        }
        Err(e) => Err(e.into()),
    }
}

/// Switches the announcing of `name` on or off (admins: CLI and admin pages; needs
/// `ManageTaxonomies`, written to the audit log). A tag not in use yet gets its actor
/// now, so it can be switched off before anyone uses it.
pub async fn set_enabled(
    pool: &DbPool,
    acting: &Acting,
    name: &str,
    enabled: bool,
) -> Result<TagActor> {
    acting.require(Permission::ManageTaxonomies)?;
    let name = actor_name(name).ok_or_else(|| {
        Error::bad_request(format!(
            "{name:?} cannot have a tag actor: use letters a-z, digits and underscores, at most {MAX_NAME_LEN}"
        ))
    })?;
    let mut conn = pool.get().await?;
    if TagActor::find(&mut conn, &name).await?.is_none() {
        drop(conn);
        create(pool, &name, enabled).await?;
        conn = pool.get().await?;
    }
    let actor = conn
        .transaction::<_, Error, _>(async |conn| {
            TagActor::set_enabled(conn, &name, enabled).await?;
            let target = Target {
                kind: "tag",
                id: None,
                name: format!("#{name}"),
            };
            let action = if enabled {
                "tag_actor.enable"
            } else {
                "tag_actor.disable"
            };
            roles::audit(conn, acting, action, &target, "").await?;
            TagActor::find(conn, &name)
                .await?
                .ok_or_else(|| Error::not_found(format!("no tag actor {name}")))
        })
        .await?;
    tracing::info!(tag = %name, enabled, "tag actor switched");
    Ok(actor)
}

/// Every tag actor, by name, with followers and announces.
pub async fn list(pool: &DbPool, acting: &Acting) -> Result<Vec<Listed>> {
    acting.require(Permission::ManageTaxonomies)?;
    let mut conn = pool.get().await?;
    Ok(TagActor::all(&mut conn).await?)
}

/// The tag actor `account`, if it is one (actor documents and WebFinger ask).
pub async fn of_account(pool: &DbPool, account: &Account) -> Result<Option<TagActor>> {
    if tag_of(account).is_none() {
        return Ok(None);
    }
    let mut conn = pool.get().await?;
    Ok(TagActor::by_account(&mut conn, account.id).await?)
}

/// How long this process believes "this instance has no tag actor" before asking the
/// database again. An instance without tag actors (most, most of the time) then
/// spends nothing per stored post; a tag actor made by another process (a second
/// `serve`, the command line) is seen within this time, before anyone could have
/// followed it there and been sent anything.
const NONE_KNOWN_FOR: Duration = Duration::from_secs(5);

/// Per instance (its base URL: tests run several in one process), whether it has a
/// tag actor and when that was last read.
static EXISTS: OnceLock<Mutex<HashMap<String, (Instant, bool)>>> = OnceLock::new();

fn exists_cache() -> std::sync::MutexGuard<'static, HashMap<String, (Instant, bool)>> {
    EXISTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Whether this process knows, freshly, that the instance has no tag actor.
fn known_to_have_none(ctx: &AppContext) -> bool {
    exists_cache()
        .get(ctx.urls.base())
        .is_some_and(|(at, any)| !any && at.elapsed() < NONE_KNOWN_FOR)
}

async fn any_exists(ctx: &AppContext) -> Result<bool> {
    if let Some((at, any)) = exists_cache().get(ctx.urls.base()).copied() {
        if any || at.elapsed() < NONE_KNOWN_FOR {
            return Ok(any);
        }
    }
    let mut conn = ctx.pool.get().await?;
    let any = TagActor::any(&mut conn).await?;
    exists_cache().insert(ctx.urls.base().to_string(), (Instant::now(), any));
    Ok(any)
}

/// A post was stored (written here or received): its tags' actors announce it, in
/// the background (called by the events dispatcher after the commit).
pub fn post_created(ctx: &AppContext, status: StatusId) {
    if known_to_have_none(ctx) {
        return;
    }
    let ctx = ctx.clone();
    spawn(async move {
        let announced = async {
            if any_exists(&ctx).await? {
                announce_post(&ctx, status).await?;
            }
            Ok::<_, Error>(())
        };
        if let Err(e) = announced.await {
            tracing::warn!(status = %status, error = %e, "tag actors could not announce a post");
        }
    });
}

/// A post was deleted: the tag actors that announced it send `Undo` of the Announce.
pub fn post_deleted(ctx: &AppContext, status: StatusId) {
    if known_to_have_none(ctx) {
        return;
    }
    let ctx = ctx.clone();
    spawn(async move {
        let withdrawn = async {
            if any_exists(&ctx).await? {
                withdraw(&ctx, status).await?;
            }
            Ok::<_, Error>(())
        };
        if let Err(e) = withdrawn.await {
            tracing::warn!(status = %status, error = %e, "tag actors could not withdraw an announce");
        }
    });
}

/// Runs `work` on the Tokio runtime the caller is on (a command without one has no
/// federation to do).
fn spawn(work: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(work);
    }
}

/// Announces `status` by each enabled actor of its tags, as the limits allow.
pub async fn announce_post(ctx: &AppContext, status: StatusId) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let actors = TagActor::of_status(&mut conn, status).await?;
    if actors.is_empty() {
        return Ok(());
    }
    let Some(post) = Status::find(&mut conn, status).await? else {
        return Ok(());
    };
    if post.reblog_of_id.is_some()
        || post.visibility() != Visibility::Public
        || !super::visibility::may_see(&mut conn, None, &post).await?
    {
        return Ok(());
    }
    let Some(author) = Account::find(&mut conn, post.account_id).await? else {
        return Ok(());
    };
    if tag_of(&author).is_some() {
        return Ok(());
    }
    if let Some(uri) = author.uri.as_deref().filter(|_| !author.is_local()) {
        if ctx.blocks.is_blocked_url(&ctx.pool, uri).await {
            return Ok(());
        }
    }
    let post_uri = ctx.urls.status_uri(&post, &author);
    let author_id = ctx.urls.actor_id(&author);
    let since = chrono::Utc::now() - chrono::Duration::hours(1);
    for actor in actors {
        let Some(tag_account) = Account::find(&mut conn, actor.account_id).await? else {
            continue;
        };
        let outcome = conn
            .transaction::<_, Error, _>(async |conn| {
                TagActor::lock(conn, actor.account_id).await?;
                let (of_tag, of_author) =
                    TagAnnounce::recent(conn, actor.account_id, author.id, since).await?;
                if of_tag >= PER_TAG_PER_HOUR || of_author >= PER_AUTHOR_PER_HOUR {
                    tracing::info!(tag = %actor.name, status = %post.id, author = %author_id, of_tag, of_author, "tag actor skipped a post: over its hourly bound");
                    return Ok(Outcome::none());
                }
                if !TagAnnounce::claim(conn, actor.account_id, post.id, author.id, &post_uri)
                    .await?
                {
                    return Ok(Outcome::none());
                }
                let inboxes = Follow::follower_inboxes(conn, actor.account_id).await?;
                let activity = announce::build_tag(
                    ctx,
                    &tag_account,
                    post.id,
                    &post_uri,
                    Some(author_id.clone()),
                );
                let n = activities::queue(conn, ctx, &tag_account, &activity, inboxes).await?;
                tracing::info!(tag = %actor.name, status = %post.id, deliveries = n, "tag actor announced a post");
                Ok(Outcome::none().delivering(n))
            })
            .await?;
        ctx.dispatch(outcome);
    }
    Ok(())
}

/// Sends `Undo{Announce}` for each announce of the deleted post `status`, once.
pub async fn withdraw(ctx: &AppContext, status: StatusId) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let outcome = conn
        .transaction::<_, Error, _>(async |conn| {
            let mut n = 0;
            for done in TagAnnounce::take_for_undo(conn, status).await? {
                let Some(tag_account) = Account::find(conn, done.account_id).await? else {
                    continue;
                };
                let announced =
                    announce::build_tag(ctx, &tag_account, status, &done.object_uri, None);
                let inboxes = Follow::follower_inboxes(conn, done.account_id).await?;
                n += activities::queue(
                    conn,
                    ctx,
                    &tag_account,
                    &undo::build(ctx, &tag_account, &announced),
                    inboxes,
                )
                .await?;
                tracing::info!(tag_actor = %tag_account.username, status = %status, "tag actor withdrew its announce of a deleted post");
            }
            Ok(Outcome::none().delivering(n))
        })
        .await?;
    ctx.dispatch(outcome);
    Ok(())
}
