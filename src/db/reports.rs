//! The `reports` table: the moderation queue.

use super::{schema::reports, AccountId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = reports, check_for_backend(diesel::pg::Pg))]
pub struct Report {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub status_ids: Vec<i64>,
    pub rule_ids: Vec<i32>,
    pub comment: String,
    pub category: String,
    pub forwarded: bool,
    pub uri: Option<String>,
    pub assigned_account_id: Option<AccountId>,
    pub action_taken_at: Option<DateTime<Utc>>,
    pub action_taken_by_account_id: Option<AccountId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = reports)]
pub struct ReportInsertForm {
    pub id: i64,
    pub account_id: AccountId,
    pub target_account_id: AccountId,
    pub status_ids: Vec<i64>,
    pub rule_ids: Vec<i32>,
    pub comment: String,
    pub category: String,
    pub forwarded: bool,
    pub uri: Option<String>,
}

/// What the queue lists (Mastodon's `GET /api/v1/admin/reports` filters).
#[derive(Default, Debug, Clone)]
pub struct Filter {
    pub resolved: bool,
    pub account_id: Option<AccountId>,
    pub target_account_id: Option<AccountId>,
}

impl Report {
    /// Inserts a report; a remote one already stored (same `uri`) is not stored twice.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        form: &ReportInsertForm,
    ) -> QueryResult<Option<Report>> {
        diesel::insert_into(reports::table)
            .values(form)
            .on_conflict_do_nothing()
            .returning(Report::as_returning())
            .get_result(conn)
            .await
            .optional()
    }

    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Report>> {
        reports::table
            .find(id)
            .select(Report::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Newest first, a page before `max_id`.
    pub async fn page(
        conn: &mut AsyncPgConnection,
        filter: &Filter,
        max_id: Option<i64>,
        limit: i64,
    ) -> QueryResult<Vec<Report>> {
        let mut query = reports::table
            .select(Report::as_select())
            .order(reports::id.desc())
            .limit(limit)
            .into_boxed();
        query = if filter.resolved {
            query.filter(reports::action_taken_at.is_not_null())
        } else {
            query.filter(reports::action_taken_at.is_null())
        };
        if let Some(max) = max_id {
            query = query.filter(reports::id.lt(max));
        }
        if let Some(a) = filter.account_id {
            query = query.filter(reports::account_id.eq(a));
        }
        if let Some(a) = filter.target_account_id {
            query = query.filter(reports::target_account_id.eq(a));
        }
        query.load(conn).await
    }

    /// Marks a report resolved (`Some(by)`) or open again (`None`).
    pub async fn set_resolved(
        conn: &mut AsyncPgConnection,
        id: i64,
        by: Option<Option<AccountId>>,
    ) -> QueryResult<Report> {
        let (at, who) = match by {
            Some(who) => (Some(Utc::now()), who),
            None => (None, None),
        };
        diesel::update(reports::table.find(id))
            .set((
                reports::action_taken_at.eq(at),
                reports::action_taken_by_account_id.eq(who),
                reports::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Report::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn assign(
        conn: &mut AsyncPgConnection,
        id: i64,
        to: Option<AccountId>,
    ) -> QueryResult<Report> {
        diesel::update(reports::table.find(id))
            .set((
                reports::assigned_account_id.eq(to),
                reports::updated_at.eq(diesel::dsl::now),
            ))
            .returning(Report::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn set_forwarded(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
        diesel::update(reports::table.find(id))
            .set(reports::forwarded.eq(true))
            .execute(conn)
            .await
            .map(drop)
    }
}
