//! Filters (Mastodon's v2 custom filters): a teacher's words and posts to hide or
//! mark, per context, until an optional expiry. Editing them (`create`, `update`,
//! keywords, posts) and applying them: every read path that shows posts to a
//! signed-in reader (timelines, lists, threads, profiles, notifications, streams,
//! the web pages) passes its views through [`Active::apply`] for its [`Context`].
//!
//! Matching follows Mastodon (`CustomFilterKeyword#to_regex`, `Status#searchable_text`):
//! a keyword matches case-insensitively anywhere in the post's content warning, its
//! plain text and its media descriptions; a `whole_word` keyword only where it is not
//! part of a longer word (a boundary is required only on a side where the keyword
//! itself starts or ends with a letter, digit or `_`, as Mastodon's `\b`). Letters
//! are Unicode letters, so "Bär" does not match in "Bären". A filter's posts match
//! themselves and boosts of them.
//!
//! `hide` filters leave the post out where their context applies ([`Active::apply`]);
//! every filter that matches is reported on the post as Mastodon's `filtered`
//! (apps apply `warn` ones by context themselves). Nobody's own posts are filtered
//! for them, as Mastodon's streaming server does. Changes are announced as
//! `Event::FiltersChanged` (streams then send `filters_changed`, and each process
//! reads the reader's filters again).

use super::{
    events::{Event, Outcome},
    status_views::StatusView,
};
use crate::{
    context::AppContext,
    db::{
        accounts::Account,
        filters::{self, FilterChange, FilterRow, KeywordRow, StatusRow},
        pagination::Page,
        AccountId, StatusId,
    },
    error::{Error, Result},
};
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use std::{collections::HashMap, sync::Arc};

/// Where posts are shown, by Mastodon's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// The home timeline and lists.
    Home,
    Notifications,
    /// The public and hashtag timelines.
    Public,
    /// A post's thread.
    Thread,
    /// A profile's posts.
    Account,
}

impl Context {
    pub const ALL: [Context; 5] = [
        Context::Home,
        Context::Notifications,
        Context::Public,
        Context::Thread,
        Context::Account,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Home => "home",
            Context::Notifications => "notifications",
            Context::Public => "public",
            Context::Thread => "thread",
            Context::Account => "account",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Limits that keep matching cheap and requests bounded.
pub const MAX_FILTERS: i64 = 100;
pub const MAX_KEYWORDS: i64 = 100;
/// Mastodon's `KEYWORD_LENGTH_LIMIT`.
pub const MAX_KEYWORD_CHARS: usize = 512;
pub const MAX_TITLE_CHARS: usize = 256;

/// A filter with its keywords and posts.
#[derive(Debug, Clone)]
pub struct Filter {
    pub row: FilterRow,
    pub keywords: Vec<KeywordRow>,
    pub statuses: Vec<StatusRow>,
}

impl Filter {
    pub fn hides(&self) -> bool {
        self.row.action == "hide"
    }

    pub fn applies_in(&self, context: Context) -> bool {
        self.row.context.iter().any(|c| c == context.as_str())
    }

    fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.row.expires_at.is_none_or(|at| at > now)
    }
}

/// One filter that matched a post: Mastodon's `FilterResult`.
#[derive(Debug, Clone)]
pub struct FilterResult {
    pub filter: Arc<Filter>,
    pub keyword_matches: Vec<String>,
    pub status_matches: Vec<StatusId>,
}

/// A reader's filters in force, ready to match.
#[derive(Debug, Clone, Default)]
pub struct Active {
    pub owner: Option<AccountId>,
    filters: Vec<Arc<Filter>>,
}

impl Active {
    pub fn is_empty(&self) -> bool {
        self.filters.is_empty()
    }

    /// The filters that match `view` (a boost is matched by what it boosts).
    pub fn results(&self, view: &StatusView) -> Vec<FilterResult> {
        if self.filters.is_empty() {
            return Vec::new();
        }
        self.results_in(
            view,
            &searchable_text(view.reblog.as_deref().unwrap_or(view)),
        )
    }

    /// [`Active::results`] with the post's [`searchable_text`] worked out already
    /// (streaming matches one post for many readers).
    pub fn results_in(&self, view: &StatusView, text: &str) -> Vec<FilterResult> {
        let now = Utc::now();
        let shown = view.reblog.as_deref().unwrap_or(view);
        if self.filters.is_empty()
            || Some(shown.author.id) == self.owner
            || Some(view.author.id) == self.owner
        {
            return Vec::new();
        }
        let ids: Vec<StatusId> = std::iter::once(view.status.id)
            .chain(view.reblog.as_ref().map(|r| r.status.id))
            .collect();
        self.filters
            .iter()
            .filter(|f| f.in_force(now))
            .filter_map(|f| {
                let keyword_matches: Vec<String> = f
                    .keywords
                    .iter()
                    .filter(|k| matches(text, &k.keyword.to_lowercase(), k.whole_word))
                    .map(|k| k.keyword.clone())
                    .collect();
                let status_matches: Vec<StatusId> = f
                    .statuses
                    .iter()
                    .map(|s| s.status_id)
                    .filter(|id| ids.contains(id))
                    .collect();
                (!keyword_matches.is_empty() || !status_matches.is_empty()).then(|| FilterResult {
                    filter: f.clone(),
                    keyword_matches,
                    status_matches,
                })
            })
            .collect()
    }

    /// Marks each view with the filters it matches (`filtered`), and leaves out those
    /// a `hide` filter of `context` matches.
    pub fn apply(&self, views: Vec<StatusView>, context: Context) -> Vec<StatusView> {
        if self.filters.is_empty() {
            return views;
        }
        views
            .into_iter()
            .filter_map(|view| self.mark(view, context))
            .collect()
    }

    /// One view marked with the filters it matches, and shown whatever they say (a
    /// post asked for by id).
    pub fn annotate(&self, view: StatusView) -> StatusView {
        let results = self.results(&view);
        Self::annotate_with(view, results)
    }

    /// Mastodon reports a boost's filters on the boost and on what it boosts.
    pub fn annotate_with(mut view: StatusView, results: Vec<FilterResult>) -> StatusView {
        if let Some(inner) = view.reblog.as_mut() {
            inner.filtered = results.clone();
        }
        view.filtered = results;
        view
    }

    /// One view, marked; `None` when a `hide` filter of `context` matches it.
    pub fn mark(&self, mut view: StatusView, context: Context) -> Option<StatusView> {
        let results = self.results(&view);
        if results
            .iter()
            .any(|r| r.filter.hides() && r.filter.applies_in(context))
        {
            return None;
        }
        view.warnings = results
            .iter()
            .filter(|r| r.filter.applies_in(context))
            .map(|r| r.filter.row.title.clone())
            .collect();
        Some(Self::annotate_with(view, results))
    }
}

/// What a keyword is matched against, lower-cased: content warning, plain text and
/// media descriptions, as Mastodon's `searchable_text`.
pub fn searchable_text(view: &StatusView) -> String {
    let s = &view.status;
    let body = match &s.text {
        Some(source) if s.local => source.clone(),
        _ => crate::content::html_to_text(&s.content),
    };
    let mut parts = vec![s.spoiler_text.clone(), body];
    parts.extend(view.media.iter().filter_map(|m| m.description.clone()));
    parts.join("\n\n").to_lowercase()
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `keyword` (lower-cased) occurs in `text` (lower-cased), as a whole word
/// if asked: see the module's comment for the boundaries.
pub fn matches(text: &str, keyword: &str, whole_word: bool) -> bool {
    if keyword.is_empty() {
        return false;
    }
    if !whole_word {
        return text.contains(keyword);
    }
    let need_start = keyword.chars().next().is_some_and(is_word);
    let need_end = keyword.chars().next_back().is_some_and(is_word);
    let mut from = 0;
    while let Some(found) = text[from..].find(keyword) {
        let start = from + found;
        let end = start + keyword.len();
        let before_ok = !need_start
            || text[..start]
                .chars()
                .next_back()
                .is_none_or(|c| !is_word(c));
        let after_ok = !need_end || text[end..].chars().next().is_none_or(|c| !is_word(c));
        if before_ok && after_ok {
            return true;
        }
        // The next occurrence may overlap this one: step one character on.
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

/// Filters with their keywords and posts, grouped by filter.
async fn assemble(conn: &mut AsyncPgConnection, rows: Vec<FilterRow>) -> Result<Vec<Filter>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|f| f.id).collect();
    let mut keywords: HashMap<i64, Vec<KeywordRow>> = HashMap::new();
    for k in filters::keywords_of(conn, &ids).await? {
        keywords.entry(k.filter_id).or_default().push(k);
    }
    let mut statuses: HashMap<i64, Vec<StatusRow>> = HashMap::new();
    for s in filters::statuses_of(conn, &ids).await? {
        statuses.entry(s.filter_id).or_default().push(s);
    }
    Ok(rows
        .into_iter()
        .map(|row| Filter {
            keywords: keywords.remove(&row.id).unwrap_or_default(),
            statuses: statuses.remove(&row.id).unwrap_or_default(),
            row,
        })
        .collect())
}

/// The reader's filters in force (one indexed query when there are none).
pub async fn active(conn: &mut AsyncPgConnection, reader: &Account) -> Result<Active> {
    Ok(active_of(conn, &[reader.id])
        .await?
        .remove(&reader.id)
        .unwrap_or_else(|| Active {
            owner: Some(reader.id),
            filters: Vec::new(),
        }))
}

/// The filters in force of many readers at once (streaming).
pub async fn active_of(
    conn: &mut AsyncPgConnection,
    readers: &[AccountId],
) -> Result<HashMap<AccountId, Active>> {
    let rows = filters::active(conn, readers).await?;
    let mut out: HashMap<AccountId, Active> = readers
        .iter()
        .map(|r| {
            (
                *r,
                Active {
                    owner: Some(*r),
                    filters: Vec::new(),
                },
            )
        })
        .collect();
    for filter in assemble(conn, rows).await? {
        if let Some(active) = out.get_mut(&filter.row.account_id) {
            active.filters.push(Arc::new(filter));
        }
    }
    Ok(out)
}

/// Reads pages with `read` until `page.limit` posts survive `hide` filters (or
/// reads run out): a page of a timeline is never short because some were hidden,
/// and the next page starts after the last post shown, so nothing is skipped.
pub async fn fill<F>(
    active: &Active,
    context: Context,
    page: Page,
    mut read: F,
) -> Result<Vec<StatusView>>
where
    F: AsyncFnMut(Page) -> Result<Vec<StatusView>>,
{
    /// Extra reads for a page whose posts were hidden, at most.
    const ROUNDS: usize = 4;
    let first = read(page).await?;
    if active.is_empty() {
        return Ok(first);
    }
    let mut batch = first;
    let mut cursor = page;
    let mut shown: Vec<StatusView> = Vec::new();
    for round in 0..=ROUNDS {
        let full = batch.len() as i64 >= cursor.limit;
        // Where the next read starts: past the last post read, in the page's direction
        // (newest first, or oldest first for `min_id`; `finish` put both newest first).
        let (oldest, newest) = (
            batch.last().map(|v| v.status.id.0),
            batch.first().map(|v| v.status.id.0),
        );
        shown.extend(active.apply(batch, context));
        if shown.len() as i64 >= page.limit || !full || round == ROUNDS {
            break;
        }
        cursor = if page.ascending() {
            Page {
                min_id: newest,
                ..cursor
            }
        } else {
            Page {
                max_id: oldest,
                ..cursor
            }
        };
        batch = read(cursor).await?;
    }
    if page.ascending() {
        // Oldest first were wanted: the ones just after `min_id`.
        let extra = shown.len().saturating_sub(page.limit as usize);
        shown.drain(..extra);
    } else {
        shown.truncate(page.limit as usize);
    }
    Ok(shown)
}

// Editing.

/// A new filter or a change of one, as the API gives it.
#[derive(Debug, Default, Clone)]
pub struct FilterInput {
    pub title: Option<String>,
    pub context: Option<Vec<String>>,
    pub action: Option<String>,
    /// Seconds from now; `Some(None)`: never (clears an expiry).
    pub expires_in: Option<Option<i64>>,
    /// Keywords to add (`id` None), change, or delete (`destroy`).
    pub keywords: Vec<KeywordInput>,
}

#[derive(Debug, Default, Clone)]
pub struct KeywordInput {
    pub id: Option<i64>,
    pub keyword: Option<String>,
    pub whole_word: Option<bool>,
    pub destroy: bool,
}

use super::validation_failed as unprocessable;

fn checked_title(title: &str) -> Result<String> {
    super::checked_title(title, MAX_TITLE_CHARS)
}

fn checked_context(context: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for c in context.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        if Context::parse(c).is_none() {
            return Err(unprocessable(format!(
                "Context {c:?} is not one of home, notifications, public, thread, account"
            )));
        }
        if !out.iter().any(|o| o == c) {
            out.push(c.to_string());
        }
    }
    if out.is_empty() {
        return Err(unprocessable("Context can't be blank"));
    }
    Ok(out)
}

fn checked_action(action: &str) -> Result<String> {
    match action {
        "warn" | "hide" => Ok(action.to_string()),
        other => Err(unprocessable(format!(
            "Filter action {other:?} is not one of warn, hide"
        ))),
    }
}

fn checked_keyword(keyword: &str) -> Result<String> {
    let keyword = keyword.trim();
    if keyword.is_empty() {
        return Err(unprocessable("Keyword can't be blank"));
    }
    if keyword.chars().count() > MAX_KEYWORD_CHARS {
        return Err(unprocessable(format!(
            "Keyword is too long (maximum is {MAX_KEYWORD_CHARS} characters)"
        )));
    }
    Ok(keyword.to_string())
}

fn expiry(seconds: Option<i64>) -> Result<Option<DateTime<Utc>>> {
    match seconds {
        None => Ok(None),
        Some(s) if s > 0 && s <= 10 * 365 * 24 * 3600 => {
            Ok(Some(Utc::now() + chrono::Duration::seconds(s)))
        }
        Some(_) => Err(unprocessable(
            "Expires in must be a number of seconds, more than 0 and at most ten years",
        )),
    }
}

fn not_found() -> Error {
    Error::not_found("Record not found")
}

pub fn parse_id(id: &str) -> Result<i64> {
    id.parse().map_err(|_| not_found())
}

fn announce(ctx: &AppContext, owner: &Account) {
    super::events::dispatch(
        ctx,
        Outcome::of(Event::FiltersChanged { account: owner.id }),
    );
}

async fn load(conn: &mut AsyncPgConnection, row: FilterRow) -> Result<Filter> {
    assemble(conn, vec![row]).await?.pop().ok_or_else(not_found)
}

/// The owner's filters, expired ones too.
pub async fn all(ctx: &AppContext, owner: &Account) -> Result<Vec<Filter>> {
    let mut conn = ctx.pool.get().await?;
    let rows = filters::of_owner(&mut conn, owner.id).await?;
    assemble(&mut conn, rows).await
}

pub async fn get(ctx: &AppContext, owner: &Account, id: &str) -> Result<Filter> {
    let mut conn = ctx.pool.get().await?;
    let row = filters::find(&mut conn, owner.id, parse_id(id)?)
        .await?
        .ok_or_else(not_found)?;
    load(&mut conn, row).await
}

/// Adds new keywords to the filter `filter`.
async fn add_keywords(
    conn: &mut AsyncPgConnection,
    filter: i64,
    keywords: &[KeywordInput],
) -> Result<()> {
    for k in keywords {
        let keyword = checked_keyword(k.keyword.as_deref().unwrap_or(""))?;
        filters::add_keyword(conn, filter, &keyword, k.whole_word.unwrap_or(true)).await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(owner = %owner.username))]
pub async fn create(ctx: &AppContext, owner: &Account, input: FilterInput) -> Result<Filter> {
    use diesel_async::AsyncConnection;
    let title = checked_title(input.title.as_deref().unwrap_or(""))?;
    let context = checked_context(input.context.as_deref().unwrap_or(&[]))?;
    let action = checked_action(input.action.as_deref().unwrap_or("warn"))?;
    let expires_at = expiry(input.expires_in.flatten())?;
    let mut conn = ctx.pool.get().await?;
    let filter = conn
        .transaction::<_, Error, _>(async |conn| {
            if filters::count(conn, owner.id).await? >= MAX_FILTERS {
                return Err(unprocessable(format!(
                    "You can have at most {MAX_FILTERS} filters"
                )));
            }
            let row =
                filters::create(conn, owner.id, &title, &context, &action, expires_at).await?;
            let new: Vec<KeywordInput> = input
                .keywords
                .iter()
                .filter(|k| !k.destroy && k.id.is_none())
                .cloned()
                .collect();
            if new.len() as i64 > MAX_KEYWORDS {
                return Err(unprocessable(format!(
                    "A filter can have at most {MAX_KEYWORDS} keywords"
                )));
            }
            add_keywords(conn, row.id, &new).await?;
            load(conn, row).await
        })
        .await?;
    announce(ctx, owner);
    Ok(filter)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, filter = id))]
pub async fn update(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    input: FilterInput,
) -> Result<Filter> {
    use diesel_async::AsyncConnection;
    let id = parse_id(id)?;
    let change = FilterChange {
        title: input.title.as_deref().map(checked_title).transpose()?,
        context: input.context.as_deref().map(checked_context).transpose()?,
        action: input.action.as_deref().map(checked_action).transpose()?,
        expires_at: input.expires_in.map(expiry).transpose()?,
    };
    let mut conn = ctx.pool.get().await?;
    let filter = conn
        .transaction::<_, Error, _>(async |conn| {
            let row = filters::update(conn, owner.id, id, &change)
                .await?
                .ok_or_else(not_found)?;
            let destroy: Vec<i64> = input
                .keywords
                .iter()
                .filter(|k| k.destroy)
                .filter_map(|k| k.id)
                .collect();
            if !destroy.is_empty() {
                filters::delete_keywords_of(conn, row.id, &destroy).await?;
            }
            for k in input.keywords.iter().filter(|k| !k.destroy) {
                match k.id {
                    Some(kid) => {
                        let (found, of) = filters::find_keyword(conn, owner.id, kid)
                            .await?
                            .ok_or_else(not_found)?;
                        if of.id != row.id {
                            return Err(not_found());
                        }
                        let keyword = k.keyword.as_deref().map(checked_keyword).transpose()?;
                        filters::update_keyword(conn, found.id, keyword.as_deref(), k.whole_word)
                            .await?;
                    }
                    None => add_keywords(conn, row.id, std::slice::from_ref(k)).await?,
                }
            }
            if filters::count_keywords(conn, row.id).await? > MAX_KEYWORDS {
                return Err(unprocessable(format!(
                    "A filter can have at most {MAX_KEYWORDS} keywords"
                )));
            }
            load(conn, row).await
        })
        .await?;
    announce(ctx, owner);
    Ok(filter)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, filter = id))]
pub async fn delete(ctx: &AppContext, owner: &Account, id: &str) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    if !filters::delete(&mut conn, owner.id, parse_id(id)?).await? {
        return Err(not_found());
    }
    announce(ctx, owner);
    Ok(())
}

/// The keywords of one of the owner's filters.
pub async fn keywords(ctx: &AppContext, owner: &Account, filter: &str) -> Result<Vec<KeywordRow>> {
    Ok(get(ctx, owner, filter).await?.keywords)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, filter))]
pub async fn add_keyword(
    ctx: &AppContext,
    owner: &Account,
    filter: &str,
    keyword: &str,
    whole_word: bool,
) -> Result<KeywordRow> {
    let keyword = checked_keyword(keyword)?;
    let mut conn = ctx.pool.get().await?;
    let row = filters::find(&mut conn, owner.id, parse_id(filter)?)
        .await?
        .ok_or_else(not_found)?;
    if filters::count_keywords(&mut conn, row.id).await? >= MAX_KEYWORDS {
        return Err(unprocessable(format!(
            "A filter can have at most {MAX_KEYWORDS} keywords"
        )));
    }
    let added = filters::add_keyword(&mut conn, row.id, &keyword, whole_word).await?;
    announce(ctx, owner);
    Ok(added)
}

/// A keyword of one of the owner's filters, with its filter.
pub async fn keyword(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
) -> Result<(KeywordRow, FilterRow)> {
    let mut conn = ctx.pool.get().await?;
    filters::find_keyword(&mut conn, owner.id, parse_id(id)?)
        .await?
        .ok_or_else(not_found)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, keyword = id))]
pub async fn update_keyword(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    keyword: Option<&str>,
    whole_word: Option<bool>,
) -> Result<KeywordRow> {
    let keyword = keyword.map(checked_keyword).transpose()?;
    let mut conn = ctx.pool.get().await?;
    let (found, _) = filters::find_keyword(&mut conn, owner.id, parse_id(id)?)
        .await?
        .ok_or_else(not_found)?;
    let changed =
        filters::update_keyword(&mut conn, found.id, keyword.as_deref(), whole_word).await?;
    announce(ctx, owner);
    Ok(changed)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, keyword = id))]
pub async fn delete_keyword(ctx: &AppContext, owner: &Account, id: &str) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let (found, _) = filters::find_keyword(&mut conn, owner.id, parse_id(id)?)
        .await?
        .ok_or_else(not_found)?;
    filters::delete_keyword(&mut conn, found.id).await?;
    announce(ctx, owner);
    Ok(())
}

/// The posts of one of the owner's filters.
pub async fn statuses(ctx: &AppContext, owner: &Account, filter: &str) -> Result<Vec<StatusRow>> {
    Ok(get(ctx, owner, filter).await?.statuses)
}

/// Adds a post the owner may see to a filter (again: the same row).
#[tracing::instrument(skip_all, fields(owner = %owner.username, filter))]
pub async fn add_status(
    ctx: &AppContext,
    owner: &Account,
    filter: &str,
    status: &str,
) -> Result<StatusRow> {
    let mut conn = ctx.pool.get().await?;
    let row = filters::find(&mut conn, owner.id, parse_id(filter)?)
        .await?
        .ok_or_else(not_found)?;
    let status =
        super::visibility::visible_status(&mut conn, owner, StatusId(parse_id(status)?)).await?;
    let added = match filters::add_status(&mut conn, row.id, status.id).await? {
        Some(added) => added,
        None => {
            let f = load(&mut conn, row).await?;
            f.statuses
                .into_iter()
                .find(|s| s.status_id == status.id)
                .ok_or_else(not_found)?
        }
    };
    announce(ctx, owner);
    Ok(added)
}

pub async fn status(ctx: &AppContext, owner: &Account, id: &str) -> Result<(StatusRow, FilterRow)> {
    let mut conn = ctx.pool.get().await?;
    filters::find_status(&mut conn, owner.id, parse_id(id)?)
        .await?
        .ok_or_else(not_found)
}

#[tracing::instrument(skip_all, fields(owner = %owner.username, filter_status = id))]
pub async fn delete_status(ctx: &AppContext, owner: &Account, id: &str) -> Result<()> {
    let mut conn = ctx.pool.get().await?;
    let (found, _) = filters::find_status(&mut conn, owner.id, parse_id(id)?)
        .await?
        .ok_or_else(not_found)?;
    filters::delete_status(&mut conn, found.id).await?;
    announce(ctx, owner);
    Ok(())
}

// The v1 API: each keyword is a filter of its own (Mastodon keeps it so).

/// A v1 filter: one keyword and the filter it belongs to.
pub type V1Filter = (KeywordRow, FilterRow);

pub async fn v1_all(ctx: &AppContext, owner: &Account) -> Result<Vec<V1Filter>> {
    let mut conn = ctx.pool.get().await?;
    Ok(filters::keywords_of_owner(&mut conn, owner.id).await?)
}

/// A v1 filter as the API gives it.
#[derive(Debug, Default, Clone)]
pub struct V1Input {
    pub phrase: Option<String>,
    pub context: Option<Vec<String>>,
    pub irreversible: Option<bool>,
    pub whole_word: Option<bool>,
    pub expires_in: Option<Option<i64>>,
}

/// `POST /api/v1/filters`: a filter titled by its phrase, with that one keyword.
pub async fn v1_create(ctx: &AppContext, owner: &Account, input: V1Input) -> Result<V1Filter> {
    let phrase = checked_keyword(input.phrase.as_deref().unwrap_or(""))?;
    let filter = create(
        ctx,
        owner,
        FilterInput {
            title: Some(phrase.clone()),
            context: input.context,
            action: Some(
                if input.irreversible.unwrap_or(false) {
                    "hide"
                } else {
                    "warn"
                }
                .to_string(),
            ),
            expires_in: input.expires_in,
            keywords: vec![KeywordInput {
                id: None,
                keyword: Some(phrase),
                whole_word: Some(input.whole_word.unwrap_or(true)),
                destroy: false,
            }],
        },
    )
    .await?;
    let keyword = filter.keywords.first().cloned().ok_or_else(not_found)?;
    Ok((keyword, filter.row))
}

/// `PUT /api/v1/filters/:id`: the keyword changes; what belongs to its filter changes
/// too, unless the filter has other keywords (Mastodon refuses that then).
pub async fn v1_update(
    ctx: &AppContext,
    owner: &Account,
    id: &str,
    input: V1Input,
) -> Result<V1Filter> {
    let (keyword, filter) = self::keyword(ctx, owner, id).await?;
    let phrase = input.phrase.as_deref().map(checked_keyword).transpose()?;
    let filter_input = FilterInput {
        title: phrase.clone().filter(|p| *p != filter.title),
        context: input.context.clone().filter(|c| *c != filter.context),
        action: input
            .irreversible
            .map(|i| if i { "hide" } else { "warn" }.to_string())
            .filter(|a| *a != filter.action),
        expires_in: input.expires_in,
        keywords: vec![KeywordInput {
            id: Some(keyword.id),
            keyword: phrase,
            whole_word: input.whole_word,
            destroy: false,
        }],
    };
    let changes_filter = filter_input.title.is_some()
        || filter_input.context.is_some()
        || filter_input.action.is_some()
        || filter_input.expires_in.is_some();
    if changes_filter {
        let mut conn = ctx.pool.get().await?;
        if filters::count_keywords(&mut conn, filter.id).await? > 1 {
            return Err(unprocessable(
                "These settings apply to more than one keyword of this filter and cannot be changed from this app; use a newer app or the web pages",
            ));
        }
    }
    let updated = update(ctx, owner, &filter.id.to_string(), filter_input).await?;
    let keyword = updated
        .keywords
        .into_iter()
        .find(|k| k.id == keyword.id)
        .ok_or_else(not_found)?;
    Ok((keyword, updated.row))
}

/// `DELETE /api/v1/filters/:id`: the keyword goes; its filter too if it was the last.
pub async fn v1_delete(ctx: &AppContext, owner: &Account, id: &str) -> Result<()> {
    let (keyword, filter) = self::keyword(ctx, owner, id).await?;
    let mut conn = ctx.pool.get().await?;
    filters::delete_keyword(&mut conn, keyword.id).await?;
    if filters::count_keywords(&mut conn, filter.id).await? == 0 && filter.title == keyword.keyword
    {
        filters::delete(&mut conn, owner.id, filter.id).await?;
    }
    announce(ctx, owner);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn keywords_match_as_mastodon_matches_them() {
        assert!(matches("a worksheet on fractions", "fractions", true));
        assert!(matches("fractions!", "fractions", true));
        assert!(!matches("fractionsheet", "fractions", true));
        assert!(matches("fractionsheet", "fractions", false));
        assert!(!matches("die bären", "bär", true));
        assert!(matches("der bär schläft", "bär", true));
        // A keyword ending in punctuation needs no boundary on that side (Mastodon's `\b` only beside word characters).
        assert!(matches("c++17 rocks", "c++", true));
        assert!(matches("#maths today", "#maths", true));
        assert!(!matches("#mathsclub", "#maths", true));
        // Overlapping occurrences: the second one is whole.
        assert!(matches("aab ab", "ab", true));
        assert!(!matches("", "x", true));
        assert!(!matches("anything", "", false));
    }
}
