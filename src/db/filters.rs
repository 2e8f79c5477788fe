//! The `filters`, `filter_keywords` and `filter_statuses` tables: what a teacher
//! asked to hide or mark. Matching is done in `services::filters`.

use super::{
    schema::{filter_keywords, filter_statuses, filters},
    AccountId, StatusId,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = filters, check_for_backend(diesel::pg::Pg))]
pub struct FilterRow {
    pub id: i64,
    pub account_id: AccountId,
    pub title: String,
    pub context: Vec<String>,
    /// `warn` or `hide`.
    pub action: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = filter_keywords, check_for_backend(diesel::pg::Pg))]
pub struct KeywordRow {
    pub id: i64,
    pub filter_id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = filter_statuses, check_for_backend(diesel::pg::Pg))]
pub struct StatusRow {
    pub id: i64,
    pub filter_id: i64,
    pub status_id: StatusId,
}

/// What changes in a filter (`None`: left as it is; `expires_at: Some(None)` clears it).
#[derive(Debug, Default, Clone, AsChangeset)]
#[diesel(table_name = filters)]
pub struct FilterChange {
    pub title: Option<String>,
    pub context: Option<Vec<String>>,
    pub action: Option<String>,
    pub expires_at: Option<Option<DateTime<Utc>>>,
}

impl FilterChange {
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.context.is_none()
            && self.action.is_none()
            && self.expires_at.is_none()
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    title: &str,
    context: &[String],
    action: &str,
    expires_at: Option<DateTime<Utc>>,
) -> QueryResult<FilterRow> {
    diesel::insert_into(filters::table)
        .values((
            filters::id.eq(super::new_id()),
            filters::account_id.eq(owner),
            filters::title.eq(title),
            filters::context.eq(context),
            filters::action.eq(action),
            filters::expires_at.eq(expires_at),
        ))
        .returning(FilterRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    id: i64,
) -> QueryResult<Option<FilterRow>> {
    filters::table
        .filter(filters::id.eq(id))
        .filter(filters::account_id.eq(owner))
        .select(FilterRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// All of the owner's filters, expired ones too (apps show and renew them).
pub async fn of_owner(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
) -> QueryResult<Vec<FilterRow>> {
    filters::table
        .filter(filters::account_id.eq(owner))
        .order(filters::id.asc())
        .select(FilterRow::as_select())
        .load(conn)
        .await
}

pub async fn count(conn: &mut AsyncPgConnection, owner: AccountId) -> QueryResult<i64> {
    filters::table
        .filter(filters::account_id.eq(owner))
        .count()
        .get_result(conn)
        .await
}

/// The filters in force (not expired) of these accounts: one indexed look-up, and
/// the keywords and posts only of those that exist.
pub async fn active(
    conn: &mut AsyncPgConnection,
    owners: &[AccountId],
) -> QueryResult<Vec<FilterRow>> {
    if owners.is_empty() {
        return Ok(Vec::new());
    }
    filters::table
        .filter(filters::account_id.eq_any(owners))
        .filter(
            filters::expires_at
                .is_null()
                .or(filters::expires_at.gt(diesel::dsl::now)),
        )
        .order(filters::id.asc())
        .select(FilterRow::as_select())
        .load(conn)
        .await
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    id: i64,
    change: &FilterChange,
) -> QueryResult<Option<FilterRow>> {
    if change.is_empty() {
        return find(conn, owner, id).await;
    }
    diesel::update(
        filters::table
            .filter(filters::id.eq(id))
            .filter(filters::account_id.eq(owner)),
    )
    .set(change)
    .returning(FilterRow::as_returning())
    .get_result(conn)
    .await
    .optional()
}

pub async fn delete(conn: &mut AsyncPgConnection, owner: AccountId, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(
        filters::table
            .filter(filters::id.eq(id))
            .filter(filters::account_id.eq(owner)),
    )
    .execute(conn)
    .await?
        > 0)
}

pub async fn keywords_of(
    conn: &mut AsyncPgConnection,
    filter_ids: &[i64],
) -> QueryResult<Vec<KeywordRow>> {
    if filter_ids.is_empty() {
        return Ok(Vec::new());
    }
    filter_keywords::table
        .filter(filter_keywords::filter_id.eq_any(filter_ids))
        .order(filter_keywords::id.asc())
        .select(KeywordRow::as_select())
        .load(conn)
        .await
}

pub async fn statuses_of(
    conn: &mut AsyncPgConnection,
    filter_ids: &[i64],
) -> QueryResult<Vec<StatusRow>> {
    if filter_ids.is_empty() {
        return Ok(Vec::new());
    }
    filter_statuses::table
        .filter(filter_statuses::filter_id.eq_any(filter_ids))
        .order(filter_statuses::id.asc())
        .select(StatusRow::as_select())
        .load(conn)
        .await
}

pub async fn add_keyword(
    conn: &mut AsyncPgConnection,
    filter: i64,
    keyword: &str,
    whole_word: bool,
) -> QueryResult<KeywordRow> {
    diesel::insert_into(filter_keywords::table)
        .values((
            filter_keywords::id.eq(super::new_id()),
            filter_keywords::filter_id.eq(filter),
            filter_keywords::keyword.eq(keyword),
            filter_keywords::whole_word.eq(whole_word),
        ))
        .returning(KeywordRow::as_returning())
        .get_result(conn)
        .await
}

/// A keyword of one of the owner's filters, with its filter.
pub async fn find_keyword(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    id: i64,
) -> QueryResult<Option<(KeywordRow, FilterRow)>> {
    filter_keywords::table
        .inner_join(filters::table.on(filters::id.eq(filter_keywords::filter_id)))
        .filter(filter_keywords::id.eq(id))
        .filter(filters::account_id.eq(owner))
        .select((KeywordRow::as_select(), FilterRow::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Every keyword of the owner's filters with its filter (the v1 API's filters).
pub async fn keywords_of_owner(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
) -> QueryResult<Vec<(KeywordRow, FilterRow)>> {
    filter_keywords::table
        .inner_join(filters::table.on(filters::id.eq(filter_keywords::filter_id)))
        .filter(filters::account_id.eq(owner))
        .order(filter_keywords::id.asc())
        .select((KeywordRow::as_select(), FilterRow::as_select()))
        .load(conn)
        .await
}

pub async fn update_keyword(
    conn: &mut AsyncPgConnection,
    id: i64,
    keyword: Option<&str>,
    whole_word: Option<bool>,
) -> QueryResult<KeywordRow> {
    let target = filter_keywords::table.filter(filter_keywords::id.eq(id));
    match (keyword, whole_word) {
        (Some(k), Some(w)) => {
            diesel::update(target)
                .set((
                    filter_keywords::keyword.eq(k),
                    filter_keywords::whole_word.eq(w),
                ))
                .returning(KeywordRow::as_returning())
                .get_result(conn)
                .await
        }
        (Some(k), None) => {
            diesel::update(target)
                .set(filter_keywords::keyword.eq(k))
                .returning(KeywordRow::as_returning())
                .get_result(conn)
                .await
        }
        (None, Some(w)) => {
            diesel::update(target)
                .set(filter_keywords::whole_word.eq(w))
                .returning(KeywordRow::as_returning())
                .get_result(conn)
                .await
        }
        (None, None) => {
            filter_keywords::table
                .find(id)
                .select(KeywordRow::as_select())
                .first(conn)
                .await
        }
    }
}

pub async fn delete_keyword(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    Ok(
        diesel::delete(filter_keywords::table.filter(filter_keywords::id.eq(id)))
            .execute(conn)
            .await?
            > 0,
    )
}

/// Keywords of one filter, of `ids` (those of another filter are left alone).
pub async fn delete_keywords_of(
    conn: &mut AsyncPgConnection,
    filter: i64,
    ids: &[i64],
) -> QueryResult<usize> {
    diesel::delete(
        filter_keywords::table
            .filter(filter_keywords::filter_id.eq(filter))
            .filter(filter_keywords::id.eq_any(ids)),
    )
    .execute(conn)
    .await
}

pub async fn count_keywords(conn: &mut AsyncPgConnection, filter: i64) -> QueryResult<i64> {
    filter_keywords::table
        .filter(filter_keywords::filter_id.eq(filter))
        .count()
        .get_result(conn)
        .await
}

pub async fn add_status(
    conn: &mut AsyncPgConnection,
    filter: i64,
    status: StatusId,
) -> QueryResult<Option<StatusRow>> {
    diesel::insert_into(filter_statuses::table)
        .values((
            filter_statuses::id.eq(super::new_id()),
            filter_statuses::filter_id.eq(filter),
            filter_statuses::status_id.eq(status),
        ))
        .on_conflict_do_nothing()
        .returning(StatusRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn find_status(
    conn: &mut AsyncPgConnection,
    owner: AccountId,
    id: i64,
) -> QueryResult<Option<(StatusRow, FilterRow)>> {
    filter_statuses::table
        .inner_join(filters::table.on(filters::id.eq(filter_statuses::filter_id)))
        .filter(filter_statuses::id.eq(id))
        .filter(filters::account_id.eq(owner))
        .select((StatusRow::as_select(), FilterRow::as_select()))
        .first(conn)
        .await
        .optional()
}

pub async fn delete_status(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    Ok(
        diesel::delete(filter_statuses::table.filter(filter_statuses::id.eq(id)))
            .execute(conn)
            .await?
            > 0,
    )
}
