//! The `import_jobs` table: follows imports in progress and their reports
//! (services::portability runs them).

use super::{schema::import_jobs, AccountId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = import_jobs, check_for_backend(diesel::pg::Pg))]
pub struct ImportJob {
    pub id: i64,
    pub account_id: AccountId,
    pub lines: Value,
    pub total: i32,
    pub done: i32,
    pub followed: i32,
    pub failed: Value,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = import_jobs)]
pub struct ImportJobInsertForm {
    pub id: i64,
    pub account_id: AccountId,
    pub lines: Value,
    pub total: i32,
    pub failed: Value,
    /// Now: whoever stores it runs it at once, and no other process takes it meanwhile.
    pub heartbeat_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    form: &ImportJobInsertForm,
) -> QueryResult<ImportJob> {
    diesel::insert_into(import_jobs::table)
        .values(form)
        .returning(ImportJob::as_returning())
        .get_result(conn)
        .await
}

/// One of the account's jobs.
pub async fn find_for(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    id: i64,
) -> QueryResult<Option<ImportJob>> {
    import_jobs::table
        .filter(import_jobs::account_id.eq(account))
        .filter(import_jobs::id.eq(id))
        .select(ImportJob::as_select())
        .first(conn)
        .await
        .optional()
}

/// The account's newest job.
pub async fn latest_for(
    conn: &mut AsyncPgConnection,
    account: AccountId,
) -> QueryResult<Option<ImportJob>> {
    import_jobs::table
        .filter(import_jobs::account_id.eq(account))
        .select(ImportJob::as_select())
        .order(import_jobs::id.desc())
        .first(conn)
        .await
        .optional()
}

/// Takes an unfinished job that no process has worked on since `quiet_since`
/// (marking it as this one's), oldest first; several processes never take the same.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    quiet_since: DateTime<Utc>,
) -> QueryResult<Option<ImportJob>> {
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        let id: Option<i64> = import_jobs::table
            .filter(import_jobs::finished_at.is_null())
            .filter(
                import_jobs::heartbeat_at
                    .is_null()
                    .or(import_jobs::heartbeat_at.lt(quiet_since)),
            )
            .select(import_jobs::id)
            .order(import_jobs::id.asc())
            .for_update()
            .skip_locked()
            .first(conn)
            .await
            .optional()?;
        let Some(id) = id else { return Ok(None) };
        diesel::update(import_jobs::table.find(id))
            .set(import_jobs::heartbeat_at.eq(Utc::now()))
            .returning(ImportJob::as_returning())
            .get_result(conn)
            .await
            .map(Some)
    })
    .await
}

/// How far the job got (and that the process is still on it); `finished` once done.
pub async fn progress(
    conn: &mut AsyncPgConnection,
    id: i64,
    done: i32,
    followed: i32,
    failed: &Value,
    finished: bool,
) -> QueryResult<()> {
    let now = Utc::now();
    diesel::update(import_jobs::table.find(id))
        .set((
            import_jobs::done.eq(done),
            import_jobs::followed.eq(followed),
            import_jobs::failed.eq(failed),
            import_jobs::heartbeat_at.eq(now),
            import_jobs::finished_at.eq(finished.then_some(now)),
        ))
        .execute(conn)
        .await
        .map(drop)
}
