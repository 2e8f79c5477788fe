//! The `site` table: one row describing this instance, with the instance actor's keys.

use super::schema::site;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = site, check_for_backend(diesel::pg::Pg))]
pub struct Site {
    pub public_key_pem: String,
    pub private_key_pem: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

impl Site {
    pub async fn get(conn: &mut AsyncPgConnection) -> QueryResult<Option<Site>> {
        site::table
            .select(Site::as_select())
            .first(conn)
            .await
            .optional()
    }

    /// Inserts the row unless another process got there first; either way returns the stored row.
    pub async fn insert_or_get(
        conn: &mut AsyncPgConnection,
        public_key_pem: &str,
        private_key_pem: &str,
    ) -> QueryResult<Site> {
        diesel::insert_into(site::table)
            .values((
                site::public_key_pem.eq(public_key_pem),
                site::private_key_pem.eq(private_key_pem),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        site::table.select(Site::as_select()).first(conn).await
    }
}
