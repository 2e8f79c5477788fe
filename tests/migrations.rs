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
    schema::accounts::table
        .select(staffroom::db::accounts::Account::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::users::table
        .select(staffroom::db::users::User::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::site::table
        .select(staffroom::db::site::Site::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::statuses::table
        .select(staffroom::db::statuses::Status::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::follows::table
        .select(staffroom::db::follows::Follow::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::deliveries::table
        .select(schema::deliveries::all_columns)
        .limit(1)
        .load::<DeliveryRow>(&mut conn)
        .await
        .unwrap();
    schema::favourites::table
        .select(schema::favourites::all_columns)
        .limit(1)
        .load::<(i64, i64, i64, Option<String>, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::blocks::table
        .select(schema::blocks::all_columns)
        .limit(1)
        .load::<(i64, i64, i64, Option<String>, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::mentions::table
        .select(schema::mentions::all_columns)
        .limit(1)
        .load::<(i64, i64)>(&mut conn)
        .await
        .unwrap();
    schema::status_tags::table
        .select(schema::status_tags::all_columns)
        .limit(1)
        .load::<(i64, String)>(&mut conn)
        .await
        .unwrap();
    schema::received_activities::table
        .select(schema::received_activities::all_columns)
        .limit(1)
        .load::<(String, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::outgoing_activities::table
        .select(schema::outgoing_activities::all_columns)
        .limit(1)
        .load::<(i64, Option<i64>, String, String, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::delivery_hosts::table
        .select(schema::delivery_hosts::all_columns)
        .limit(1)
        .load::<(String, Ts, i32, bool, Option<Ts>, Option<String>)>(&mut conn)
        .await
        .unwrap();
    schema::bookmarks::table
        .select(schema::bookmarks::all_columns)
        .limit(1)
        .load::<(i64, i64, i64, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::notifications::table
        .select(schema::notifications::all_columns)
        .limit(1)
        .load::<(
            i64,
            i64,
            i64,
            String,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Ts,
            Option<i64>,
        )>(&mut conn)
        .await
        .unwrap();
    schema::account_warnings::table
        .select(staffroom::db::account_warnings::Warning::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::import_jobs::table
        .select(staffroom::db::import_jobs::ImportJob::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::markers::table
        .select(schema::markers::all_columns)
        .limit(1)
        .load::<(i64, String, i64, i32, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::idempotency_keys::table
        .select(schema::idempotency_keys::all_columns)
        .limit(1)
        .load::<(i64, String, i64, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::web_sessions::table
        .select(schema::web_sessions::all_columns)
        .limit(1)
        .load::<(i64, i64, String, String, Ts, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::audit_log::table
        .select(staffroom::db::audit_log::Entry::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::invites::table
        .select(staffroom::db::invites::Invite::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::instance_settings::table
        .select(schema::instance_settings::all_columns)
        .limit(1)
        .load::<(String, String, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::reports::table
        .select(staffroom::db::reports::Report::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::domain_blocks::table
        .select(staffroom::db::domain_blocks::DomainBlock::as_select())
        .limit(1)
        .load(&mut conn)
        .await
        .unwrap();
    schema::domain_allows::table
        .select(schema::domain_allows::all_columns)
        .limit(1)
        .load::<(String, Ts, i64)>(&mut conn)
        .await
        .unwrap();
    schema::tag_actors::table
        .select(schema::tag_actors::all_columns)
        .limit(1)
        .load::<(String, i64, bool, Ts)>(&mut conn)
        .await
        .unwrap();
    schema::tag_announces::table
        .select(schema::tag_announces::all_columns)
        .limit(1)
        .load::<(i64, i64, i64, String, Ts, bool)>(&mut conn)
        .await
        .unwrap();
}

type Ts = chrono::DateTime<chrono::Utc>;
type DeliveryRow = (
    i64,
    i64,
    String,
    String,
    i32,
    Ts,
    Option<Ts>,
    Option<String>,
    Ts,
);

#[tokio::test(flavor = "multi_thread")]
async fn usernames_are_unique_regardless_of_case_in_the_database_too() {
    let db = TestDb::new().await;
    staffroom::db::run_migrations(&db.url).await.unwrap();
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let insert = |id: i64, name: &str| {
        format!("INSERT INTO accounts (id, username, public_key_pem, private_key_pem) VALUES ({id}, '{name}', 'pk', 'sk')")
    };
    diesel::sql_query(insert(1, "alice"))
        .execute(&mut conn)
        .await
        .unwrap();
    let dup = diesel::sql_query(insert(2, "ALICE"))
        .execute(&mut conn)
        .await;
    assert!(
        dup.is_err(),
        "a second Alice must be refused by the database itself"
    );
    // Control: the same statement for another name goes in.
    diesel::sql_query(insert(3, "bob"))
        .execute(&mut conn)
        .await
        .expect("another name is accepted");
}

/// Diesel knows a migration by the part of its folder name before the first `_`;
/// two folders with the same version (two branches landing the same day) would
/// make one of them never run on a database that already has the other.
#[test]
fn every_migration_has_a_version_of_its_own() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut versions: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .map(|name| name.split('_').next().unwrap().to_string())
        .collect();
    assert!(versions.len() > 10, "the migrations were found");
    let all = versions.len();
    versions.sort();
    versions.dedup();
    assert_eq!(
        versions.len(),
        all,
        "two migrations share a version: rename the newer folder"
    );
}
