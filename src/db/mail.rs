//! The `outgoing_mail` queue and the `email_tokens` mailed links stand on
//! (services/mail.rs).

use super::{
    schema::{email_tokens, outgoing_mail},
    UserId,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, QueryableByName, Debug, Clone)]
#[diesel(table_name = outgoing_mail, check_for_backend(diesel::pg::Pg))]
pub struct QueuedMail {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub attempts: i32,
}

pub async fn queue(
    conn: &mut AsyncPgConnection,
    recipient: &str,
    subject: &str,
    body: &str,
) -> QueryResult<()> {
    diesel::insert_into(outgoing_mail::table)
        .values((
            outgoing_mail::id.eq(super::new_id()),
            outgoing_mail::recipient.eq(recipient),
            outgoing_mail::subject.eq(subject),
            outgoing_mail::body.eq(body),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Takes up to `limit` due mails for this process: they are not due again for
/// `lease_secs`, so another `serve` does not send them too while this one tries.
pub async fn claim_due(
    conn: &mut AsyncPgConnection,
    limit: i64,
    lease_secs: i64,
) -> QueryResult<Vec<QueuedMail>> {
    diesel::sql_query(
        "UPDATE outgoing_mail SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2) \
         WHERE id IN (SELECT id FROM outgoing_mail WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED) \
         RETURNING id, recipient, subject, body, attempts",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit)
    .bind::<diesel::sql_types::Double, _>(lease_secs as f64)
    .load(conn)
    .await
}

pub async fn delete(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    diesel::delete(outgoing_mail::table.find(id))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn failed(
    conn: &mut AsyncPgConnection,
    id: i64,
    error: &str,
    retry_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(outgoing_mail::table.find(id))
        .set((
            outgoing_mail::last_error.eq(error),
            outgoing_mail::next_attempt_at.eq(retry_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Mail waiting to be sent (the metrics' and `queue status`'s figure).
pub async fn pending(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    outgoing_mail::table.count().get_result(conn).await
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = email_tokens, check_for_backend(diesel::pg::Pg))]
pub struct EmailToken {
    pub id: i64,
    pub user_id: UserId,
    pub purpose: String,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_token(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: &str,
    token_hash: &str,
    email: &str,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(email_tokens::table)
        .values((
            email_tokens::id.eq(super::new_id()),
            email_tokens::user_id.eq(user),
            email_tokens::purpose.eq(purpose),
            email_tokens::token_hash.eq(token_hash),
            email_tokens::email.eq(email),
            email_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The token with this hash and purpose, if it has not expired.
pub async fn find_token(
    conn: &mut AsyncPgConnection,
    purpose: &str,
    token_hash: &str,
) -> QueryResult<Option<EmailToken>> {
    email_tokens::table
        .filter(email_tokens::token_hash.eq(token_hash))
        .filter(email_tokens::purpose.eq(purpose))
        .filter(email_tokens::expires_at.gt(Utc::now()))
        .select(EmailToken::as_select())
        .first(conn)
        .await
        .optional()
}

/// Uses the token up; false if it was already (a second click, a race).
pub async fn take_token(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    Ok(diesel::delete(email_tokens::table.find(id))
        .execute(conn)
        .await?
        > 0)
}

/// Every token of `purpose` a user has (a new reset link replaces older ones; a
/// password set ends them all), and expired ones of anybody's.
pub async fn delete_tokens(
    conn: &mut AsyncPgConnection,
    user: UserId,
    purpose: &str,
) -> QueryResult<usize> {
    diesel::delete(
        email_tokens::table.filter(
            email_tokens::user_id
                .eq(user)
                .and(email_tokens::purpose.eq(purpose))
                .or(email_tokens::expires_at.lt(Utc::now())),
        ),
    )
    .execute(conn)
    .await
}
