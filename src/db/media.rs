//! `media_attachments`: uploads waiting for a post, attachments of ours and of
//! other servers' posts.

use super::{schema::media_attachments, AccountId, StatusId};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = media_attachments, check_for_backend(diesel::pg::Pg))]
pub struct Media {
    pub id: i64,
    pub account_id: AccountId,
    pub status_id: Option<StatusId>,
    pub position: i16,
    pub kind: String,
    pub content_type: Option<String>,
    pub file_key: Option<String>,
    pub thumbnail_key: Option<String>,
    pub remote_url: Option<String>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub thumbnail_width: Option<i32>,
    pub thumbnail_height: Option<i32>,
    pub focus_x: f32,
    pub focus_y: f32,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable, Debug, Clone, Default)]
#[diesel(table_name = media_attachments)]
pub struct MediaInsertForm {
    pub id: i64,
    pub account_id: i64,
    pub status_id: Option<i64>,
    pub position: i16,
    pub kind: String,
    pub content_type: Option<String>,
    pub file_key: Option<String>,
    pub thumbnail_key: Option<String>,
    pub remote_url: Option<String>,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub thumbnail_width: Option<i32>,
    pub thumbnail_height: Option<i32>,
    pub focus_x: f32,
    pub focus_y: f32,
}

impl Media {
    pub async fn insert(
        conn: &mut AsyncPgConnection,
        form: &MediaInsertForm,
    ) -> QueryResult<Media> {
        diesel::insert_into(media_attachments::table)
            .values(form)
            .returning(Media::as_returning())
            .get_result(conn)
            .await
    }

    pub async fn insert_many(
        conn: &mut AsyncPgConnection,
        forms: &[MediaInsertForm],
    ) -> QueryResult<usize> {
        if forms.is_empty() {
            return Ok(0);
        }
        diesel::insert_into(media_attachments::table)
            .values(forms)
            .execute(conn)
            .await
    }

    /// An upload of `owner`'s (attached or not): nobody else may see or change it through the API.
    pub async fn find_owned(
        conn: &mut AsyncPgConnection,
        owner: AccountId,
        id: i64,
    ) -> QueryResult<Option<Media>> {
        media_attachments::table
            .filter(media_attachments::id.eq(id))
            .filter(media_attachments::account_id.eq(owner.0))
            .select(Media::as_select())
            .first(conn)
            .await
            .optional()
    }

    pub async fn describe(
        conn: &mut AsyncPgConnection,
        id: i64,
        description: Option<&str>,
        focus: (f32, f32),
    ) -> QueryResult<Media> {
        diesel::update(media_attachments::table.find(id))
            .set((
                media_attachments::description.eq(description),
                media_attachments::focus_x.eq(focus.0),
                media_attachments::focus_y.eq(focus.1),
            ))
            .returning(Media::as_returning())
            .get_result(conn)
            .await
    }

    /// Claims `ids` (in that order) for `status`: only `owner`'s uploads that no other
    /// post holds. Returns how many were claimed; fewer than asked means some were not
    /// the owner's or already used, and the caller refuses the post.
    pub async fn attach(
        conn: &mut AsyncPgConnection,
        owner: AccountId,
        status: StatusId,
        ids: &[i64],
    ) -> QueryResult<usize> {
        let mut n = 0;
        for (position, id) in ids.iter().enumerate() {
            n += diesel::update(
                media_attachments::table
                    .filter(media_attachments::id.eq(id))
                    .filter(media_attachments::account_id.eq(owner.0))
                    .filter(
                        media_attachments::status_id
                            .is_null()
                            .or(media_attachments::status_id.eq(status.0)),
                    ),
            )
            .set((
                media_attachments::status_id.eq(status.0),
                media_attachments::position.eq(position as i16),
            ))
            .execute(conn)
            .await?;
        }
        Ok(n)
    }

    /// Drops `status`'s attachments that are not in `keep` (an edit removed them);
    /// returns the removed rows so their files can be deleted after commit.
    pub async fn detach_others(
        conn: &mut AsyncPgConnection,
        status: StatusId,
        keep: &[i64],
    ) -> QueryResult<Vec<Media>> {
        diesel::delete(
            media_attachments::table
                .filter(media_attachments::status_id.eq(status.0))
                .filter(media_attachments::id.ne_all(keep)),
        )
        .returning(Media::as_returning())
        .get_results(conn)
        .await
    }

    /// Attachments of a page of posts, in each post's order.
    pub async fn of_statuses(
        conn: &mut AsyncPgConnection,
        ids: &[StatusId],
    ) -> QueryResult<Vec<Media>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = ids.iter().map(|i| i.0).collect();
        media_attachments::table
            .filter(media_attachments::status_id.eq_any(ids))
            .order((media_attachments::status_id, media_attachments::position))
            .select(Media::as_select())
            .load(conn)
            .await
    }

    /// Uploads no post claimed, made before `before`.
    pub async fn count_unattached(
        conn: &mut AsyncPgConnection,
        before: DateTime<Utc>,
    ) -> QueryResult<i64> {
        media_attachments::table
            .filter(media_attachments::status_id.is_null())
            .filter(media_attachments::remote_url.is_null())
            .filter(media_attachments::created_at.lt(before))
            .count()
            .get_result(conn)
            .await
    }

    /// Deletes up to `limit` uploads no post claimed, made before `before`, and
    /// returns them (their files go after the commit). The condition is repeated on
    /// the delete itself, so an upload a post claims meanwhile stays.
    pub async fn delete_unattached(
        conn: &mut AsyncPgConnection,
        before: DateTime<Utc>,
        limit: i64,
    ) -> QueryResult<Vec<Media>> {
        let oldest: Vec<i64> = media_attachments::table
            .select(media_attachments::id)
            .filter(media_attachments::status_id.is_null())
            .filter(media_attachments::remote_url.is_null())
            .filter(media_attachments::created_at.lt(before))
            .order(media_attachments::created_at)
            .limit(limit)
            .load(conn)
            .await?;
        if oldest.is_empty() {
            return Ok(Vec::new());
        }
        diesel::delete(
            media_attachments::table
                .filter(media_attachments::id.eq_any(oldest))
                .filter(media_attachments::status_id.is_null())
                .filter(media_attachments::remote_url.is_null()),
        )
        .returning(Media::as_returning())
        .get_results(conn)
        .await
    }
}
