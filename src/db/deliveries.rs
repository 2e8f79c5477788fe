//! The outgoing queue's tables: `outgoing_activities`, `deliveries`, `delivery_hosts`.

use super::schema::{deliveries, delivery_hosts, outgoing_activities};
use super::AccountId;
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*, sql_types};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

#[derive(Insertable)]
#[diesel(table_name = outgoing_activities)]
struct OutgoingActivityInsertForm<'a> {
    id: i64,
    /// `None`: the instance actor.
    account_id: Option<AccountId>,
    activity_uri: &'a str,
    body: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = deliveries)]
struct DeliveryInsertForm<'a> {
    outgoing_activity_id: i64,
    inbox_url: &'a str,
    host: &'a str,
}

/// Stores an activity and one delivery per (inbox, host). Call it inside the
/// transaction of the change the activity announces.
pub async fn insert(
    conn: &mut AsyncPgConnection,
    account_id: Option<AccountId>,
    activity_uri: &str,
    body: &str,
    inboxes: &[(String, String)],
) -> QueryResult<i64> {
    let id = super::new_id();
    diesel::insert_into(outgoing_activities::table)
        .values(OutgoingActivityInsertForm {
            id,
            account_id,
            activity_uri,
            body,
        })
        .execute(conn)
        .await?;
    // Large fan-outs go in slices to stay under PostgreSQL's bind-parameter limit.
    for chunk in inboxes.chunks(5000) {
        let rows: Vec<DeliveryInsertForm> = chunk
            .iter()
            .map(|(inbox, host)| DeliveryInsertForm {
                outgoing_activity_id: id,
                inbox_url: inbox,
                host,
            })
            .collect();
        diesel::insert_into(deliveries::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(id)
}

/// A delivery a worker has claimed.
#[derive(Debug, Clone, QueryableByName)]
pub struct Claimed {
    #[diesel(sql_type = sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub outgoing_activity_id: i64,
    #[diesel(sql_type = sql_types::Text)]
    pub inbox_url: String,
    #[diesel(sql_type = sql_types::Text)]
    pub host: String,
    #[diesel(sql_type = sql_types::Integer)]
    pub attempts: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The host is marked unavailable: this delivery is its probe.
    #[diesel(sql_type = sql_types::Bool)]
    pub probe: bool,
}

/// Claims due deliveries for `lease`: at most `limit`, at most `per_host` per host
/// (minus what this process already has in flight there, given in `busy`), and one
/// probe per unavailable host whose probe is due. Rows locked by another claimer are
/// skipped, so several workers and processes never claim the same row.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    limit: usize,
    per_host: usize,
    busy: &std::collections::HashMap<String, usize>,
    lease: std::time::Duration,
    probe_interval: std::time::Duration,
) -> QueryResult<Vec<Claimed>> {
    let lease_ms = lease.as_millis() as i64;
    let probe_ms = probe_interval.as_millis() as i64;
    let busy = busy.clone();
    conn.transaction(async |conn| {
        let candidates: Vec<Claimed> = diesel::sql_query(
            "SELECT d.id, d.outgoing_activity_id, d.inbox_url, d.host, d.attempts, d.created_at,
                    COALESCE(h.unavailable, FALSE) AS probe
             FROM deliveries d
             LEFT JOIN delivery_hosts h ON h.host = d.host
             WHERE d.next_attempt_at <= now()
               AND (d.locked_until IS NULL OR d.locked_until < now())
               AND (h.host IS NULL OR NOT h.unavailable OR h.next_probe_at IS NULL OR h.next_probe_at <= now())
             ORDER BY d.next_attempt_at, d.id
             LIMIT $1
             FOR UPDATE OF d SKIP LOCKED",
        )
        .bind::<sql_types::BigInt, _>((limit * 4) as i64)
        .load(conn)
        .await?;
        let mut taken: std::collections::HashMap<String, usize> = busy;
        let mut chosen = Vec::new();
        for c in candidates {
            if chosen.len() >= limit {
                break;
            }
            let n = taken.entry(c.host.clone()).or_insert(0);
            let cap = if c.probe { 1 } else { per_host };
            if *n < cap {
                *n += 1;
                chosen.push(c);
            }
        }
        if chosen.is_empty() {
            return Ok(chosen);
        }
        let ids: Vec<i64> = chosen.iter().map(|c| c.id).collect();
        diesel::sql_query("UPDATE deliveries SET locked_until = now() + make_interval(secs => $2::float8 / 1000) WHERE id = ANY($1)")
            .bind::<sql_types::Array<sql_types::BigInt>, _>(&ids)
            .bind::<sql_types::BigInt, _>(lease_ms)
            .execute(conn)
            .await?;
        let probed: Vec<&str> = chosen.iter().filter(|c| c.probe).map(|c| c.host.as_str()).collect();
        if !probed.is_empty() {
            diesel::sql_query("UPDATE delivery_hosts SET next_probe_at = now() + make_interval(secs => $2::float8 / 1000) WHERE host = ANY($1)")
                .bind::<sql_types::Array<sql_types::Text>, _>(&probed)
                .bind::<sql_types::BigInt, _>(probe_ms)
                .execute(conn)
                .await?;
        }
        Ok(chosen)
    })
    .await
}

/// The stored bodies of the given activities, with the signing account (`None`:
/// the instance actor).
pub async fn activity_bodies(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, Option<AccountId>, String, String)>> {
    outgoing_activities::table
        .filter(outgoing_activities::id.eq_any(ids))
        .select((
            outgoing_activities::id,
            outgoing_activities::account_id,
            outgoing_activities::activity_uri,
            outgoing_activities::body,
        ))
        .load(conn)
        .await
}

/// Removes deliveries that are done: sent, or failed for good.
pub async fn remove(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(deliveries::table.filter(deliveries::id.eq_any(ids)))
        .execute(conn)
        .await
}

pub async fn reschedule(
    conn: &mut AsyncPgConnection,
    id: i64,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> QueryResult<usize> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::attempts.eq(attempts),
            deliveries::next_attempt_at.eq(next_attempt_at),
            deliveries::last_error.eq(error),
            deliveries::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
}

/// Records a failed attempt at `host`; marks it unavailable once it has failed at
/// least `min_failures` times over more than `unavailable_after`. Returns whether it
/// is now unavailable.
pub async fn host_failed(
    conn: &mut AsyncPgConnection,
    host: &str,
    error: &str,
    min_failures: i32,
    unavailable_after: std::time::Duration,
    probe_interval: std::time::Duration,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = sql_types::Bool)]
        unavailable: bool,
    }
    let row: Row = diesel::sql_query(
        "INSERT INTO delivery_hosts AS h (host, consecutive_failures, last_error) VALUES ($1, 1, $2)
         ON CONFLICT (host) DO UPDATE SET
             consecutive_failures = h.consecutive_failures + 1,
             last_error = EXCLUDED.last_error,
             unavailable = h.unavailable OR (h.consecutive_failures + 1 >= $3
                 AND h.failing_since < now() - make_interval(secs => $4::float8 / 1000)),
             next_probe_at = CASE WHEN h.unavailable THEN h.next_probe_at
                                  ELSE now() + make_interval(secs => $5::float8 / 1000) END
         RETURNING unavailable",
    )
    .bind::<sql_types::Text, _>(host)
    .bind::<sql_types::Text, _>(error)
    .bind::<sql_types::Integer, _>(min_failures)
    .bind::<sql_types::BigInt, _>(unavailable_after.as_millis() as i64)
    .bind::<sql_types::BigInt, _>(probe_interval.as_millis() as i64)
    .get_result(conn)
    .await?;
    Ok(row.unavailable)
}

/// A host answered: forget its failures. If it had been failing, its waiting
/// deliveries become due now rather than at their backed-off times.
pub async fn host_recovered(conn: &mut AsyncPgConnection, host: &str) -> QueryResult<bool> {
    let was_failing = diesel::delete(delivery_hosts::table.find(host))
        .execute(conn)
        .await?
        > 0;
    if was_failing {
        diesel::update(
            deliveries::table
                .filter(deliveries::host.eq(host))
                .filter(deliveries::locked_until.is_null()),
        )
        .set(deliveries::next_attempt_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    }
    Ok(was_failing)
}

/// `queue retry HOST`: everything pending for the host is due now, and it is no
/// longer marked failing.
pub async fn retry_host(conn: &mut AsyncPgConnection, host: &str) -> QueryResult<usize> {
    conn.transaction(async |conn| {
        diesel::delete(delivery_hosts::table.find(host))
            .execute(conn)
            .await?;
        diesel::update(deliveries::table.filter(deliveries::host.eq(host)))
            .set((
                deliveries::next_attempt_at.eq(diesel::dsl::now),
                deliveries::locked_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await
    })
    .await
}

/// Activities whose deliveries are all done.
pub async fn remove_finished_activities(conn: &mut AsyncPgConnection) -> QueryResult<usize> {
    diesel::sql_query(
        "DELETE FROM outgoing_activities o WHERE o.created_at < now() - interval '1 minute'
         AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.outgoing_activity_id = o.id)",
    )
    .execute(conn)
    .await
}

#[derive(Debug, QueryableByName)]
pub struct QueueFigures {
    #[diesel(sql_type = sql_types::BigInt)]
    pub pending: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub due: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub retrying: i64,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub oldest: Option<DateTime<Utc>>,
}

pub async fn figures(conn: &mut AsyncPgConnection) -> QueryResult<QueueFigures> {
    diesel::sql_query(
        "SELECT count(*) AS pending,
                count(*) FILTER (WHERE next_attempt_at <= now()) AS due,
                count(*) FILTER (WHERE attempts > 0) AS retrying,
                min(created_at) AS oldest
         FROM deliveries",
    )
    .get_result(conn)
    .await
}

#[derive(Debug, Queryable)]
pub struct FailingHost {
    pub host: String,
    pub failing_since: DateTime<Utc>,
    pub consecutive_failures: i32,
    pub unavailable: bool,
    pub next_probe_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

pub async fn failing_hosts(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<FailingHost>> {
    delivery_hosts::table
        .order((
            delivery_hosts::unavailable.desc(),
            delivery_hosts::failing_since.asc(),
        ))
        .limit(limit)
        .load(conn)
        .await
}

pub async fn count_failing_hosts(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    delivery_hosts::table
        .select(count_star())
        .get_result(conn)
        .await
}

/// Pending deliveries per host, largest first.
pub async fn pending_by_host(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<(String, i64)>> {
    deliveries::table
        .group_by(deliveries::host)
        .select((deliveries::host, count_star()))
        .order(count_star().desc())
        .limit(limit)
        .load(conn)
        .await
}

/// Drops everything queued for `domain` and its subdomains (it was just blocked).
pub async fn remove_for_domain(conn: &mut AsyncPgConnection, domain: &str) -> QueryResult<usize> {
    diesel::sql_query("DELETE FROM deliveries WHERE split_part(host, ':', 1) = $1 OR split_part(host, ':', 1) LIKE '%.' || $1")
        .bind::<sql_types::Text, _>(domain)
        .execute(conn)
        .await
}
