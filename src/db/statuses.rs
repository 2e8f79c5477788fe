//! The `statuses` table (posts and boosts), with `mentions`, `status_tags` and
//! `favourites`, which only make sense beside it.

use super::{
    accounts::Account,
    schema::{accounts, favourites, mentions, status_tags, statuses},
    AccountId, StatusId,
};
use chrono::{DateTime, Utc};
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// Mastodon's visibility levels, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Visibility {
    Public = 0,
    Unlisted = 1,
    Private = 2,
    Direct = 3,
}

impl Visibility {
    pub fn from_i16(v: i16) -> Visibility {
        match v {
            0 => Visibility::Public,
            1 => Visibility::Unlisted,
            2 => Visibility::Private,
            _ => Visibility::Direct,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    pub fn parse(s: &str) -> Option<Visibility> {
        Some(match s {
            "public" => Visibility::Public,
            "unlisted" => Visibility::Unlisted,
            "private" => Visibility::Private,
            "direct" => Visibility::Direct,
            _ => return None,
        })
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = statuses, check_for_backend(diesel::pg::Pg))]
pub struct Status {
    pub id: StatusId,
    pub account_id: AccountId,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: i16,
    pub language: Option<String>,
    pub in_reply_to_id: Option<StatusId>,
    pub reblog_of_id: Option<StatusId>,
    pub local: bool,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub text: Option<String>,
    pub object_type: String,
    pub title: Option<String>,
    pub in_reply_to_uri: Option<String>,
    pub in_reply_to_account_id: Option<AccountId>,
}

impl Status {
    pub fn visibility(&self) -> Visibility {
        Visibility::from_i16(self.visibility)
    }
}

#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = statuses)]
pub struct StatusInsertForm {
    pub id: StatusId,
    pub account_id: AccountId,
    pub uri: Option<String>,
    pub url: Option<String>,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub visibility: i16,
    pub language: Option<String>,
    pub in_reply_to_id: Option<StatusId>,
    pub in_reply_to_uri: Option<String>,
    pub in_reply_to_account_id: Option<AccountId>,
    pub reblog_of_id: Option<StatusId>,
    pub local: bool,
    pub text: Option<String>,
    pub object_type: String,
    pub title: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A remote post ready to store: one that arrived in an activity (`activity_uri`,
/// recorded so a repeat changes nothing), or one fetched from its origin (`None`).
#[derive(Debug, Clone)]
pub struct ReceivedPost {
    pub activity_uri: Option<String>,
    pub form: StatusInsertForm,
    pub mentions: Vec<AccountId>,
    /// Without newlines (they separate tags in the batch statement).
    pub tags: Vec<String>,
    /// Attachments (stored with the post when it is new).
    pub media: Vec<super::media::MediaInsertForm>,
    /// A `Question`'s poll (stored with the post when it is new).
    pub poll: Option<super::polls::PollInsertForm>,
}

/// What became of a remote post handed to `Status::store_received`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// Stored now.
    New(StatusId),
    /// Already stored (by another activity, or fetched before): its id.
    Known(StatusId),
    /// Its activity was processed before: nothing changed.
    Repeat,
}

impl Received {
    pub fn is_new(self) -> bool {
        matches!(self, Received::New(_))
    }

    pub fn id(self) -> Option<StatusId> {
        match self {
            Received::New(id) | Received::Known(id) => Some(id),
            Received::Repeat => None,
        }
    }
}

/// The fields an edit changes.
#[derive(AsChangeset, Debug)]
#[diesel(table_name = statuses)]
pub struct StatusEditForm {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub text: Option<String>,
    pub title: Option<String>,
    pub edited_at: Option<DateTime<Utc>>,
}

impl Status {
    /// Inserts a status; a remote one whose `uri` is already stored is left as it is
    /// and the stored row returned.
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        form: &StatusInsertForm,
    ) -> QueryResult<Status> {
        let inserted = diesel::insert_into(statuses::table)
            .values(form)
            .on_conflict_do_nothing()
            .returning(Status::as_returning())
            .get_result(conn)
            .await
            .optional()?;
        if let Some(s) = inserted {
            return Ok(s);
        }
        if let Some(uri) = &form.uri {
            if let Some(s) = statuses::table
                .filter(statuses::uri.eq(uri))
                .select(Status::as_select())
                .first(conn)
                .await
                .optional()?
            {
                return Ok(s);
            }
        }
        // A reblog that already exists (one per account and status), made by another
        // activity: a second Announce of the same post by the same actor, with a new id.
        statuses::table
            .filter(statuses::account_id.eq(form.account_id))
            .filter(statuses::reblog_of_id.eq(form.reblog_of_id))
            .filter(statuses::reblog_of_id.is_not_null())
            .select(Status::as_select())
            .first(conn)
            .await
    }

    /// Stores remote posts, each with its mentions and hashtags, in one statement
    /// (and so one commit): the activity id is recorded, the post's parent found
    /// when it is stored, the post inserted, replies that came first linked to it.
    /// Every remote post goes through here (SQL `store_received_posts`, which works on
    /// the whole batch as sets), one at a time or in the inbox's groups. Answers, per
    /// post, what became of it.
    /// Attachments and polls of the posts stored new are written in the same transaction.
    pub async fn store_received(
        conn: &mut AsyncPgConnection,
        batch: &[ReceivedPost],
    ) -> QueryResult<Vec<Received>> {
        if batch.iter().all(|p| p.media.is_empty() && p.poll.is_none()) {
            return Self::store_received_posts(conn, batch).await;
        }
        use diesel_async::AsyncConnection;
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let stored = Self::store_received_posts(conn, batch).await?;
            let media: Vec<super::media::MediaInsertForm> = batch
                .iter()
                .zip(&stored)
                .filter_map(|(p, r)| match r {
                    Received::New(id) => {
                        Some(p.media.iter().map(move |m| super::media::MediaInsertForm {
                            status_id: Some(id.0),
                            ..m.clone()
                        }))
                    }
                    _ => None,
                })
                .flatten()
                .collect();
            super::media::Media::insert_many(conn, &media).await?;
            let polls: Vec<super::polls::PollInsertForm> = batch
                .iter()
                .zip(&stored)
                .filter_map(|(p, r)| match (r, &p.poll) {
                    (Received::New(id), Some(poll)) => Some(super::polls::PollInsertForm {
                        status_id: id.0,
                        ..poll.clone()
                    }),
                    _ => None,
                })
                .collect();
            super::polls::Poll::insert_many(conn, &polls).await?;
            Ok(stored)
        })
        .await
    }

    async fn store_received_posts(
        conn: &mut AsyncPgConnection,
        batch: &[ReceivedPost],
    ) -> QueryResult<Vec<Received>> {
        use diesel::sql_types::{Array, BigInt, Bool, Nullable, SmallInt, Text, Timestamptz};
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = Nullable<BigInt>)]
            stored_id: Option<i64>,
            #[diesel(sql_type = Bool)]
            is_new: bool,
        }
        let col = |f: &dyn Fn(&ReceivedPost) -> Option<String>| {
            batch.iter().map(f).collect::<Vec<Option<String>>>()
        };
        let rows: Vec<Row> = super::prepared::Cached(diesel::sql_query(
            "SELECT r.stored_id, r.is_new
             FROM store_received_posts(ARRAY(
                 SELECT ROW(a, i, acc, u, url, c, sp, se, v, l, rid, ruri, racc, ot, t, ca,
                            COALESCE(string_to_array(m, ',')::bigint[], '{}'), COALESCE(string_to_array(tg, E'\n'), '{}'))::received_post
                 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[],
                             $9::smallint[], $10::text[], $11::bigint[], $12::text[], $13::bigint[], $14::text[], $15::text[],
                             $16::timestamptz[], $17::text[], $18::text[])
                      WITH ORDINALITY AS x(a, i, acc, u, url, c, sp, se, v, l, rid, ruri, racc, ot, t, ca, m, tg, n)
                 ORDER BY x.n)) AS r
             ORDER BY r.n",
        )
        .bind::<Array<Nullable<Text>>, _>(col(&|p| p.activity_uri.clone()))
        .bind::<Array<BigInt>, _>(batch.iter().map(|p| p.form.id.0).collect::<Vec<_>>())
        .bind::<Array<BigInt>, _>(batch.iter().map(|p| p.form.account_id.0).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(col(&|p| p.form.uri.clone()))
        .bind::<Array<Nullable<Text>>, _>(col(&|p| p.form.url.clone()))
        .bind::<Array<Text>, _>(batch.iter().map(|p| p.form.content.clone()).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(batch.iter().map(|p| p.form.spoiler_text.clone()).collect::<Vec<_>>())
        .bind::<Array<Bool>, _>(batch.iter().map(|p| p.form.sensitive).collect::<Vec<_>>())
        .bind::<Array<SmallInt>, _>(batch.iter().map(|p| p.form.visibility).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(col(&|p| p.form.language.clone()))
        .bind::<Array<Nullable<BigInt>>, _>(batch.iter().map(|p| p.form.in_reply_to_id.map(|i| i.0)).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(col(&|p| p.form.in_reply_to_uri.clone()))
        .bind::<Array<Nullable<BigInt>>, _>(batch.iter().map(|p| p.form.in_reply_to_account_id.map(|i| i.0)).collect::<Vec<_>>())
        .bind::<Array<Text>, _>(batch.iter().map(|p| p.form.object_type.clone()).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(col(&|p| p.form.title.clone()))
        .bind::<Array<Timestamptz>, _>(batch.iter().map(|p| p.form.created_at).collect::<Vec<_>>())
        .bind::<Array<Nullable<Text>>, _>(col(&|p| {
            (!p.mentions.is_empty()).then(|| p.mentions.iter().map(|m| m.0.to_string()).collect::<Vec<_>>().join(","))
        }))
        .bind::<Array<Nullable<Text>>, _>(col(&|p| (!p.tags.is_empty()).then(|| p.tags.join("\n")))))
        .load(conn)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| match (r.stored_id, r.is_new) {
                (Some(id), true) => Received::New(StatusId(id)),
                (Some(id), false) => Received::Known(StatusId(id)),
                (None, _) => Received::Repeat,
            })
            .collect())
    }

    pub async fn find(conn: &mut AsyncPgConnection, id: StatusId) -> QueryResult<Option<Status>> {
        statuses::table
            .find(id)
            .select(Status::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn find_by_uri(
        conn: &mut AsyncPgConnection,
        uri: &str,
    ) -> QueryResult<Option<Status>> {
        statuses::table
            .filter(statuses::uri.eq(uri))
            .select(Status::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn find_reblog(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        of: StatusId,
    ) -> QueryResult<Option<Status>> {
        statuses::table
            .filter(statuses::account_id.eq(account))
            .filter(statuses::reblog_of_id.eq(of))
            .filter(statuses::deleted_at.is_null())
            .select(Status::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn edit(
        conn: &mut AsyncPgConnection,
        id: StatusId,
        form: &StatusEditForm,
    ) -> QueryResult<Status> {
        diesel::update(statuses::table.find(id))
            .set(form)
            .returning(Status::as_returning())
            .get_result(conn)
            .await
    }

    /// Deletes a post: the row stays as a tombstone (its URL answers 410), its
    /// content goes, and boosts of it go with it.
    pub async fn mark_deleted(conn: &mut AsyncPgConnection, id: StatusId) -> QueryResult<usize> {
        diesel::delete(statuses::table.filter(statuses::reblog_of_id.eq(id)))
            .execute(conn)
            .await?;
        diesel::delete(mentions::table.filter(mentions::status_id.eq(id)))
            .execute(conn)
            .await?;
        diesel::delete(status_tags::table.filter(status_tags::status_id.eq(id)))
            .execute(conn)
            .await?;
        super::pins::unpin_status(conn, id).await?;
        diesel::update(statuses::table.find(id))
            .set((
                statuses::deleted_at.eq(Some(Utc::now())),
                statuses::content.eq(""),
                statuses::text.eq(None::<String>),
                statuses::spoiler_text.eq(""),
            ))
            .execute(conn)
            .await
    }

    pub async fn delete_row(conn: &mut AsyncPgConnection, id: StatusId) -> QueryResult<usize> {
        diesel::delete(statuses::table.find(id)).execute(conn).await
    }

    /// Links replies that arrived before their parent.
    pub async fn adopt_replies(
        conn: &mut AsyncPgConnection,
        parent: &Status,
        parent_uri: &str,
    ) -> QueryResult<usize> {
        diesel::update(
            statuses::table
                .filter(statuses::in_reply_to_uri.eq(parent_uri))
                .filter(statuses::in_reply_to_id.is_null()),
        )
        .set((
            statuses::in_reply_to_id.eq(parent.id),
            statuses::in_reply_to_account_id.eq(parent.account_id),
        ))
        .execute(conn)
        .await
    }

    pub async fn set_mentions(
        conn: &mut AsyncPgConnection,
        id: StatusId,
        accounts: &[AccountId],
    ) -> QueryResult<()> {
        diesel::delete(mentions::table.filter(mentions::status_id.eq(id)))
            .execute(conn)
            .await?;
        Status::add_mentions(conn, id, accounts).await
    }

    /// Mentions of a status that has none yet.
    pub async fn add_mentions(
        conn: &mut AsyncPgConnection,
        id: StatusId,
        accounts: &[AccountId],
    ) -> QueryResult<()> {
        let rows: Vec<_> = accounts
            .iter()
            .map(|a| (mentions::status_id.eq(id), mentions::account_id.eq(*a)))
            .collect();
        if !rows.is_empty() {
            diesel::insert_into(mentions::table)
                .values(rows)
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        Ok(())
    }

    pub async fn set_tags(
        conn: &mut AsyncPgConnection,
        id: StatusId,
        tags: &[String],
    ) -> QueryResult<()> {
        diesel::delete(status_tags::table.filter(status_tags::status_id.eq(id)))
            .execute(conn)
            .await?;
        Status::add_tags(conn, id, tags).await
    }

    /// Hashtags of a status that has none yet.
    pub async fn add_tags(
        conn: &mut AsyncPgConnection,
        id: StatusId,
        tags: &[String],
    ) -> QueryResult<()> {
        let rows: Vec<_> = tags
            .iter()
            .map(|t| (status_tags::status_id.eq(id), status_tags::name.eq(t)))
            .collect();
        if !rows.is_empty() {
            diesel::insert_into(status_tags::table)
                .values(rows)
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
        Ok(())
    }

    pub async fn mentioned_accounts(
        conn: &mut AsyncPgConnection,
        id: StatusId,
    ) -> QueryResult<Vec<Account>> {
        mentions::table
            .inner_join(accounts::table.on(accounts::id.eq(mentions::account_id)))
            .filter(mentions::status_id.eq(id))
            .select(Account::as_select())
            .load(conn)
            .await
    }

    pub async fn tags(conn: &mut AsyncPgConnection, id: StatusId) -> QueryResult<Vec<String>> {
        status_tags::table
            .filter(status_tags::status_id.eq(id))
            .select(status_tags::name)
            .order(status_tags::name)
            .load(conn)
            .await
    }

    pub async fn mentions_local_account(
        conn: &mut AsyncPgConnection,
        accounts_ids: &[AccountId],
    ) -> QueryResult<bool> {
        if accounts_ids.is_empty() {
            return Ok(false);
        }
        diesel::select(diesel::dsl::exists(
            accounts::table
                .filter(accounts::id.eq_any(accounts_ids))
                .filter(accounts::domain.is_null()),
        ))
        .get_result(conn)
        .await
    }

    pub async fn favourite(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        status: StatusId,
        uri: Option<&str>,
    ) -> QueryResult<bool> {
        let n = diesel::insert_into(favourites::table)
            .values((
                favourites::id.eq(super::new_id()),
                favourites::account_id.eq(account),
                favourites::status_id.eq(status),
                favourites::uri.eq(uri),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(n == 1)
    }

    pub async fn unfavourite(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        status: StatusId,
    ) -> QueryResult<bool> {
        let n = diesel::delete(
            favourites::table
                .filter(favourites::account_id.eq(account))
                .filter(favourites::status_id.eq(status)),
        )
        .execute(conn)
        .await?;
        Ok(n > 0)
    }

    /// Removes `account`'s like with the id `uri`; the post it liked, if there was one.
    pub async fn unfavourite_by_uri(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        uri: &str,
    ) -> QueryResult<Option<StatusId>> {
        let removed: Vec<StatusId> = diesel::delete(
            favourites::table
                .filter(favourites::account_id.eq(account))
                .filter(favourites::uri.eq(uri)),
        )
        .returning(favourites::status_id)
        .get_results(conn)
        .await?;
        Ok(removed.into_iter().next())
    }

    pub async fn favourite_uri(
        conn: &mut AsyncPgConnection,
        account: AccountId,
        status: StatusId,
    ) -> QueryResult<Option<Option<String>>> {
        favourites::table
            .filter(favourites::account_id.eq(account))
            .filter(favourites::status_id.eq(status))
            .select(favourites::uri)
            .first(conn)
            .await
            .optional()
    }

    pub async fn count_favourites(
        conn: &mut AsyncPgConnection,
        status: StatusId,
    ) -> QueryResult<i64> {
        favourites::table
            .filter(favourites::status_id.eq(status))
            .select(count_star())
            .get_result(conn)
            .await
    }

    pub async fn count_reblogs(conn: &mut AsyncPgConnection, status: StatusId) -> QueryResult<i64> {
        statuses::table
            .filter(statuses::reblog_of_id.eq(status))
            .filter(statuses::deleted_at.is_null())
            .select(count_star())
            .get_result(conn)
            .await
    }

    pub async fn replies(
        conn: &mut AsyncPgConnection,
        parent: StatusId,
    ) -> QueryResult<Vec<Status>> {
        statuses::table
            .filter(statuses::in_reply_to_id.eq(parent))
            .filter(statuses::deleted_at.is_null())
            .select(Status::as_select())
            .order(statuses::id.asc())
            .limit(200)
            .load(conn)
            .await
    }
}

pub async fn count_local(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    statuses::table
        .filter(statuses::local.eq(true))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::reblog_of_id.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}

impl Status {
    pub async fn find_many(
        conn: &mut AsyncPgConnection,
        ids: &[StatusId],
    ) -> QueryResult<Vec<Status>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        statuses::table
            .filter(statuses::id.eq_any(ids))
            .select(Status::as_select())
            .load(conn)
            .await
    }
}
