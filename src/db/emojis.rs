//! `custom_emojis`: ours (with their image) and other servers' (linked).

use super::schema::custom_emojis;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

/// An emoji without its image bytes.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = custom_emojis, check_for_backend(diesel::pg::Pg))]
pub struct Emoji {
    pub id: i64,
    pub shortcode: String,
    pub domain: Option<String>,
    pub image_url: Option<String>,
    pub content_type: String,
    pub visible_in_picker: bool,
    pub updated_at: DateTime<Utc>,
}

/// Adds (or replaces) one of ours; the replaced one's id changes, so its URL does
/// too and caches never serve the old image.
pub async fn put_local(
    conn: &mut AsyncPgConnection,
    shortcode: &str,
    content_type: &str,
    data: &[u8],
) -> QueryResult<Emoji> {
    diesel::delete(
        custom_emojis::table
            .filter(custom_emojis::shortcode.eq(shortcode))
            .filter(custom_emojis::domain.is_null()),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(custom_emojis::table)
        .values((
            custom_emojis::id.eq(super::new_id()),
            custom_emojis::shortcode.eq(shortcode),
            custom_emojis::content_type.eq(content_type),
            custom_emojis::data.eq(Some(data)),
        ))
        .returning(Emoji::as_returning())
        .get_result(conn)
        .await
}

pub async fn remove_local(conn: &mut AsyncPgConnection, shortcode: &str) -> QueryResult<bool> {
    let n = diesel::delete(
        custom_emojis::table
            .filter(custom_emojis::shortcode.eq(shortcode))
            .filter(custom_emojis::domain.is_null()),
    )
    .execute(conn)
    .await?;
    Ok(n > 0)
}

/// Ours, by shortcode.
pub async fn local(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Emoji>> {
    custom_emojis::table
        .filter(custom_emojis::domain.is_null())
        .order(custom_emojis::shortcode)
        .select(Emoji::as_select())
        .load(conn)
        .await
}

/// Records another server's emoji (`shortcode`, image URL) as its tags name them;
/// a changed image URL replaces the old one.
pub async fn upsert_remote(
    conn: &mut AsyncPgConnection,
    domain: &str,
    emojis: &[(String, String, String)],
) -> QueryResult<()> {
    for (shortcode, url, content_type) in emojis {
        let updated = diesel::update(
            custom_emojis::table
                .filter(custom_emojis::shortcode.eq(shortcode))
                .filter(custom_emojis::domain.eq(domain)),
        )
        .set((
            custom_emojis::image_url.eq(url),
            custom_emojis::content_type.eq(content_type),
            custom_emojis::updated_at.eq(Utc::now()),
        ))
        .filter(custom_emojis::image_url.ne(url))
        .execute(conn)
        .await?;
        if updated == 0 {
            diesel::insert_into(custom_emojis::table)
                .values((
                    custom_emojis::id.eq(super::new_id()),
                    custom_emojis::shortcode.eq(shortcode),
                    custom_emojis::domain.eq(domain),
                    custom_emojis::image_url.eq(url),
                    custom_emojis::content_type.eq(content_type),
                ))
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// The emoji among `shortcodes` of one server (`None`: ours).
pub async fn find(
    conn: &mut AsyncPgConnection,
    domain: Option<&str>,
    shortcodes: &[String],
) -> QueryResult<Vec<Emoji>> {
    if shortcodes.is_empty() {
        return Ok(Vec::new());
    }
    let query = custom_emojis::table
        .filter(custom_emojis::shortcode.eq_any(shortcodes))
        .select(Emoji::as_select());
    match domain {
        Some(d) => query.filter(custom_emojis::domain.eq(d)).load(conn).await,
        None => {
            query
                .filter(custom_emojis::domain.is_null())
                .load(conn)
                .await
        }
    }
}

/// One of our emoji's image: its type and bytes.
pub async fn image(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<(String, Vec<u8>)>> {
    let row: Option<(String, Option<Vec<u8>>)> = custom_emojis::table
        .find(id)
        .filter(custom_emojis::domain.is_null())
        .select((custom_emojis::content_type, custom_emojis::data))
        .first(conn)
        .await
        .optional()?;
    Ok(row.and_then(|(t, d)| d.map(|d| (t, d))))
}
