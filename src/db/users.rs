//! The `users` table: the people who sign in here, each owning one local account.

use super::{
    accounts::Account,
    schema::{accounts, users},
    AccountId, UserId,
};
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// A user's place in running the instance, highest first (the derived order is
/// by power: `Owner > Admin > Moderator > Member`). What each may do is
/// `services::roles`' business; this is how it is stored.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
pub enum Role {
    Member,
    Moderator,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Moderator, Role::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Moderator => "moderator",
            Role::Member => "member",
        }
    }

    /// A role by its stored (and command-line) name, in any letter case.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg> for Role {
    fn to_sql<'b>(
        &'b self,
        out: &mut diesel::serialize::Output<'b, '_, diesel::pg::Pg>,
    ) -> diesel::serialize::Result {
        <str as diesel::serialize::ToSql<diesel::sql_types::Text, diesel::pg::Pg>>::to_sql(
            self.as_str(),
            out,
        )
    }
}

impl diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg> for Role {
    fn from_sql(bytes: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let name = <String as diesel::deserialize::FromSql<
            diesel::sql_types::Text,
            diesel::pg::Pg,
        >>::from_sql(bytes)?;
        Role::parse(&name).ok_or_else(|| format!("unknown role {name:?} in the database").into())
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub account_id: AccountId,
    pub email: Option<String>,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_active_at: DateTime<Utc>,
    /// What the compose form starts with (`statuses.visibility`'s numbers).
    pub default_visibility: i16,
    /// The language of the pages; `None`: the browser's.
    pub language: Option<String>,
    pub role: Role,
    /// False while a sign-up waits for an admin's approval: it cannot sign in.
    pub approved: bool,
    pub sign_up_reason: Option<String>,
    pub invite_id: Option<i64>,
    /// Switched off by a moderator: cannot sign in.
    pub disabled: bool,
    /// When the address was shown to be theirs (a mailed link followed, or typed by
    /// an admin); password resets are mailed only to confirmed addresses.
    pub email_confirmed_at: Option<DateTime<Utc>>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = users)]
pub struct UserInsertForm {
    pub id: UserId,
    pub account_id: AccountId,
    pub email: Option<String>,
    pub password_hash: String,
    pub role: Role,
    pub approved: bool,
    pub sign_up_reason: Option<String>,
    pub invite_id: Option<i64>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
}

impl User {
    pub async fn insert(conn: &mut AsyncPgConnection, form: &UserInsertForm) -> QueryResult<User> {
        diesel::insert_into(users::table)
            .values(form)
            .returning(User::as_returning())
            .get_result(conn)
            .await
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
    pub async fn count_active_since(
        conn: &mut AsyncPgConnection,
        since: DateTime<Utc>,
    ) -> QueryResult<i64> {
        users::table
            .filter(users::last_active_at.ge(since))
            .select(count_star())
            .get_result(conn)
            .await
    }

    pub async fn set_preferences(
        conn: &mut AsyncPgConnection,
        id: UserId,
        default_visibility: i16,
        language: Option<&str>,
    ) -> QueryResult<User> {
        diesel::update(users::table.find(id))
            .set((
                users::default_visibility.eq(default_visibility),
                users::language.eq(language),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn count(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        users::table.select(count_star()).get_result(conn).await
    }
}

impl User {
    pub async fn find_by_account(
        conn: &mut AsyncPgConnection,
        account: AccountId,
    ) -> QueryResult<Option<User>> {
        users::table
            .filter(users::account_id.eq(account))
            .select(User::as_select())
            .first(conn)
            .await
            .optional()
    }
}

impl User {
    /// The user signing in with an email address (compared without case).
    pub async fn find_by_email(
        conn: &mut AsyncPgConnection,
        email: &str,
    ) -> QueryResult<Option<(User, Account)>> {
        use diesel::dsl::sql;
        use diesel::sql_types::Bool;
        users::table
            .inner_join(accounts::table)
            .filter(
                sql::<Bool>("lower(users.email) = ")
                    .bind::<diesel::sql_types::Text, _>(email.to_lowercase()),
            )
            .select((User::as_select(), Account::as_select()))
            .first(conn)
            .await
            .optional()
    }
}

impl User {
    pub async fn set_password_hash(
        conn: &mut AsyncPgConnection,
        id: UserId,
        password_hash: &str,
    ) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::password_hash.eq(password_hash))
            .execute(conn)
            .await
            .map(drop)
    }
}

impl User {
    pub async fn set_role(conn: &mut AsyncPgConnection, id: UserId, role: Role) -> QueryResult<()> {
        diesel::update(users::table.find(id))
            .set(users::role.eq(role))
            .execute(conn)
            .await
            .map(drop)
    }
}

impl User {
    pub async fn approve(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<bool> {
        Ok(
            diesel::update(users::table.find(id).filter(users::approved.eq(false)))
                .set(users::approved.eq(true))
                .execute(conn)
                .await?
                > 0,
        )
    }

    /// Sign-ups waiting for approval, oldest first.
    pub async fn pending(
        conn: &mut AsyncPgConnection,
        limit: i64,
    ) -> QueryResult<Vec<(User, Account)>> {
        users::table
            .inner_join(accounts::table)
            .filter(users::approved.eq(false))
            .select((User::as_select(), Account::as_select()))
            .order(users::id.asc())
            .limit(limit)
            .load(conn)
            .await
    }
}

impl User {
    pub async fn set_disabled(
        conn: &mut AsyncPgConnection,
        id: UserId,
        disabled: bool,
    ) -> QueryResult<bool> {
        Ok(
            diesel::update(users::table.find(id).filter(users::disabled.ne(disabled)))
                .set(users::disabled.eq(disabled))
                .execute(conn)
                .await?
                > 0,
        )
    }
}

impl User {
    pub async fn find(conn: &mut AsyncPgConnection, id: UserId) -> QueryResult<Option<User>> {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Marks `email` confirmed, if it is still the user's address.
    pub async fn confirm_email(
        conn: &mut AsyncPgConnection,
        id: UserId,
        email: &str,
    ) -> QueryResult<bool> {
        Ok(
            diesel::update(users::table.find(id).filter(users::email.eq(email)))
                .set(users::email_confirmed_at.eq(Some(Utc::now())))
                .execute(conn)
                .await?
                > 0,
        )
    }

    /// Confirmed addresses of the users whose role is one of `roles` (who hears of
    /// sign-ups waiting for approval).
    pub async fn confirmed_emails_with_roles(
        conn: &mut AsyncPgConnection,
        roles: &[Role],
    ) -> QueryResult<Vec<String>> {
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        users::table
            .filter(users::role.eq_any(names))
            .filter(users::email_confirmed_at.is_not_null())
            .filter(users::disabled.eq(false))
            .select(users::email.assume_not_null())
            .load(conn)
            .await
    }
}
