//! Migrations run up, down and up again cleanly, and `db/schema.rs` matches them.

mod common;

use common::TestDb;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use staffroom::db::{schema, MIGRATIONS};

#[tokio::test(flavor = "multi_thread")]
async fn migrations_go_up_down_and_up_again() {
    let db = TestDb::new().await;
    let conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied = harness.run_pending_migrations(MIGRATIONS).unwrap().len();
    assert!(applied > 0);
    let reverted = harness.revert_all_migrations(MIGRATIONS).unwrap().len();
    assert_eq!(reverted, applied);
    let again = harness.run_pending_migrations(MIGRATIONS).unwrap().len();
    assert_eq!(again, applied);
    assert!(!harness.has_pending_migration(MIGRATIONS).unwrap());

    // Every column schema.rs names exists with a compatible type: selecting each table
    // whole fails otherwise.
    let mut conn = harness.into_inner();
    schema::accounts::table.select(staffroom::db::accounts::Account::as_select()).limit(1).load(&mut conn).await.unwrap();
    schema::users::table.select(staffroom::db::users::User::as_select()).limit(1).load(&mut conn).await.unwrap();
    schema::site::table.select(staffroom::db::site::Site::as_select()).limit(1).load(&mut conn).await.unwrap();
    schema::statuses::table.select(schema::statuses::all_columns).limit(1).load::<StatusRow>(&mut conn).await.unwrap();
}

type StatusRow = (
    i64,
    i64,
    Option<String>,
    Option<String>,
    String,
    String,
    bool,
    i16,
    Option<String>,
    Option<i64>,
    Option<i64>,
    bool,
    chrono::DateTime<chrono::Utc>,
    Option<chrono::DateTime<chrono::Utc>>,
    Option<chrono::DateTime<chrono::Utc>>,
);

#[tokio::test(flavor = "multi_thread")]
async fn usernames_are_unique_regardless_of_case_in_the_database_too() {
    let db = TestDb::new().await;
    staffroom::db::run_migrations(&db.url).await.unwrap();
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let insert = |id: i64, name: &str| {
        format!("INSERT INTO accounts (id, username, public_key_pem, private_key_pem) VALUES ({id}, '{name}', 'pk', 'sk')")
    };
    diesel::sql_query(insert(1, "alice")).execute(&mut conn).await.unwrap();
    let dup = diesel::sql_query(insert(2, "ALICE")).execute(&mut conn).await;
    assert!(dup.is_err(), "a second Alice must be refused by the database itself");
}
