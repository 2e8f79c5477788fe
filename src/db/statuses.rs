//! The `statuses` table: posts, local and remote.

use super::schema::statuses;
use diesel::{dsl::count_star, prelude::*};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

pub async fn count_local(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    statuses::table
        .filter(statuses::local.eq(true))
        .filter(statuses::deleted_at.is_null())
        .filter(statuses::reblog_of_id.is_null())
        .select(count_star())
        .get_result(conn)
        .await
}
