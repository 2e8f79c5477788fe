//! The `oauth_apps` and `oauth_codes` tables: apps registered through
//! `POST /api/v1/apps`, and the single-use codes of the authorization-code flow.

use super::{
    schema::{oauth_apps, oauth_codes},
    UserId,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = oauth_apps, check_for_backend(diesel::pg::Pg))]
pub struct App {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    /// One URI per line.
    pub redirect_uris: String,
    pub scopes: String,
    pub client_id: String,
    pub client_secret_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = oauth_apps)]
pub struct AppInsertForm {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub redirect_uris: String,
    pub scopes: String,
    pub client_id: String,
    pub client_secret_hash: String,
}

impl App {
    pub async fn insert(conn: &mut AsyncPgConnection, form: &AppInsertForm) -> QueryResult<App> {
        diesel::insert_into(oauth_apps::table)
            .values(form)
            .returning(App::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find_by_client_id(
        conn: &mut AsyncPgConnection,
        client_id: &str,
    ) -> QueryResult<Option<App>> {
        oauth_apps::table
            .filter(oauth_apps::client_id.eq(client_id))
            .select(App::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<App>> {
        oauth_apps::table
            .find(id)
            .select(App::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub fn redirect_uri_list(&self) -> impl Iterator<Item = &str> {
        self.redirect_uris
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = oauth_codes, check_for_backend(diesel::pg::Pg))]
pub struct Code {
    pub code_hash: String,
    pub app_id: i64,
    pub user_id: UserId,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl Code {
    /// Stores a new code, clearing expired ones on the way (the index on
    /// `expires_at` keeps that cheap), so the table never grows with abandoned sign-ins.
    pub async fn insert(conn: &mut AsyncPgConnection, code: &Code) -> QueryResult<()> {
        diesel::delete(oauth_codes::table.filter(oauth_codes::expires_at.lt(Utc::now())))
            .execute(conn)
            .await?;
        diesel::insert_into(oauth_codes::table)
            .values(code)
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Drops the codes `user` was given for `app` and has not exchanged yet (the
    /// table holds only codes of the last ten minutes, so it stays small).
    pub async fn delete_for(
        conn: &mut AsyncPgConnection,
        user: UserId,
        app: i64,
    ) -> QueryResult<usize> {
        diesel::delete(
            oauth_codes::table
                .filter(oauth_codes::user_id.eq(user))
                .filter(oauth_codes::app_id.eq(app)),
        )
        .execute(conn)
        .await
    }

    /// Removes the code and returns it: a code works once, even when two
    /// requests race for it.
    pub async fn take(conn: &mut AsyncPgConnection, code_hash: &str) -> QueryResult<Option<Code>> {
        diesel::delete(oauth_codes::table.filter(oauth_codes::code_hash.eq(code_hash)))
            .returning(Code::as_returning())
            .get_result(conn)
            .await
            .optional()
    }
}
