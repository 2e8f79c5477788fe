//! `preview_cards` (what a linked page says about itself) and `status_cards`
//! (which card a post shows).

use super::{
    schema::{preview_cards, status_cards},
    StatusId,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = preview_cards, check_for_backend(diesel::pg::Pg))]
pub struct Card {
    pub id: i64,
    pub url: String,
    pub title: String,
    pub description: String,
    pub image_url: Option<String>,
    pub provider_name: String,
    pub usable: bool,
    pub fetched_at: DateTime<Utc>,
    pub kind: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_url: String,
    pub html: String,
    pub embed_url: String,
    pub width: i32,
    pub height: i32,
}

#[derive(Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = preview_cards)]
pub struct CardForm {
    pub url: String,
    pub title: String,
    pub description: String,
    pub image_url: Option<String>,
    pub provider_name: String,
    pub usable: bool,
    pub fetched_at: DateTime<Utc>,
    pub kind: String,
    pub author_name: String,
    pub author_url: String,
    pub provider_url: String,
    pub html: String,
    pub embed_url: String,
    pub width: i32,
    pub height: i32,
}

pub async fn by_url(conn: &mut AsyncPgConnection, url: &str) -> QueryResult<Option<Card>> {
    preview_cards::table
        .filter(preview_cards::url.eq(url))
        .select(Card::as_select())
        .first(conn)
        .await
        .optional()
}

/// Stores what a page said (replacing what it said before).
pub async fn upsert(conn: &mut AsyncPgConnection, form: &CardForm) -> QueryResult<Card> {
    diesel::insert_into(preview_cards::table)
        .values((preview_cards::id.eq(super::new_id()), form))
        .on_conflict(preview_cards::url)
        .do_update()
        .set(form)
        .returning(Card::as_returning())
        .get_result(conn)
        .await
}

/// Gives `status` the card `card` (or none).
pub async fn link(
    conn: &mut AsyncPgConnection,
    status: StatusId,
    card: Option<i64>,
) -> QueryResult<()> {
    match card {
        Some(card) => {
            diesel::insert_into(status_cards::table)
                .values((
                    status_cards::status_id.eq(status),
                    status_cards::card_id.eq(card),
                ))
                .on_conflict(status_cards::status_id)
                .do_update()
                .set(status_cards::card_id.eq(card))
                .execute(conn)
                .await?;
        }
        None => {
            diesel::delete(status_cards::table.filter(status_cards::status_id.eq(status)))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// The usable cards of `statuses`.
pub async fn of_statuses(
    conn: &mut AsyncPgConnection,
    statuses: &[StatusId],
) -> QueryResult<Vec<(StatusId, Card)>> {
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    status_cards::table
        .inner_join(preview_cards::table)
        .filter(status_cards::status_id.eq_any(statuses))
        .filter(preview_cards::usable.eq(true))
        .select((status_cards::status_id, Card::as_select()))
        .load::<(i64, Card)>(conn)
        .await
        .map(|rows| rows.into_iter().map(|(s, c)| (StatusId(s), c)).collect())
}
