//! `status_pins` (pinned posts, ours and remote accounts') and `remote_featured`
//! (where a remote account's `featured` and `featuredTags` collections are, and when
//! we read them).

use super::{
    schema::{remote_featured, status_pins, statuses},
    statuses::Status,
    AccountId, StatusId,
};
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Pins `status` for `account`; false when it was pinned already.
pub async fn pin(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    status: StatusId,
) -> QueryResult<bool> {
    let n = diesel::insert_into(status_pins::table)
        .values((
            status_pins::account_id.eq(account),
            status_pins::status_id.eq(status),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn unpin(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    status: StatusId,
) -> QueryResult<bool> {
    let n = diesel::delete(
        status_pins::table
            .filter(status_pins::account_id.eq(account))
            .filter(status_pins::status_id.eq(status)),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Unpins a post whatever pinned it (its deletion).
pub async fn unpin_status(conn: &mut AsyncPgConnection, status: StatusId) -> QueryResult<usize> {
    diesel::delete(status_pins::table.filter(status_pins::status_id.eq(status)))
        .execute(conn)
        .await
}

pub async fn count(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<i64> {
    status_pins::table
        .filter(status_pins::account_id.eq(account))
        .select(count_star())
        .get_result(conn)
        .await
}

/// An account's pinned posts (not deleted), the latest pinned first.
pub async fn of_account(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    limit: i64,
) -> QueryResult<Vec<Status>> {
    status_pins::table
        .inner_join(statuses::table.on(statuses::id.eq(status_pins::status_id)))
        .filter(status_pins::account_id.eq(account))
        .filter(statuses::deleted_at.is_null())
        .order(status_pins::created_at.desc())
        .select(Status::as_select())
        .limit(limit)
        .load(conn)
        .await
}

/// Makes `statuses` (in order, the first the latest pinned) the account's pins.
pub async fn replace(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    statuses: &[StatusId],
) -> QueryResult<()> {
    diesel::delete(
        status_pins::table
            .filter(status_pins::account_id.eq(account))
            .filter(status_pins::status_id.ne_all(statuses)),
    )
    .execute(conn)
    .await?;
    let now = Utc::now();
    let rows: Vec<_> = statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                status_pins::account_id.eq(account),
                status_pins::status_id.eq(*s),
                status_pins::created_at.eq(now - chrono::Duration::milliseconds(i as i64)),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(status_pins::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Where a remote account keeps its pinned posts (`featured`) and its featured
/// hashtags (`featuredTags`), as its actor document said.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Collections {
    pub featured: Option<String>,
    pub featured_tags: Option<String>,
}

/// A remote account's collections, and when they were last read.
pub async fn featured_of(
    conn: &mut AsyncPgConnection,
    account: AccountId,
) -> QueryResult<Option<(Collections, Option<DateTime<Utc>>)>> {
    type Row = (Option<String>, Option<String>, Option<DateTime<Utc>>);
    let row: Option<Row> = remote_featured::table
        .find(account)
        .select((
            remote_featured::url,
            remote_featured::tags_url,
            remote_featured::fetched_at,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(featured, featured_tags, fetched)| {
        (
            Collections {
                featured,
                featured_tags,
            },
            fetched,
        )
    }))
}

/// Records the collections' URLs; true when they should be read now (new, moved, or
/// not read for `stale_after`), in which case they are marked read.
pub async fn claim_featured(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    collections: &Collections,
    stale_after: chrono::Duration,
) -> QueryResult<bool> {
    let known = featured_of(conn, account).await?;
    let due = match &known {
        None => true,
        Some((old, fetched)) => {
            old != collections || fetched.is_none_or(|t| Utc::now() - t > stale_after)
        }
    };
    if due {
        let values = (
            remote_featured::url.eq(&collections.featured),
            remote_featured::tags_url.eq(&collections.featured_tags),
            remote_featured::fetched_at.eq(Some(Utc::now())),
        );
        diesel::insert_into(remote_featured::table)
            .values((remote_featured::account_id.eq(account), values))
            .on_conflict(remote_featured::account_id)
            .do_update()
            .set(values)
            .execute(conn)
            .await?;
    }
    Ok(due)
}
