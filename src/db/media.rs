//! `media_attachments`: uploads waiting for a post, attachments of ours and of
//! other servers' posts.

use super::{
    schema::{media_attachments, media_cache_trash},
    AccountId, StatusId,
};
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
    /// For another server's image: when our copy was made (`file_key` names it).
    pub cached_at: Option<DateTime<Utc>>,
    pub cached_bytes: i64,
    pub cache_failed_at: Option<DateTime<Utc>>,
}

impl Media {
    /// Another server's image that we have no copy of.
    pub fn is_uncached_remote(&self) -> bool {
        self.remote_url.is_some() && self.file_key.is_none()
    }
}

/// Our copy of another server's image, as `services::media_cache` made it.
pub struct CachedCopy {
    pub file_key: String,
    pub thumbnail_key: String,
    pub width: i32,
    pub height: i32,
    pub thumbnail_width: i32,
    pub thumbnail_height: i32,
    pub blurhash: Option<String>,
    pub bytes: i64,
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

    pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Media>> {
        media_attachments::table
            .find(id)
            .select(Media::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Records our copy of a remote image; false when the row is gone or another
    /// process recorded one first (the caller then deletes its files).
    pub async fn record_cached(
        conn: &mut AsyncPgConnection,
        id: i64,
        copy: &CachedCopy,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            media_attachments::table
                .find(id)
                .filter(media_attachments::remote_url.is_not_null())
                .filter(media_attachments::file_key.is_null()),
        )
        .set((
            media_attachments::file_key.eq(&copy.file_key),
            media_attachments::thumbnail_key.eq(&copy.thumbnail_key),
            media_attachments::width.eq(copy.width),
            media_attachments::height.eq(copy.height),
            media_attachments::thumbnail_width.eq(copy.thumbnail_width),
            media_attachments::thumbnail_height.eq(copy.thumbnail_height),
            media_attachments::blurhash.eq(&copy.blurhash),
            media_attachments::cached_at.eq(Utc::now()),
            media_attachments::cached_bytes.eq(copy.bytes),
            media_attachments::cache_failed_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
        Ok(n > 0)
    }

    pub async fn cache_failed(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
        diesel::update(media_attachments::table.find(id))
            .set(media_attachments::cache_failed_at.eq(Utc::now()))
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Lets go of the oldest copies until the newest ones fit in `budget` bytes; their
    /// files go to `media_cache_trash` (by trigger). Returns how many were let go.
    pub async fn evict_beyond(conn: &mut AsyncPgConnection, budget: i64) -> QueryResult<usize> {
        diesel::sql_query(
            "UPDATE media_attachments SET file_key = NULL, thumbnail_key = NULL, cached_at = NULL, cached_bytes = 0 \
             WHERE id IN (SELECT id FROM (SELECT id, sum(cached_bytes) OVER (ORDER BY cached_at DESC, id DESC) AS kept \
                                          FROM media_attachments WHERE cached_at IS NOT NULL) newest_first \
                          WHERE kept > $1)",
        )
        .bind::<diesel::sql_types::BigInt, _>(budget)
        .execute(conn)
        .await
    }

    /// Copies made before `before`.
    pub async fn count_cached_before(
        conn: &mut AsyncPgConnection,
        before: DateTime<Utc>,
    ) -> QueryResult<i64> {
        media_attachments::table
            .filter(media_attachments::cached_at.lt(before))
            .count()
            .get_result(conn)
            .await
    }

    /// Lets go of up to `limit` copies made before `before` (their files go to the
    /// trash); the rows stay, and the image can be copied again when asked for.
    pub async fn uncache_before(
        conn: &mut AsyncPgConnection,
        before: DateTime<Utc>,
        limit: i64,
    ) -> QueryResult<usize> {
        let oldest: Vec<i64> = media_attachments::table
            .select(media_attachments::id)
            .filter(media_attachments::cached_at.lt(before))
            .order(media_attachments::cached_at)
            .limit(limit)
            .load(conn)
            .await?;
        diesel::update(
            media_attachments::table
                .filter(media_attachments::id.eq_any(oldest))
                .filter(media_attachments::cached_at.lt(before)),
        )
        .set((
            media_attachments::file_key.eq(None::<String>),
            media_attachments::thumbnail_key.eq(None::<String>),
            media_attachments::cached_at.eq(None::<DateTime<Utc>>),
            media_attachments::cached_bytes.eq(0),
        ))
        .execute(conn)
        .await
    }

    /// Up to `limit` files of let-go copies, to delete from the store.
    pub async fn trash(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<String>> {
        media_cache_trash::table
            .select(media_cache_trash::key)
            .order(media_cache_trash::added_at)
            .limit(limit)
            .load(conn)
            .await
    }

    /// Forgets trashed files once they are deleted from the store.
    pub async fn trash_emptied(
        conn: &mut AsyncPgConnection,
        keys: &[String],
    ) -> QueryResult<usize> {
        diesel::delete(media_cache_trash::table.filter(media_cache_trash::key.eq_any(keys)))
            .execute(conn)
            .await
    }
}
