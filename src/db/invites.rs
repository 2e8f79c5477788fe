//! The `invites` table and the `instance_settings` table beside it: what decides
//! who may join.

use super::{
    schema::{instance_settings, invites},
    AccountId,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = invites, check_for_backend(diesel::pg::Pg))]
pub struct Invite {
    pub id: i64,
    pub code: String,
    pub created_by: Option<AccountId>,
    pub max_uses: Option<i32>,
    pub uses: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable, Debug)]
#[diesel(table_name = invites)]
pub struct InviteInsertForm {
    pub id: i64,
    pub code: String,
    pub created_by: Option<AccountId>,
    pub max_uses: Option<i32>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Invite {
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        form: &InviteInsertForm,
    ) -> QueryResult<Invite> {
        diesel::insert_into(invites::table)
            .values(form)
            .returning(Invite::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find_by_code(
        conn: &mut AsyncPgConnection,
        code: &str,
    ) -> QueryResult<Option<Invite>> {
        invites::table
            .filter(invites::code.eq(code))
            .select(Invite::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Counts one use of the invite `code` if it is still good (not used up, not
    /// expired), in one statement, so two sign-ups racing for its last use cannot
    /// both get it. Its id, or `None` if it is not good.
    pub async fn claim(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Option<i64>> {
        diesel::update(
            invites::table
                .filter(invites::code.eq(code))
                .filter(
                    invites::max_uses
                        .is_null()
                        .or(invites::uses.nullable().lt(invites::max_uses)),
                )
                .filter(
                    invites::expires_at
                        .is_null()
                        .or(invites::expires_at.gt(diesel::dsl::now)),
                ),
        )
        .set(invites::uses.eq(invites::uses + 1))
        .returning(invites::id)
        .get_result(conn)
        .await
        .optional()
    }

    /// Newest first, a page at a time; `created_by`: only those one account made.
    pub async fn page(
        conn: &mut AsyncPgConnection,
        created_by: Option<AccountId>,
        max_id: Option<i64>,
        limit: i64,
    ) -> QueryResult<Vec<Invite>> {
        let mut query = invites::table
            .select(Invite::as_select())
            .order(invites::id.desc())
            .limit(limit)
            .into_boxed();
        if let Some(max) = max_id {
            query = query.filter(invites::id.lt(max));
        }
        if let Some(creator) = created_by {
            query = query.filter(invites::created_by.eq(creator));
        }
        query.load(conn).await
    }
}

pub async fn setting(conn: &mut AsyncPgConnection, key: &str) -> QueryResult<Option<String>> {
    instance_settings::table
        .find(key)
        .select(instance_settings::value)
        .first(conn)
        .await
        .optional()
}

pub async fn set_setting(conn: &mut AsyncPgConnection, key: &str, value: &str) -> QueryResult<()> {
    diesel::insert_into(instance_settings::table)
        .values((
            instance_settings::key.eq(key),
            instance_settings::value.eq(value),
        ))
        .on_conflict(instance_settings::key)
        .do_update()
        .set((
            instance_settings::value.eq(value),
            instance_settings::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
        .map(drop)
}
