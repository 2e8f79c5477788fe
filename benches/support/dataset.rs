//! The timeline data set that `scripts/bench timeline` and `scripts/bench web` read:
//! 1,000,000 statuses from 10,000 remote accounts, 1,000 of which post rarely (one
//! status in 500) and 9,000 a lot; alice follows 1,000 of the busy accounts, bob
//! the 1,000 quiet ones (and, in the timeline benchmark, carol follows alice's
//! accounts and 50 hashtags). Each status is about a subject and an activity (words
//! for `scripts/bench search`), in English for 9 in 10; one account in 10 is
//! `indexable`. Seeded with `generate_series` in PostgreSQL.

use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::time::Instant;

pub const ACCOUNTS: i64 = 10_000;
/// Accounts 0..QUIET post rarely (one status in every `QUIET_EVERY`); the other
/// 9,000 post the rest.
pub const QUIET: i64 = 1_000;
pub const QUIET_EVERY: i64 = 500;
pub const FOLLOWED: i64 = 1_000;
pub const CHUNK: i64 = 100_000;
/// Remote account ids: small numbers, apart from the time-sortable ids of the rest.
pub const FIRST_ACCOUNT: i64 = 1_000_000;

/// Hashtags beside `edchat`: `topic0` … `topic99`, one on every tenth status
/// (n % 10 = 3), so each is on one status in a thousand.
pub const TOPICS: i64 = 100;
/// How many of them a reader with followed hashtags follows.
pub const FOLLOWED_TAGS: i64 = 50;

/// Words the statuses are about, for `scripts/bench search`: status n names
/// `SUBJECTS[n % 37]` and `ACTIVITIES[(n / 7) % 97]`, so a subject is in one
/// status in 37, an activity in one in 97, and a pair of them in one in 3,589.
pub const SUBJECTS: [&str; 37] = [
    "fractions",
    "decimals",
    "photosynthesis",
    "volcanoes",
    "poetry",
    "grammar",
    "algebra",
    "geometry",
    "chemistry",
    "electricity",
    "magnetism",
    "ecosystems",
    "democracy",
    "vikings",
    "romans",
    "pyramids",
    "rainforests",
    "earthquakes",
    "probability",
    "statistics",
    "spelling",
    "phonics",
    "handwriting",
    "sculpture",
    "watercolours",
    "recorders",
    "athletics",
    "gymnastics",
    "nutrition",
    "coding",
    "robotics",
    "astronomy",
    "weather",
    "rivers",
    "mountains",
    "oceans",
    "shakespeare",
];
pub const ACTIVITIES: [&str; 97] = [
    "worksheet",
    "quiz",
    "game",
    "song",
    "experiment",
    "debate",
    "project",
    "display",
    "puzzle",
    "relay",
    "poster",
    "video",
    "podcast",
    "model",
    "diorama",
    "timeline",
    "map",
    "survey",
    "interview",
    "presentation",
    "essay",
    "story",
    "comic",
    "journal",
    "blog",
    "rubric",
    "checklist",
    "flashcards",
    "homework",
    "assessment",
    "starter",
    "plenary",
    "retrieval",
    "challenge",
    "trail",
    "hunt",
    "walk",
    "visit",
    "workshop",
    "assembly",
    "club",
    "competition",
    "festival",
    "exhibition",
    "performance",
    "recital",
    "rehearsal",
    "drill",
    "investigation",
    "fieldtrip",
    "lab",
    "simulation",
    "roleplay",
    "drama",
    "dance",
    "chant",
    "rhyme",
    "riddle",
    "crossword",
    "wordsearch",
    "bingo",
    "dominoes",
    "cards",
    "dice",
    "spinner",
    "abacus",
    "numberline",
    "hundredsquare",
    "tangram",
    "origami",
    "collage",
    "mosaic",
    "clay",
    "printing",
    "weaving",
    "sewing",
    "baking",
    "gardening",
    "composting",
    "recycling",
    "birdwatching",
    "pondipping",
    "stargazing",
    "kite",
    "rocket",
    "bridge",
    "tower",
    "circuit",
    "magnet",
    "lens",
    "prism",
    "thermometer",
    "raingauge",
    "anemometer",
    "sundial",
    "compass",
    "atlas",
];

/// One in this many remote accounts lets its public posts be found by their words.
pub const INDEXABLE_EVERY: i64 = 10;

pub fn statuses() -> i64 {
    ((1_000_000.0 * super::scale()) as i64 / CHUNK).max(1) * CHUNK
}

pub fn requests() -> usize {
    ((2_000.0 * super::scale()) as usize).max(100)
}

/// The account (an SQL expression) that wrote status number `n`.
pub fn author(n: &str) -> String {
    format!(
        "({FIRST_ACCOUNT} + CASE WHEN ({n}) % {QUIET_EVERY} = {QUIET_EVERY} - 1 THEN (({n}) / {QUIET_EVERY}) % {QUIET} ELSE {QUIET} + ({n}) % ({ACCOUNTS} - {QUIET}) END)"
    )
}

/// `ARRAY['a', 'b']` of words without quotes in them.
fn sql_array(words: &[&str]) -> String {
    format!("ARRAY['{}']", words.join("', '"))
}

pub async fn exec(conn: &mut AsyncPgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"));
}

/// A third reader like alice (the same 1,000 busy accounts) who also follows
/// `FOLLOWED_TAGS` hashtags: public posts with them enter its home as they are
/// stored. Done by [`seed`] once the accounts exist and before the statuses, as the
/// follows of the others are.
async fn follow_like_alice_and_tags(conn: &mut AsyncPgConnection, reader: i64) {
    exec(conn, &format!(
        "INSERT INTO follows (id, account_id, target_account_id, accepted)
         SELECT 3 * {FIRST_ACCOUNT} + n, {reader}, {FIRST_ACCOUNT} + {QUIET} + n * (({ACCOUNTS} - {QUIET}) / {FOLLOWED}), true FROM generate_series(0, {FOLLOWED} - 1) AS n"
    ))
    .await;
    exec(conn, &format!(
        "INSERT INTO tag_follows (id, account_id, name) SELECT 4 * {FIRST_ACCOUNT} + n, {reader}, 'topic' || n FROM generate_series(0, {FOLLOWED_TAGS} - 1) AS n"
    ))
    .await;
}

/// Notification triggers would run a million times; the seed does without them.
/// `statuses_inserted` stays on: it fills `home_feed` as it would (its "notify me when
/// they post" part finds no follow asking for it here).
const NOTIFY_TRIGGERS: [(&str, &str); 3] = [
    ("statuses", "statuses_notify_reblog"),
    ("mentions", "mentions_notify"),
    ("favourites", "favourites_notify"),
];

/// Seeds with `generate_series`: accounts, follows, then statuses in chunks (one id
/// every 10 ms of the past, so ids sort by time as ours do), with their hashtags,
/// mentions of alice, boosts, replies and favourites. Posts of indexable accounts and
/// those mentioning alice are `searchable`, and the public ones of indexable accounts
/// `findable`, as storing them through the inbox (`store_received_posts`) makes them.
/// `tag_reader`, when given, follows like alice and follows hashtags too
/// ([`follow_like_alice_and_tags`]).
pub async fn seed(conn: &mut AsyncPgConnection, alice: i64, bob: i64, tag_reader: Option<i64>) {
    let statuses = statuses();
    let started = Instant::now();
    exec(conn, &format!(
        "INSERT INTO accounts (id, username, domain, uri, inbox_url, public_key_pem, display_name)
         SELECT {FIRST_ACCOUNT} + n, 'teacher' || n, 'remote' || (n % 50) || '.example', 'https://remote' || (n % 50) || '.example/users/teacher' || n,
                'https://remote' || (n % 50) || '.example/users/teacher' || n || '/inbox', 'key', 'Teacher ' || n
         FROM generate_series(0, {ACCOUNTS} - 1) AS n"
    ))
    .await;
    exec(conn, &format!("UPDATE accounts SET indexable = true WHERE id >= {FIRST_ACCOUNT} AND (id - {FIRST_ACCOUNT}) % {INDEXABLE_EVERY} = 0")).await;
    // alice: 1,000 of the busy accounts, spread over them; bob: the quiet ones.
    exec(conn, &format!(
        "INSERT INTO follows (id, account_id, target_account_id, accepted)
         SELECT {FIRST_ACCOUNT} + n, {alice}, {FIRST_ACCOUNT} + {QUIET} + n * (({ACCOUNTS} - {QUIET}) / {FOLLOWED}), true FROM generate_series(0, {FOLLOWED} - 1) AS n
         UNION ALL
         SELECT 2 * {FIRST_ACCOUNT} + n, {bob}, {FIRST_ACCOUNT} + n, true FROM generate_series(0, {QUIET} - 1) AS n"
    ))
    .await;
    if let Some(reader) = tag_reader {
        follow_like_alice_and_tags(conn, reader).await;
    }
    println!("  {ACCOUNTS} accounts; alice follows {FOLLOWED} busy ones, bob the {QUIET} quiet ones ({:.1} s)", started.elapsed().as_secs_f64());
    for (table, trigger) in NOTIFY_TRIGGERS {
        exec(
            conn,
            &format!("ALTER TABLE {table} DISABLE TRIGGER {trigger}"),
        )
        .await;
    }
    let start_ms = chrono::Utc::now().timestamp_millis() - statuses * 10 - 60_000;
    let id = |n: &str| format!("(({start_ms}::bigint + ({n}) * 10) << 16)");
    for chunk in 0..statuses / CHUNK {
        let (from, to) = (chunk * CHUNK, (chunk + 1) * CHUNK - 1);
        exec(conn, &format!(
            "INSERT INTO statuses (id, account_id, uri, content, visibility, local, created_at, reblog_of_id, in_reply_to_id, in_reply_to_account_id, language, searchable, findable)
             SELECT {sid}, {author}, 'https://remote.example/statuses/' || n,
                    '<p>Lesson idea number ' || n || ': ' || ({subjects})[1 + n % 37] || ' ' || ({activities})[1 + (n / 7) % 97]
                    || ' <a href=\"https://remote.example/tags/edchat\" class=\"mention hashtag\">#edchat</a></p>',
                    CASE WHEN n % 10 = 7 THEN 1 WHEN n % 10 = 8 THEN 2 WHEN n % 100 = 9 THEN 3 ELSE 0 END, false,
                    to_timestamp(({start_ms} + n * 10) / 1000.0),
                    CASE WHEN n % 25 = 0 AND n >= 1000 THEN {boosted} END,
                    CASE WHEN n % 20 = 3 AND n >= 1000 THEN {parent} END,
                    CASE WHEN n % 20 = 3 AND n >= 1000 THEN {parent_author} END,
                    CASE WHEN n % 10 = 4 THEN NULL ELSE 'en' END,
                    ((({author}) - {FIRST_ACCOUNT}) % {INDEXABLE_EVERY} = 0 OR n % 1000 = 5) AND NOT (n % 25 = 0 AND n >= 1000),
                    (({author}) - {FIRST_ACCOUNT}) % {INDEXABLE_EVERY} = 0 AND NOT (n % 25 = 0 AND n >= 1000)
                        AND NOT (n % 10 IN (7, 8) OR n % 100 = 9)
             FROM generate_series({from}, {to}) AS n",
            subjects = sql_array(&SUBJECTS),
            activities = sql_array(&ACTIVITIES),
            sid = id("n"),
            author = author("n"),
            boosted = id("n - 999"),
            parent = id("n - 997"),
            parent_author = author("n - 997"),
        ))
        .await;
        exec(conn, &format!("INSERT INTO status_tags (status_id, name) SELECT {}, 'edchat' FROM generate_series({from}, {to}) AS n WHERE n % 10 = 1", id("n"))).await;
        exec(conn, &format!(
            "INSERT INTO status_tags (status_id, name) SELECT {}, 'topic' || ((n / 10) % {TOPICS}) FROM generate_series({from}, {to}) AS n WHERE n % 10 = 3",
            id("n")
        ))
        .await;
        exec(conn, &format!("INSERT INTO mentions (status_id, account_id) SELECT {}, {alice} FROM generate_series({from}, {to}) AS n WHERE n % 1000 = 5", id("n"))).await;
        exec(conn, &format!(
            "INSERT INTO favourites (id, account_id, status_id)
             SELECT {} + 1, {FIRST_ACCOUNT} + (n * 7) % {ACCOUNTS}, {} FROM generate_series({from}, {to}) AS n WHERE n % 4 = 2",
            id("n"),
            id("n")
        ))
        .await;
        println!(
            "  statuses: {:>9} of {statuses} ({:.1} s)",
            to + 1,
            started.elapsed().as_secs_f64()
        );
    }
    for (table, trigger) in NOTIFY_TRIGGERS {
        exec(
            conn,
            &format!("ALTER TABLE {table} ENABLE TRIGGER {trigger}"),
        )
        .await;
    }
    println!("  VACUUM ANALYZE ...");
    exec(conn, "VACUUM ANALYZE").await;
    println!(
        "  seeded and analysed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
