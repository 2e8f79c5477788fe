//! Hashtags as a teacher meets them: one tag with its recent use and whether they
//! follow it, following and unfollowing, the tags they follow. What following does
//! (public posts with the tag enter their home timeline, and so their `user` stream)
//! is kept by the database as the rest of home is (migration
//! `2026-12-02-163000_followed_tags`); the visibility rule applies when home is read.
//! Also the hashtags a teacher features on their profile.

use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        pagination::Page,
        tags::{self, DayUse},
    },
    error::{Error, Result},
};

/// Days of history a tag shows, today included (Mastodon's seven).
pub const HISTORY_DAYS: i64 = 7;

#[derive(Debug, Clone)]
pub struct TagView {
    /// Lower case, without `#`.
    pub name: String,
    /// Whether the viewer follows it, features it on their profile (None: nobody signed in).
    pub following: Option<bool>,
    pub featuring: Option<bool>,
    /// One entry per day, today first, days without use included.
    pub history: Vec<DayUse>,
}

/// The hashtag `word` is (with or without `#`), by the rules posts are tagged with.
pub fn normalize(word: &str) -> Option<String> {
    let word = word.trim().trim_start_matches('#');
    let found = crate::content::extract(&format!("#{word}")).hashtags;
    match found.as_slice() {
        [tag] if tag.eq_ignore_ascii_case(word) || tag == &word.to_lowercase() => Some(tag.clone()),
        _ => None,
    }
}

fn valid(word: &str) -> Result<String> {
    normalize(word).ok_or_else(|| Error::not_found(format!("{word:?} is not a hashtag")))
}

fn today() -> i64 {
    chrono::Utc::now().timestamp_millis() / 86_400_000
}

/// The last [`HISTORY_DAYS`] of `name`'s use, today first.
pub async fn history(
    conn: &mut diesel_async::AsyncPgConnection,
    name: &str,
) -> Result<Vec<DayUse>> {
    let today = today();
    let since = today - (HISTORY_DAYS - 1);
    let used = tags::history(conn, name, since).await?;
    Ok((0..HISTORY_DAYS)
        .map(|back| {
            let day = today - back;
            used.iter()
                .find(|u| u.day == day)
                .cloned()
                .unwrap_or(DayUse {
                    day,
                    uses: 0,
                    accounts: 0,
                })
        })
        .collect())
}

/// Views of `names` for `viewer`: history and whether they follow each.
pub async fn views(
    ctx: &AppContext,
    viewer: Option<&Account>,
    names: Vec<String>,
) -> Result<Vec<TagView>> {
    let mut conn = ctx.pool.get().await?;
    let (followed, featured) = match viewer {
        Some(v) => (
            Some(tags::followed_among(&mut conn, v.id, &names).await?),
            Some(tags::featured_among(&mut conn, v.id, &names).await?),
        ),
        None => (None, None),
    };
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let history = history(&mut conn, &name).await?;
        let following = followed.as_ref().map(|f| f.contains(&name));
        let featuring = featured.as_ref().map(|f| f.contains(&name));
        out.push(TagView {
            name,
            following,
            featuring,
            history,
        });
    }
    Ok(out)
}

/// `GET /api/v1/tags/:name`: any valid hashtag answers, used here or not (as Mastodon).
#[tracing::instrument(skip(ctx, viewer))]
pub async fn show(ctx: &AppContext, viewer: Option<&Account>, word: &str) -> Result<TagView> {
    let name = valid(word)?;
    Ok(views(ctx, viewer, vec![name]).await?.remove(0))
}

#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn follow(ctx: &AppContext, viewer: &Account, word: &str) -> Result<TagView> {
    let name = valid(word)?;
    {
        let mut conn = ctx.pool.get().await?;
        tags::follow(&mut conn, viewer.id, &name).await?;
    }
    tracing::info!(tag = %name, "hashtag followed");
    super::relays::sync_tags_later(ctx);
    Ok(views(ctx, Some(viewer), vec![name]).await?.remove(0))
}

#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn unfollow(ctx: &AppContext, viewer: &Account, word: &str) -> Result<TagView> {
    let name = valid(word)?;
    {
        let mut conn = ctx.pool.get().await?;
        tags::unfollow(&mut conn, viewer.id, &name).await?;
    }
    tracing::info!(tag = %name, "hashtag unfollowed");
    super::relays::sync_tags_later(ctx);
    Ok(views(ctx, Some(viewer), vec![name]).await?.remove(0))
}

/// The tags `viewer` follows, newest first, each with the id it is paginated by.
pub async fn followed(
    ctx: &AppContext,
    viewer: &Account,
    page: Page,
) -> Result<Vec<(i64, TagView)>> {
    let rows = {
        let mut conn = ctx.pool.get().await?;
        tags::followed(&mut conn, viewer.id, page).await?
    };
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let shown = views(
        ctx,
        Some(viewer),
        rows.into_iter().map(|(_, n)| n).collect(),
    )
    .await?;
    Ok(ids.into_iter().zip(shown).collect())
}

/// How many hashtags a profile features at most (Mastodon's).
pub const MAX_FEATURED: usize = 10;

/// The hashtags `account` features on its profile (ours, and other servers' as
/// their `featuredTags` collection was last read: [`read_featured`]).
pub async fn featured_of(ctx: &AppContext, account: &Account) -> Result<Vec<tags::Featured>> {
    let mut conn = ctx.pool.get().await?;
    Ok(tags::featured(&mut conn, account.id).await?)
}

/// Reads a remote account's `featuredTags` collection (`Hashtag` items, names with
/// or without `#`) and makes what it lists, as far as they are hashtags, the ones
/// the account features here: at most [`MAX_FEATURED`], as on Mastodon.
pub async fn read_featured(ctx: &AppContext, account: &Account, url: &str) -> Result<()> {
    let items = super::pins::first_items(ctx, url).await?;
    let mut names: Vec<String> = Vec::new();
    for item in &items {
        let name = (item.get("type").and_then(|t| t.as_str()) == Some("Hashtag"))
            .then(|| item.get("name").and_then(|n| n.as_str()))
            .flatten()
            .and_then(normalize);
        if let Some(name) = name.filter(|n| !names.contains(n)) {
            names.push(name);
        }
        if names.len() == MAX_FEATURED {
            break;
        }
    }
    let mut conn = ctx.pool.get().await?;
    tags::replace_featured(&mut conn, account.id, &names).await?;
    tracing::info!(account = %account.uri.as_deref().unwrap_or_default(), featured = names.len(), "featuredTags collection read");
    Ok(())
}

/// Features a hashtag on `viewer`'s profile (featuring it again changes nothing).
#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn feature(ctx: &AppContext, viewer: &Account, word: &str) -> Result<tags::Featured> {
    let name =
        normalize(word).ok_or_else(|| Error::bad_request(format!("{word:?} is not a hashtag")))?;
    let mut conn = ctx.pool.get().await?;
    let current = tags::featured(&mut conn, viewer.id).await?;
    if !current.iter().any(|f| f.name == name) && current.len() >= MAX_FEATURED {
        return Err(Error::bad_request(format!(
            "a profile features at most {MAX_FEATURED} hashtags"
        )));
    }
    let id = tags::feature(&mut conn, viewer.id, &name).await?;
    tracing::info!(tag = %name, "hashtag featured");
    super::relays::sync_tags_later(ctx);
    let all = tags::featured(&mut conn, viewer.id).await?;
    all.into_iter()
        .find(|f| f.id == id)
        .ok_or_else(|| Error::not_found("Record not found"))
}

#[tracing::instrument(skip(ctx, viewer), fields(viewer = %viewer.username))]
pub async fn unfeature(ctx: &AppContext, viewer: &Account, id: &str) -> Result<()> {
    let id: i64 = id
        .parse()
        .map_err(|_| Error::not_found("Record not found"))?;
    let mut conn = ctx.pool.get().await?;
    if !tags::unfeature(&mut conn, viewer.id, id).await? {
        return Err(Error::not_found("Record not found"));
    }
    tracing::info!(id, "hashtag no longer featured");
    super::relays::sync_tags_later(ctx);
    Ok(())
}

/// Hashtags to feature: those `viewer` used most in the last 30 days, not featured yet.
pub async fn suggestions(ctx: &AppContext, viewer: &Account) -> Result<Vec<TagView>> {
    let since = (chrono::Utc::now().timestamp_millis() - 30 * 86_400_000) << 16;
    let names = {
        let mut conn = ctx.pool.get().await?;
        tags::most_used(&mut conn, viewer.id, since, MAX_FEATURED as i64).await?
    };
    views(ctx, Some(viewer), names).await
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn only_words_that_are_hashtags_are_hashtags() {
        assert_eq!(normalize("Maths").as_deref(), Some("maths"));
        assert_eq!(normalize("#Maths").as_deref(), Some("maths"));
        assert_eq!(normalize("edu_chat").as_deref(), Some("edu_chat"));
        assert_eq!(normalize("Schüler").as_deref(), Some("schüler"));
        for not in ["", "two words", "a#b", "123"] {
            assert_eq!(normalize(not), None, "{not:?}");
        }
    }
}

/// Days the about page counts teachers' uses of their PLN tags over.
pub const PLN_DAYS: i64 = 30;
/// Days trending counts over, and how many accounts must use a tag in them.
pub const TRENDING_DAYS: i64 = 7;
pub const TRENDING_MIN_ACCOUNTS: i64 = 2;
/// How many tags each list shows.
const PLN_SHOWN: i64 = 20;
const TRENDING_SHOWN: i64 = 10;

/// The about page's hashtags: those teachers here use and follow, and trending ones.
#[derive(Debug, Clone)]
pub struct PlnTags {
    pub used: Vec<tags::PlnTag>,
    pub trending: Vec<tags::Trending>,
}

/// The first post id of `days` ago (ids sort by time: `db::ids`).
fn id_days_ago(days: i64) -> i64 {
    (chrono::Utc::now().timestamp_millis() - days * 86_400_000).max(0) << 16
}

pub async fn pln(pool: &crate::db::DbPool) -> Result<PlnTags> {
    let mut conn = pool.get().await?;
    Ok(PlnTags {
        used: tags::pln(&mut conn, id_days_ago(PLN_DAYS), PLN_SHOWN).await?,
        trending: tags::trending(
            &mut conn,
            id_days_ago(TRENDING_DAYS),
            TRENDING_MIN_ACCOUNTS,
            TRENDING_SHOWN,
        )
        .await?,
    })
}
