//! The `groups` and `group_moderators` tables: subject groups hosted here.

use super::{
    accounts::Account,
    schema::{accounts, group_moderators, groups},
    AccountId,
};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = groups, check_for_backend(diesel::pg::Pg))]
pub struct Group {
    pub account_id: AccountId,
    pub members_only: bool,
}

impl Group {
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        members_only: bool,
    ) -> QueryResult<Group> {
        diesel::insert_into(groups::table)
            .values((
                groups::account_id.eq(account),
                groups::members_only.eq(members_only),
            ))
            .returning(Group::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn find(
        conn: &mut AsyncPgConnection,
        account: AccountId,
    ) -> QueryResult<Option<Group>> {
        groups::table
            .find(account)
            .select(Group::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// The group's moderators, oldest first (the creator leads).
    pub async fn moderators(
        conn: &mut AsyncPgConnection,
        group: AccountId,
    ) -> QueryResult<Vec<Account>> {
        group_moderators::table
            .inner_join(accounts::table.on(accounts::id.eq(group_moderators::account_id)))
            .filter(group_moderators::group_id.eq(group))
            .order((
                group_moderators::created_at.asc(),
                group_moderators::account_id.asc(),
            ))
            .select(Account::as_select())
            .load(conn)
            .await
    }

    pub async fn is_moderator(
        conn: &mut AsyncPgConnection,
        group: AccountId,
        account: AccountId,
    ) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            group_moderators::table.find((group, account)),
        ))
        .get_result(conn)
        .await
    }

    /// Adds a moderator; adding one twice changes nothing.
    pub async fn add_moderator(
        conn: &mut AsyncPgConnection,
        group: AccountId,
        account: AccountId,
    ) -> QueryResult<usize> {
        diesel::insert_into(group_moderators::table)
            .values((
                group_moderators::group_id.eq(group),
                group_moderators::account_id.eq(account),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await
    }

    pub async fn remove_moderator(
        conn: &mut AsyncPgConnection,
        group: AccountId,
        account: AccountId,
    ) -> QueryResult<usize> {
        diesel::delete(group_moderators::table.find((group, account)))
            .execute(conn)
            .await
    }

    /// The groups `account` moderates, by name.
    pub async fn moderated_by(
        conn: &mut AsyncPgConnection,
        account: AccountId,
    ) -> QueryResult<Vec<Account>> {
        group_moderators::table
            .inner_join(accounts::table.on(accounts::id.eq(group_moderators::group_id)))
            .filter(group_moderators::account_id.eq(account))
            .order(accounts::username.asc())
            .select(Account::as_select())
            .load(conn)
            .await
    }

    /// Every group hosted here, by name.
    pub async fn all(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(Account, Group)>> {
        groups::table
            .inner_join(accounts::table.on(accounts::id.eq(groups::account_id)))
            .order(accounts::username.asc())
            .select((Account::as_select(), Group::as_select()))
            .load(conn)
            .await
    }
}
