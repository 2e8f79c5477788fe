//! `account_aliases` (an account's `alsoKnownAs`) and `accounts.moved_to_account_id`:
//! what account migration stands on (services/moving.rs).

use super::{
    accounts::Account,
    schema::{account_aliases, accounts, follows},
    AccountId,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn of(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<Vec<String>> {
    account_aliases::table
        .filter(account_aliases::account_id.eq(account))
        .select(account_aliases::uri)
        .order(account_aliases::uri)
        .load(conn)
        .await
}

/// Replaces the account's aliases with `uris`.
pub async fn set(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    uris: &[String],
) -> QueryResult<()> {
    diesel::delete(account_aliases::table.filter(account_aliases::account_id.eq(account)))
        .execute(conn)
        .await?;
    if uris.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = uris
        .iter()
        .map(|u| {
            (
                account_aliases::account_id.eq(account),
                account_aliases::uri.eq(u),
            )
        })
        .collect();
    diesel::insert_into(account_aliases::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(drop)
}

pub async fn moved_to(
    conn: &mut AsyncPgConnection,
    account: AccountId,
) -> QueryResult<Option<Account>> {
    let target: Option<Option<i64>> = accounts::table
        .find(account)
        .select(accounts::moved_to_account_id)
        .first(conn)
        .await
        .optional()?;
    match target.flatten() {
        Some(id) => Account::find(conn, AccountId(id)).await,
        None => Ok(None),
    }
}

pub async fn set_moved_to(
    conn: &mut AsyncPgConnection,
    account: AccountId,
    target: Option<AccountId>,
) -> QueryResult<()> {
    diesel::update(accounts::table.find(account))
        .set(accounts::moved_to_account_id.eq(target.map(|t| t.0)))
        .execute(conn)
        .await
        .map(drop)
}

/// Local accounts following (or asking to follow) `target`: whose follows a Move re-points.
pub async fn local_followers(
    conn: &mut AsyncPgConnection,
    target: AccountId,
) -> QueryResult<Vec<Account>> {
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(target))
        .filter(accounts::domain.is_null())
        .select(Account::as_select())
        .order(follows::id.asc())
        .load(conn)
        .await
}

/// Inboxes of the remote accounts `account` follows or is followed by (each
/// server's shared inbox when it has one): who hears of its deletion.
pub async fn related_inboxes(
    conn: &mut AsyncPgConnection,
    account: AccountId,
) -> QueryResult<Vec<String>> {
    diesel::sql_query(
        "SELECT DISTINCT COALESCE(a.shared_inbox_url, a.inbox_url) AS inbox FROM follows f \
         JOIN accounts a ON a.id = CASE WHEN f.account_id = $1 THEN f.target_account_id ELSE f.account_id END \
         WHERE (f.account_id = $1 OR f.target_account_id = $1) AND a.domain IS NOT NULL \
         AND COALESCE(a.shared_inbox_url, a.inbox_url) IS NOT NULL",
    )
    .bind::<diesel::sql_types::BigInt, _>(account.0)
    .load::<Inbox>(conn)
    .await
    .map(|rows| rows.into_iter().map(|r| r.inbox).collect())
}

#[derive(QueryableByName)]
struct Inbox {
    #[diesel(sql_type = diesel::sql_types::Text)]
    inbox: String,
}

/// What deleting a local account removes at once: its posts, follows both ways,
/// its login (sessions, tokens and the rest go with the user row); its profile is
/// emptied and the account suspended. The row itself stays, with its keys, so the
/// queued `Delete` can still be signed, and its name is not taken again.
pub async fn erase_local(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<()> {
    use super::schema::{statuses, users};
    diesel::delete(statuses::table.filter(statuses::account_id.eq(account)))
        .execute(conn)
        .await?;
    diesel::delete(
        follows::table.filter(
            follows::account_id
                .eq(account)
                .or(follows::target_account_id.eq(account)),
        ),
    )
    .execute(conn)
    .await?;
    diesel::delete(users::table.filter(users::account_id.eq(account)))
        .execute(conn)
        .await?;
    diesel::delete(account_aliases::table.filter(account_aliases::account_id.eq(account)))
        .execute(conn)
        .await?;
    diesel::update(accounts::table.find(account))
        .set((
            accounts::display_name.eq(""),
            accounts::note.eq(""),
            accounts::suspended_at.eq(Some(chrono::Utc::now())),
            accounts::discoverable.eq(false),
        ))
        .execute(conn)
        .await
        .map(drop)
}
