//! The `access_tokens` table.

use super::{
    accounts::Account,
    schema::{access_tokens, accounts, users},
    users::User,
    UserId,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn insert(
    conn: &mut AsyncPgConnection,
    user: UserId,
    name: &str,
    token_hash: &str,
    scopes: &str,
) -> QueryResult<i64> {
    insert_for_app(conn, Some(user), None, name, token_hash, scopes).await
}

/// A token issued through OAuth: for an app, with a user unless it came from
/// the client-credentials grant.
pub async fn insert_for_app(
    conn: &mut AsyncPgConnection,
    user: Option<UserId>,
    app: Option<i64>,
    name: &str,
    token_hash: &str,
    scopes: &str,
) -> QueryResult<i64> {
    let id = super::new_id();
    diesel::insert_into(access_tokens::table)
        .values((
            access_tokens::id.eq(id),
            access_tokens::user_id.eq(user),
            access_tokens::app_id.eq(app),
            access_tokens::name.eq(name),
            access_tokens::token_hash.eq(token_hash),
            access_tokens::scopes.eq(scopes),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// A live token: its user (none for app-only tokens), app and scopes.
pub struct Token {
    pub name: String,
    pub scopes: String,
    pub app_id: Option<i64>,
    pub user: Option<(User, Account)>,
}

/// name, scopes, app, and the user with their account when there is one.
type TokenRow = (String, String, Option<i64>, Option<User>, Option<Account>);

pub async fn find(conn: &mut AsyncPgConnection, token_hash: &str) -> QueryResult<Option<Token>> {
    let row: Option<TokenRow> = access_tokens::table
        .left_join(users::table.inner_join(accounts::table))
        .filter(access_tokens::token_hash.eq(token_hash))
        .filter(access_tokens::revoked_at.is_null())
        .select((
            access_tokens::name,
            access_tokens::scopes,
            access_tokens::app_id,
            Option::<User>::as_select(),
            Option::<Account>::as_select(),
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(|(name, scopes, app_id, user, account)| Token {
        name,
        scopes,
        app_id,
        user: user.zip(account),
    }))
}

/// Revokes a token of `app`; whether there was one to revoke.
pub async fn revoke_for_app(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
    app: i64,
) -> QueryResult<bool> {
    let n = diesel::update(
        access_tokens::table
            .filter(access_tokens::token_hash.eq(token_hash))
            .filter(access_tokens::app_id.eq(app))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// One live token of a user for an app, with the app.
pub struct AppToken {
    pub app: super::apps::App,
    pub scopes: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A user's live tokens issued to apps, newest first, at most `limit`
/// (`access_tokens_user_id` serves it).
pub async fn for_apps_of_user(
    conn: &mut AsyncPgConnection,
    user: UserId,
    limit: i64,
) -> QueryResult<Vec<AppToken>> {
    use super::schema::oauth_apps;
    /// The app, the scopes, when the token was made and when last used.
    type Row = (
        super::apps::App,
        String,
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    );
    let rows: Vec<Row> = access_tokens::table
        .inner_join(oauth_apps::table)
        .filter(access_tokens::user_id.eq(user))
        .filter(access_tokens::revoked_at.is_null())
        .order(access_tokens::id.desc())
        .limit(limit)
        .select((
            super::apps::App::as_select(),
            access_tokens::scopes,
            access_tokens::created_at,
            access_tokens::last_used_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(app, scopes, created_at, last_used_at)| AppToken {
            app,
            scopes,
            created_at,
            last_used_at,
        })
        .collect())
}

/// Revokes every live token `user` gave `app`; how many there were.
pub async fn revoke_app_for_user(
    conn: &mut AsyncPgConnection,
    user: UserId,
    app: i64,
) -> QueryResult<usize> {
    diesel::update(
        access_tokens::table
            .filter(access_tokens::user_id.eq(user))
            .filter(access_tokens::app_id.eq(app))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// Revokes every token of `user` (a password reset by an admin).
pub async fn revoke_all_for_user(conn: &mut AsyncPgConnection, user: UserId) -> QueryResult<usize> {
    diesel::update(
        access_tokens::table
            .filter(access_tokens::user_id.eq(user))
            .filter(access_tokens::revoked_at.is_null()),
    )
    .set(access_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}
