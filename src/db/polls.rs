//! `polls` and `poll_votes`: our polls and other servers', the votes on ours, and
//! the votes teachers here cast on theirs.

use super::{
    schema::{accounts, poll_votes, polls},
    AccountId, StatusId,
};
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Bool, Int4, Integer},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = polls, check_for_backend(diesel::pg::Pg))]
pub struct Poll {
    pub id: i64,
    pub status_id: StatusId,
    pub account_id: AccountId,
    pub options: Vec<String>,
    pub tallies: Vec<i64>,
    pub multiple: bool,
    pub hide_totals: bool,
    pub voters_count: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Poll {
    /// Whether voting is over: its end time passed (whether or not the worker has
    /// acted on it yet).
    pub fn expired(&self) -> bool {
        self.ended_at.is_some() || self.expires_at.is_some_and(|t| t <= Utc::now())
    }

    pub fn votes_count(&self) -> i64 {
        self.tallies.iter().sum()
    }
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = polls)]
pub struct PollInsertForm {
    pub id: i64,
    pub status_id: i64,
    pub account_id: i64,
    pub options: Vec<String>,
    pub tallies: Vec<i64>,
    pub multiple: bool,
    pub hide_totals: bool,
    pub voters_count: i64,
    pub expires_at: Option<DateTime<Utc>>,
}

/// What an author's `Update` of its `Question` says now.
#[derive(AsChangeset, Debug, Clone)]
#[diesel(table_name = polls)]
pub struct PollRefreshForm {
    pub options: Vec<String>,
    pub tallies: Vec<i64>,
    pub multiple: bool,
    pub voters_count: i64,
    pub expires_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

impl Poll {
    pub async fn insert(conn: &mut AsyncPgConnection, form: &PollInsertForm) -> QueryResult<Poll> {
        diesel::insert_into(polls::table)
            .values(form)
            .returning(Poll::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn insert_many(
        conn: &mut AsyncPgConnection,
        forms: &[PollInsertForm],
    ) -> QueryResult<usize> {
        if forms.is_empty() {
            return Ok(0);
        }
        diesel::insert_into(polls::table)
            .values(forms)
            .on_conflict_do_nothing()
            .execute(conn)
            .await
    }

    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Poll>> {
        polls::table
            .find(id)
            .select(Poll::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn of_status(
        conn: &mut AsyncPgConnection,
        status: StatusId,
    ) -> QueryResult<Option<Poll>> {
        polls::table
            .filter(polls::status_id.eq(status))
            .select(Poll::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn of_statuses(
        conn: &mut AsyncPgConnection,
        statuses: &[StatusId],
    ) -> QueryResult<Vec<Poll>> {
        if statuses.is_empty() {
            return Ok(Vec::new());
        }
        polls::table
            .filter(polls::status_id.eq_any(statuses))
            .select(Poll::as_select())
            .load(conn)
            .await
    }

    /// The options `account` chose, per poll, among `polls`.
    pub async fn own_votes(
        conn: &mut AsyncPgConnection,
        polls: &[i64],
        account: AccountId,
    ) -> QueryResult<Vec<(i64, i16)>> {
        if polls.is_empty() {
            return Ok(Vec::new());
        }
        poll_votes::table
            .filter(poll_votes::poll_id.eq_any(polls))
            .filter(poll_votes::account_id.eq(account))
            .select((poll_votes::poll_id, poll_votes::choice))
            .order((poll_votes::poll_id, poll_votes::choice))
            .load(conn)
            .await
    }

    /// Takes the poll's row lock until the transaction ends. Votes arrive at once
    /// (one `Create` per option, delivered in parallel); without it two recounts run
    /// in snapshots that each miss the other's vote and one of them is lost.
    pub async fn lock(conn: &mut AsyncPgConnection, poll: i64) -> QueryResult<()> {
        polls::table
            .find(poll)
            .select(polls::id)
            .for_update()
            .first::<i64>(conn)
            .await
            .optional()?;
        Ok(())
    }

    /// Whether `account` has voted in `poll`, and for which options.
    pub async fn choices_of(
        conn: &mut AsyncPgConnection,
        poll: i64,
        account: AccountId,
    ) -> QueryResult<Vec<i16>> {
        poll_votes::table
            .filter(poll_votes::poll_id.eq(poll))
            .filter(poll_votes::account_id.eq(account))
            .select(poll_votes::choice)
            .load(conn)
            .await
    }

    /// Stores `account`'s votes (`(id, choice, uri)`), skipping any already stored (by
    /// option or by uri; all of them when the poll takes one choice and `account` has
    /// voted), and brings the poll's counts up to date: recounted from
    /// the votes for our polls (`local`), added to what the author said for others'.
    /// Answers the votes stored now.
    pub async fn add_votes(
        conn: &mut AsyncPgConnection,
        poll: &Poll,
        account: AccountId,
        votes: &[(i64, i16, Option<String>)],
        local: bool,
    ) -> QueryResult<Vec<(i64, i16)>> {
        Poll::lock(conn, poll.id).await?;
        let had_voted = !Poll::choices_of(conn, poll.id, account).await?.is_empty();
        // A second ballot in a single-choice poll counts nothing, however it arrived.
        if had_voted && !poll.multiple {
            return Ok(Vec::new());
        }
        let rows: Vec<_> = votes
            .iter()
            .map(|(id, choice, uri)| {
                (
                    poll_votes::id.eq(id),
                    poll_votes::poll_id.eq(poll.id),
                    poll_votes::account_id.eq(account),
                    poll_votes::choice.eq(choice),
                    poll_votes::uri.eq(uri),
                )
            })
            .collect();
        let stored: Vec<(i64, i16)> = diesel::insert_into(poll_votes::table)
            .values(rows)
            .on_conflict_do_nothing()
            .returning((poll_votes::id, poll_votes::choice))
            .get_results(conn)
            .await?;
        if stored.is_empty() {
            return Ok(stored);
        }
        if local {
            diesel::sql_query(
                    "UPDATE polls p SET
                        tallies = ARRAY(SELECT (SELECT count(*) FROM poll_votes v WHERE v.poll_id = p.id AND v.choice = i - 1)
                                        FROM generate_subscripts(p.options, 1) AS i ORDER BY i),
                        voters_count = (SELECT count(DISTINCT v.account_id) FROM poll_votes v WHERE v.poll_id = p.id),
                        changed_at = COALESCE(p.changed_at, now()),
                        updated_at = now()
                     WHERE p.id = $1",
                )
                .bind::<BigInt, _>(poll.id)
            .execute(conn)
            .await?;
        } else {
            let choices: Vec<i32> = stored.iter().map(|(_, c)| i32::from(*c)).collect();
            diesel::sql_query(
                    "UPDATE polls p SET
                        tallies = ARRAY(SELECT t + CASE WHEN (i - 1)::int4 = ANY($2) THEN 1 ELSE 0 END
                                        FROM unnest(p.tallies) WITH ORDINALITY AS x(t, i) ORDER BY i),
                        voters_count = p.voters_count + CASE WHEN $3 THEN 0 ELSE 1 END,
                        updated_at = now()
                     WHERE p.id = $1",
                )
                .bind::<BigInt, _>(poll.id)
                .bind::<Array<Int4>, _>(choices)
                .bind::<Bool, _>(had_voted)
            .execute(conn)
            .await?;
        }
        Ok(stored)
    }

    /// Replaces what we know of another server's poll with what its author says.
    /// When the options changed, the votes cast here no longer mean anything and go.
    pub async fn refresh(
        conn: &mut AsyncPgConnection,
        poll: &Poll,
        form: &PollRefreshForm,
    ) -> QueryResult<()> {
        if form.options != poll.options {
            diesel::delete(poll_votes::table.filter(poll_votes::poll_id.eq(poll.id)))
                .execute(conn)
                .await?;
        }
        diesel::update(polls::table.find(poll.id))
            .set(form)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// The inboxes of the remote accounts that voted in `poll`.
    pub async fn voter_inboxes(
        conn: &mut AsyncPgConnection,
        poll: i64,
    ) -> QueryResult<Vec<String>> {
        let rows: Vec<(Option<String>, Option<String>)> = poll_votes::table
            .inner_join(accounts::table.on(accounts::id.eq(poll_votes::account_id)))
            .filter(poll_votes::poll_id.eq(poll))
            .filter(accounts::domain.is_not_null())
            .select((accounts::shared_inbox_url, accounts::inbox_url))
            .distinct()
            .load(conn)
            .await?;
        let mut inboxes: Vec<String> = rows
            .into_iter()
            .filter_map(|(shared, personal)| shared.or(personal))
            .collect();
        inboxes.sort();
        inboxes.dedup();
        Ok(inboxes)
    }

    /// Takes (for this process) up to `limit` polls whose end passed and that were
    /// not acted on yet, marking them ended.
    pub async fn claim_ended(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<Poll>> {
        let ids: Vec<i64> = super::prepared::Cached(
            diesel::sql_query(
                "UPDATE polls SET ended_at = now() WHERE id IN (
                    SELECT id FROM polls WHERE ended_at IS NULL AND expires_at IS NOT NULL AND expires_at <= now()
                    ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                 RETURNING id",
            )
            .bind::<BigInt, _>(limit),
        )
        .load::<IdRow>(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        Poll::many(conn, &ids).await
    }

    /// Takes up to `limit` of our polls whose counts changed before `before` and
    /// were not sent since, marking them sent.
    pub async fn claim_changed(
        conn: &mut AsyncPgConnection,
        before: DateTime<Utc>,
        limit: i64,
    ) -> QueryResult<Vec<Poll>> {
        let ids: Vec<i64> = super::prepared::Cached(
            diesel::sql_query(
                "UPDATE polls SET changed_at = NULL WHERE id IN (
                    SELECT id FROM polls WHERE changed_at IS NOT NULL AND changed_at <= $1
                    ORDER BY changed_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                 RETURNING id",
            )
            .bind::<diesel::sql_types::Timestamptz, _>(before)
            .bind::<BigInt, _>(limit),
        )
        .load::<IdRow>(conn)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
        Poll::many(conn, &ids).await
    }

    async fn many(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<Poll>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        polls::table
            .filter(polls::id.eq_any(ids))
            .select(Poll::as_select())
            .load(conn)
            .await
    }

    /// The `poll` notifications of an ended poll (SQL `notify_poll_ended`): its local
    /// voters and its author if local. How many were written.
    pub async fn notify_ended(conn: &mut AsyncPgConnection, poll: i64) -> QueryResult<i32> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Integer)]
            n: i32,
        }
        let row: Row = super::prepared::Cached(
            diesel::sql_query("SELECT notify_poll_ended($1) AS n").bind::<BigInt, _>(poll),
        )
        .get_result(conn)
        .await?;
        Ok(row.n)
    }

    /// Whether any local account voted in `poll`.
    pub async fn has_local_voters(conn: &mut AsyncPgConnection, poll: i64) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            poll_votes::table
                .inner_join(accounts::table.on(accounts::id.eq(poll_votes::account_id)))
                .filter(poll_votes::poll_id.eq(poll))
                .filter(accounts::domain.is_null()),
        ))
        .get_result(conn)
        .await
    }
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}
