//! The `staffroom` command line, as an administrator uses it.

mod common;

use common::{staffroom_command, TestDb};
use std::io::Write;
use std::process::{Output, Stdio};

fn run(vars: &[(&str, &str)], args: &[&str]) -> Output {
    staffroom_command(vars)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("staffroom runs")
}

fn run_with_stdin(vars: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    let mut child = staffroom_command(vars)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

async fn password_hash(db: &TestDb, username: &str) -> String {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        password_hash: String,
    }
    let mut conn = AsyncPgConnection::establish(&db.url).await.unwrap();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT password_hash FROM users JOIN accounts ON accounts.id = users.account_id WHERE accounts.username = $1",
    )
    .bind::<diesel::sql_types::Text, _>(username)
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter().next().expect("user row").password_hash
}

fn verifies(hash: &str, password: &str) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    Argon2::default()
        .verify_password(password.as_bytes(), &PasswordHash::new(hash).unwrap())
        .is_ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn user_add_prints_a_working_password_once() {
    let db = TestDb::new().await;
    let vars = [
        ("DATABASE_URL", db.url.as_str()),
        ("STAFFROOM_DOMAIN", "school.example"),
    ];
    let out = run(
        &vars,
        &[
            "user",
            "add",
            "ms_jones",
            "--admin",
            "--display-name",
            "Ms Jones",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("@ms_jones@school.example"), "{stdout}");
    assert!(stdout.contains("(admin)"), "{stdout}");
    let password = stdout
        .lines()
        .find_map(|l| l.strip_prefix("Password: "))
        .expect("the password is printed")
        .to_string();
    assert!(password.len() >= 20);
    let hash = password_hash(&db, "ms_jones").await;
    assert!(hash.starts_with("$argon2id$"));
    assert!(verifies(&hash, &password));

    let list = run(&vars, &["user", "list"]);
    assert!(list.status.success());
    let listing = text(&list.stdout);
    assert!(
        listing.contains("ms_jones") && listing.contains("Ms Jones") && listing.contains(" admin "),
        "{listing}"
    );
    assert!(
        !listing.contains(&password),
        "the password is never shown again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn user_add_reads_a_password_from_stdin() {
    let db = TestDb::new().await;
    let vars = [("DATABASE_URL", db.url.as_str())];
    let out = run_with_stdin(
        &vars,
        &["user", "add", "bob", "--password-stdin"],
        "a long passphrase\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!text(&out.stdout).contains("Password:"));
    assert!(verifies(
        &password_hash(&db, "bob").await,
        "a long passphrase"
    ));

    let short = run_with_stdin(
        &vars,
        &["user", "add", "carol", "--password-stdin"],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(
        text(&short.stderr).contains("at least 8"),
        "{}",
        text(&short.stderr)
    );
    let empty = run_with_stdin(&vars, &["user", "add", "carol", "--password-stdin"], "");
    assert!(!empty.status.success());
    assert!(text(&empty.stderr).contains("standard input"));
    let list = run(&vars, &["user", "list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let listing = text(&list.stdout);
    assert!(
        listing.contains("bob"),
        "the accepted user is listed: {listing}"
    );
    assert!(
        !listing.contains("carol"),
        "a refused user leaves no account: {listing}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn user_add_refuses_taken_and_invalid_names() {
    let db = TestDb::new().await;
    let vars = [("DATABASE_URL", db.url.as_str())];
    assert!(run(&vars, &["user", "add", "alice"]).status.success());
    let taken = run(&vars, &["user", "add", "ALICE"]);
    assert_eq!(taken.status.code(), Some(1));
    assert!(
        text(&taken.stderr).contains("already taken"),
        "{}",
        text(&taken.stderr)
    );
    for bad in [
        "al ice",
        "alice@school",
        "a.b",
        "thirty_one_characters_long_name",
    ] {
        let out = run(&vars, &["user", "add", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert!(
            text(&out.stderr).contains("username"),
            "{bad}: {}",
            text(&out.stderr)
        );
    }
    let list = run(&vars, &["user", "list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let listing = text(&list.stdout);
    assert_eq!(
        listing.lines().count(),
        2,
        "header and alice only: {listing}"
    );
    assert!(
        listing.lines().nth(1).is_some_and(|l| l.contains("alice")),
        "{listing}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn migrate_applies_once() {
    let db = TestDb::new().await;
    let vars = [("DATABASE_URL", db.url.as_str())];
    let first = run(&vars, &["migrate"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let said = text(&first.stdout);
    let applied: u32 = said
        .strip_suffix(" migration(s) applied; the database is up to date.\n")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{said}"));
    assert!(applied > 0, "the first run applies migrations: {said}");
    let second = run(&vars, &["migrate"]);
    assert!(second.status.success());
    assert!(
        text(&second.stdout).starts_with("0 migration(s)"),
        "{}",
        text(&second.stdout)
    );
}

#[test]
fn bad_settings_exit_with_a_message_naming_them() {
    for (name, value) in [
        ("STAFFROOM_BIND", "everywhere"),
        ("STAFFROOM_DOMAIN", "https://school.example/"),
        ("STAFFROOM_DEV", "sometimes"),
        ("DATABASE_URL", "mysql://db/staffroom"),
    ] {
        let out = run(&[(name, value)], &["user", "list"]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(
            text(&out.stderr).contains(name),
            "{name}: {}",
            text(&out.stderr)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staffroom.toml");
    std::fs::write(&file, "domain = [").unwrap();
    let out = run(&[], &["--config", file.to_str().unwrap(), "user", "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("staffroom.toml"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn serve_needs_a_domain() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &[("STAFFROOM_DATA_DIR", dir.path().to_str().unwrap())],
        &["serve"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("STAFFROOM_DOMAIN is not set"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unreachable_database_says_what_to_check() {
    let out = run(
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/staffroom")],
        &["user", "list"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot connect to PostgreSQL") && err.contains("DATABASE_URL"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_on_a_busy_port_says_so() {
    let db = TestDb::new().await;
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = busy.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &[
            ("DATABASE_URL", db.url.as_str()),
            ("STAFFROOM_DOMAIN", "school.example"),
            ("STAFFROOM_BIND", &bind),
            ("STAFFROOM_DATA_DIR", dir.path().to_str().unwrap()),
        ],
        &["serve"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("STAFFROOM_BIND"),
        "{}",
        text(&out.stderr)
    );
}
