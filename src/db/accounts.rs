//! The `accounts` table: local teachers and the remote actors we know.

use super::{schema::accounts, AccountId};
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    pub note: String,
    pub locked: bool,
    pub discoverable: bool,
    pub actor_type: String,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_fetched_at: Option<DateTime<Utc>>,
}

impl Account {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }
}

/// A new local account; remote accounts get their own form with the federation issue.
#[derive(Insertable, Debug)]
#[diesel(table_name = accounts)]
pub struct LocalAccountInsertForm {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub note: String,
    pub locked: bool,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
}

impl Account {
    pub async fn insert_local(conn: &mut AsyncPgConnection, form: &LocalAccountInsertForm) -> QueryResult<Account> {
        diesel::insert_into(accounts::table)
            .values(form)
            .returning(Account::as_returning())
            .get_result(conn)
            .await
    }

    /// Local usernames are unique regardless of case, as on Mastodon.
    pub async fn find_local(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<Option<Account>> {
        accounts::table
            .filter(accounts::domain.is_null())
            .filter(lower(accounts::username).eq(username.to_lowercase()))
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn count_local(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        accounts::table.filter(accounts::domain.is_null()).select(count_star()).get_result(conn).await
    }
}

impl Account {
    pub async fn find(conn: &mut AsyncPgConnection, id: AccountId) -> QueryResult<Option<Account>> {
        accounts::table.find(id).select(Account::as_select()).first(conn).await.optional()
    }
}
