//! The instance's figures for its admins (`staffroom stats`), in one statement.

use diesel::{sql_types::BigInt, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

#[derive(QueryableByName, Debug, Clone)]
pub struct Statistics {
    #[diesel(sql_type = BigInt)]
    pub users: i64,
    #[diesel(sql_type = BigInt)]
    pub active_month: i64,
    #[diesel(sql_type = BigInt)]
    pub pending_sign_ups: i64,
    #[diesel(sql_type = BigInt)]
    pub suspended_accounts: i64,
    #[diesel(sql_type = BigInt)]
    pub remote_accounts: i64,
    #[diesel(sql_type = BigInt)]
    pub known_servers: i64,
    #[diesel(sql_type = BigInt)]
    pub blocked_servers: i64,
    #[diesel(sql_type = BigInt)]
    pub local_posts: i64,
    #[diesel(sql_type = BigInt)]
    pub remote_posts: i64,
    #[diesel(sql_type = BigInt)]
    pub open_reports: i64,
    #[diesel(sql_type = BigInt)]
    pub pending_deliveries: i64,
    #[diesel(sql_type = BigInt)]
    pub unavailable_hosts: i64,
    #[diesel(sql_type = BigInt)]
    pub remote_media_bytes: i64,
}

pub async fn gather(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Statistics> {
    diesel::sql_query(
        "SELECT \
           (SELECT count(*) FROM users) AS users, \
           (SELECT count(*) FROM users WHERE last_active_at > now() - interval '30 days') AS active_month, \
           (SELECT count(*) FROM users WHERE NOT approved) AS pending_sign_ups, \
           (SELECT count(*) FROM accounts WHERE suspended_at IS NOT NULL) AS suspended_accounts, \
           (SELECT count(*) FROM accounts WHERE domain IS NOT NULL) AS remote_accounts, \
           (SELECT count(DISTINCT domain) FROM accounts WHERE domain IS NOT NULL) AS known_servers, \
           (SELECT count(*) FROM domain_blocks) AS blocked_servers, \
           (SELECT count(*) FROM statuses WHERE local AND deleted_at IS NULL) AS local_posts, \
           (SELECT count(*) FROM statuses WHERE NOT local) AS remote_posts, \
           (SELECT count(*) FROM reports WHERE action_taken_at IS NULL) AS open_reports, \
           (SELECT count(*) FROM deliveries) AS pending_deliveries, \
           (SELECT count(*) FROM delivery_hosts WHERE unavailable) AS unavailable_hosts, \
           (SELECT coalesce(sum(cached_bytes), 0)::int8 FROM media_attachments) AS remote_media_bytes",
    )
    .get_result(conn)
    .await
}
