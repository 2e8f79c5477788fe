//! The `users` table: the people who sign in here, each owning one local account.

use super::{accounts::Account, schema::{accounts, users}, AccountId, UserId};
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub account_id: AccountId,
    pub email: Option<String>,
    pub password_hash: String,
    pub admin: bool,
    pub created_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    /// What the compose form starts with (`statuses.visibility`'s numbers).
    pub default_visibility: i16,
    /// The language of the pages; `None`: the browser's.
    pub language: Option<String>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = users)]
pub struct UserInsertForm {
    pub id: UserId,
    pub account_id: AccountId,
    pub email: Option<String>,
    pub password_hash: String,
    pub admin: bool,
}

impl User {
    pub async fn insert(conn: &mut AsyncPgConnection, form: &UserInsertForm) -> QueryResult<User> {
        diesel::insert_into(users::table).values(form).returning(User::as_returning()).get_result(conn).await
    }

    /// Users with their accounts, oldest first, a page at a time.
    pub async fn list_with_accounts(
        conn: &mut AsyncPgConnection,
        after: Option<UserId>,
        limit: i64,
    ) -> QueryResult<Vec<(User, Account)>> {
        let mut query = users::table
            .inner_join(accounts::table)
            .select((User::as_select(), Account::as_select()))
            .order(users::id.asc())
            .limit(limit)
            .into_boxed();
        if let Some(after) = after {
            query = query.filter(users::id.gt(after));
        }
        query.load(conn).await
    }

    /// Users seen since `since`, for NodeInfo's active-user figures.
    pub async fn count_active_since(conn: &mut AsyncPgConnection, since: DateTime<Utc>) -> QueryResult<i64> {
        users::table.filter(users::last_active_at.ge(since)).select(count_star()).get_result(conn).await
    }

    pub async fn set_preferences(conn: &mut AsyncPgConnection, id: UserId, default_visibility: i16, language: Option<&str>) -> QueryResult<User> {
        diesel::update(users::table.find(id))
            .set((users::default_visibility.eq(default_visibility), users::language.eq(language)))
            .returning(User::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        users::table.select(count_star()).get_result(conn).await
    }
}

impl User {
    pub async fn find_by_account(conn: &mut AsyncPgConnection, account: AccountId) -> QueryResult<Option<User>> {
        users::table.filter(users::account_id.eq(account)).select(User::as_select()).first(conn).await.optional()
    }
}

impl User {
    /// The user signing in with an email address (compared without case).
    pub async fn find_by_email(conn: &mut AsyncPgConnection, email: &str) -> QueryResult<Option<(User, Account)>> {
        use diesel::dsl::sql;
        use diesel::sql_types::Bool;
        users::table
            .inner_join(accounts::table)
            .filter(sql::<Bool>("lower(users.email) = ").bind::<diesel::sql_types::Text, _>(email.to_lowercase()))
            .select((User::as_select(), Account::as_select()))
            .first(conn)
            .await
            .optional()
    }
}

impl User {
    pub async fn set_password_hash(conn: &mut AsyncPgConnection, id: UserId, password_hash: &str) -> QueryResult<()> {
        diesel::update(users::table.find(id)).set(users::password_hash.eq(password_hash)).execute(conn).await.map(drop)
    }
}
