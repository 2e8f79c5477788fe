//! The `access_tokens` table.

use super::{
    accounts::Account,
    schema::{access_tokens, accounts, users},
    users::User,
    UserId,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn insert(conn: &mut AsyncPgConnection, user: UserId, name: &str, token_hash: &str, scopes: &str) -> QueryResult<i64> {
    let id = super::new_id();
    diesel::insert_into(access_tokens::table)
        .values((
            access_tokens::id.eq(id),
            access_tokens::user_id.eq(user),
            access_tokens::name.eq(name),
            access_tokens::token_hash.eq(token_hash),
            access_tokens::scopes.eq(scopes),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// The user, account and scopes of a live token.
pub async fn find(conn: &mut AsyncPgConnection, token_hash: &str) -> QueryResult<Option<(User, Account, String)>> {
    access_tokens::table
        .inner_join(users::table.inner_join(accounts::table))
        .filter(access_tokens::token_hash.eq(token_hash))
        .filter(access_tokens::revoked_at.is_null())
        .select((User::as_select(), Account::as_select(), access_tokens::scopes))
        .first(conn)
        .await
        .optional()
}
