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
    pub public_key_id: Option<String>,
    /// Moderation (services::moderation): refused, limited to followers, media behind a warning.
    pub suspended_at: Option<DateTime<Utc>>,
    pub silenced_at: Option<DateTime<Utc>>,
    pub sensitized_at: Option<DateTime<Utc>>,
    /// Whether their public posts may be found by their words (Mastodon's `indexable`).
    pub indexable: bool,
    /// Our teachers' avatar and header: keys in the media store.
    pub avatar_key: Option<String>,
    pub header_key: Option<String>,
    /// Other servers' actors' `icon` and `image`, as they gave them (checked http(s) URLs).
    pub avatar_remote_url: Option<String>,
    pub header_remote_url: Option<String>,
}

impl Account {
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }
}

/// A `LIKE` pattern for what starts with `prefix`, in lower case, its wildcards escaped.
fn like_prefix(prefix: &str) -> String {
    let escaped = prefix
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("{escaped}%")
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
    pub async fn insert_local(
        conn: &mut AsyncPgConnection,
        form: &LocalAccountInsertForm,
    ) -> QueryResult<Account> {
        diesel::insert_into(accounts::table)
            .values(form)
            .returning(Account::as_returning())
            .get_result(conn)
            .await
    }

    /// Local usernames are unique regardless of case, as on Mastodon.
    pub async fn find_local(
        conn: &mut AsyncPgConnection,
        username: &str,
    ) -> QueryResult<Option<Account>> {
        accounts::table
            .filter(accounts::domain.is_null())
            .filter(lower(accounts::username).eq(username.to_lowercase()))
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Local accounts whose username starts with `prefix` (any letter case), in
    /// order of username; `accounts_local_username_prefix` serves it.
    pub async fn local_by_prefix(
        conn: &mut AsyncPgConnection,
        prefix: &str,
        limit: i64,
    ) -> QueryResult<Vec<Account>> {
        accounts::table
            .filter(accounts::domain.is_null())
            .filter(lower(accounts::username).like(like_prefix(prefix)))
            .order(lower(accounts::username))
            .limit(limit)
            .select(Account::as_select())
            .load(conn)
            .await
    }

    /// The accounts `follower` follows whose username starts with `prefix`, in order
    /// of username: read through `follower`'s follows (the unique index on
    /// `(account_id, target_account_id)`), however many accounts there are.
    pub async fn followed_by_prefix(
        conn: &mut AsyncPgConnection,
        follower: AccountId,
        prefix: &str,
        limit: i64,
    ) -> QueryResult<Vec<Account>> {
        use super::schema::follows;
        accounts::table
            .inner_join(follows::table.on(follows::target_account_id.eq(accounts::id)))
            .filter(follows::account_id.eq(follower))
            .filter(follows::accepted.eq(true))
            .filter(lower(accounts::username).like(like_prefix(prefix)))
            .order(lower(accounts::username))
            .limit(limit)
            .select(Account::as_select())
            .load(conn)
            .await
    }

    pub async fn count_local(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
        accounts::table
            .filter(accounts::domain.is_null())
            .select(count_star())
            .get_result(conn)
            .await
    }
}

impl Account {
    pub async fn find(conn: &mut AsyncPgConnection, id: AccountId) -> QueryResult<Option<Account>> {
        accounts::table
            .find(id)
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }
}

/// A remote actor as fetched; stored or refreshed by its ActivityPub id.
#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = accounts)]
pub struct RemoteAccountForm {
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    pub note: String,
    pub locked: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub actor_type: String,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub inbox_url: Option<String>,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub public_key_pem: String,
    pub public_key_id: Option<String>,
    pub last_fetched_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    // Written as they are (NULL too), so an actor that drops its avatar loses it here.
    #[diesel(treat_none_as_null = true)]
    pub avatar_remote_url: Option<String>,
    #[diesel(treat_none_as_null = true)]
    pub header_remote_url: Option<String>,
}

impl Account {
    pub async fn upsert_remote(
        conn: &mut AsyncPgConnection,
        form: &RemoteAccountForm,
    ) -> QueryResult<Account> {
        use diesel::upsert::DecoratableTarget;
        diesel::insert_into(accounts::table)
            .values((accounts::id.eq(AccountId::generate()), form))
            .on_conflict(accounts::uri)
            .filter_target(accounts::uri.is_not_null())
            .do_update()
            .set(form)
            .returning(Account::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find_by_uri(
        conn: &mut AsyncPgConnection,
        uri: &str,
    ) -> QueryResult<Option<Account>> {
        accounts::table
            .filter(accounts::uri.eq(uri))
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn find_by_key_id(
        conn: &mut AsyncPgConnection,
        key_id: &str,
    ) -> QueryResult<Option<Account>> {
        accounts::table
            .filter(accounts::public_key_id.eq(key_id))
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn find_remote(
        conn: &mut AsyncPgConnection,
        username: &str,
        domain: &str,
    ) -> QueryResult<Option<Account>> {
        accounts::table
            .filter(lower(accounts::username).eq(username.to_lowercase()))
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("lower(domain) = ")
                    .bind::<diesel::sql_types::Text, _>(domain.to_lowercase()),
            )
            .select(Account::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn delete(conn: &mut AsyncPgConnection, id: AccountId) -> QueryResult<usize> {
        diesel::delete(accounts::table.find(id)).execute(conn).await
    }
}

/// What a teacher may change in their profile.
#[derive(AsChangeset, Debug, Default)]
#[diesel(table_name = accounts)]
pub struct ProfileUpdateForm {
    pub display_name: Option<String>,
    pub note: Option<String>,
    pub locked: Option<bool>,
    pub discoverable: Option<bool>,
    pub indexable: Option<bool>,
    pub updated_at: Option<DateTime<Utc>>,
    pub avatar_key: Option<String>,
    pub header_key: Option<String>,
}

impl Account {
    /// Makes a local account a `Group` (a subject group hosted here), open or closed.
    pub async fn make_group(
        conn: &mut AsyncPgConnection,
        id: AccountId,
        closed: bool,
    ) -> QueryResult<Account> {
        diesel::update(accounts::table.find(id).filter(accounts::domain.is_null()))
            .set((
                accounts::actor_type.eq("Group"),
                accounts::locked.eq(closed),
                accounts::discoverable.eq(true),
            ))
            .returning(Account::as_returning())
            .get_result(conn)
            .await
    }

    /// The local groups among `ids`.
    pub async fn local_groups_among(
        conn: &mut AsyncPgConnection,
        ids: &[AccountId],
    ) -> QueryResult<Vec<Account>> {
        accounts::table
            .filter(accounts::id.eq_any(ids))
            .filter(accounts::domain.is_null())
            .filter(accounts::actor_type.eq("Group"))
            .select(Account::as_select())
            .load(conn)
            .await
    }

    /// The avatar and header keys, the row locked until the transaction ends (a
    /// change replacing them removes the old files after it commits).
    pub async fn image_keys(
        conn: &mut AsyncPgConnection,
        id: AccountId,
    ) -> QueryResult<(Option<String>, Option<String>)> {
        accounts::table
            .find(id)
            .select((accounts::avatar_key, accounts::header_key))
            .for_update()
            .get_result(conn)
            .await
    }

    pub async fn update_profile(
        conn: &mut AsyncPgConnection,
        id: AccountId,
        form: &ProfileUpdateForm,
    ) -> QueryResult<Account> {
        diesel::update(accounts::table.find(id))
            .set(form)
            .returning(Account::as_returning())
            .get_result(conn)
            .await
    }
}

/// A moderation flag of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    Suspended,
    Silenced,
    Sensitized,
}

impl Account {
    /// Sets (`on`) or clears a moderation flag; whether it changed.
    pub async fn set_limit(
        conn: &mut AsyncPgConnection,
        id: AccountId,
        limit: Limit,
        on: bool,
    ) -> QueryResult<bool> {
        let at = on.then(Utc::now);
        let target = accounts::table.find(id);
        let n = match limit {
            Limit::Suspended => {
                diesel::update(target.filter(accounts::suspended_at.is_null().eq(on)))
                    .set(accounts::suspended_at.eq(at))
                    .execute(conn)
                    .await?
            }
            Limit::Silenced => {
                diesel::update(target.filter(accounts::silenced_at.is_null().eq(on)))
                    .set(accounts::silenced_at.eq(at))
                    .execute(conn)
                    .await?
            }
            Limit::Sensitized => {
                diesel::update(target.filter(accounts::sensitized_at.is_null().eq(on)))
                    .set(accounts::sensitized_at.eq(at))
                    .execute(conn)
                    .await?
            }
        };
        Ok(n > 0)
    }

    pub async fn find_many(
        conn: &mut AsyncPgConnection,
        ids: &[AccountId],
    ) -> QueryResult<Vec<Account>> {
        accounts::table
            .filter(accounts::id.eq_any(ids))
            .select(Account::as_select())
            .load(conn)
            .await
    }
}

/// What the admin account list filters by (Mastodon's `GET /api/v1/admin/accounts`).
#[derive(Default, Debug, Clone)]
pub struct AdminFilter {
    /// Not suspended.
    pub active: bool,
    pub local: bool,
    pub remote: bool,
    pub suspended: bool,
    pub silenced: bool,
    pub pending: bool,
    pub disabled: bool,
    pub staff: bool,
    pub username: Option<String>,
    pub by_domain: Option<String>,
}

impl Account {
    /// Accounts with their user (local ones), newest first, a page before `max_id`.
    pub async fn admin_page(
        conn: &mut AsyncPgConnection,
        filter: &AdminFilter,
        max_id: Option<AccountId>,
        limit: i64,
    ) -> QueryResult<Vec<(Account, Option<super::users::User>)>> {
        use super::schema::users;
        let mut query = accounts::table
            .left_join(users::table)
            .select((
                Account::as_select(),
                Option::<super::users::User>::as_select(),
            ))
            .order(accounts::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(max) = max_id {
            query = query.filter(accounts::id.lt(max));
        }
        if filter.local {
            query = query.filter(accounts::domain.is_null());
        }
        if filter.remote {
            query = query.filter(accounts::domain.is_not_null());
        }
        if filter.suspended {
            query = query.filter(accounts::suspended_at.is_not_null());
        }
        if filter.active {
            query = query.filter(accounts::suspended_at.is_null());
        }
        if filter.silenced {
            query = query.filter(accounts::silenced_at.is_not_null());
        }
        if filter.pending {
            query = query.filter(users::approved.eq(false));
        }
        if filter.disabled {
            query = query.filter(users::disabled.eq(true));
        }
        if filter.staff {
            query = query.filter(users::role.ne(super::users::Role::Member));
        }
        // Mastodon's filter: usernames starting with it.
        if let Some(name) = &filter.username {
            query = query.filter(lower(accounts::username).like(like_prefix(name)));
        }
        if let Some(domain) = &filter.by_domain {
            query = query.filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("lower(accounts.domain) = ")
                    .bind::<diesel::sql_types::Text, _>(domain.to_lowercase()),
            );
        }
        query.load(conn).await
    }
}
