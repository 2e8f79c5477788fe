//! Parse tests over other servers' payloads: Mastodon-shaped activities written from
//! its documentation (fixtures/mastodon) and the fediverse-pasture-inputs edge cases
//! (fixtures/pasture). Nothing panics, nothing hostile survives, and what Mastodon
//! would show is kept.

use serde_json::Value;
use staffroom::{
    db::{accounts::Account, AccountId},
    federation::{objects::note::incoming_note, protocol::activity::IncomingActivity},
    urls::Urls,
};
use std::path::{Path, PathBuf};

fn author(uri: &str) -> Account {
    let now = chrono::Utc::now();
    Account {
        id: AccountId(1),
        username: "remote".into(),
        domain: url::Url::parse(uri)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string)),
        display_name: String::new(),
        note: String::new(),
        locked: false,
        discoverable: true,
        actor_type: "Person".into(),
        uri: Some(uri.to_string()),
        url: None,
        inbox_url: None,
        shared_inbox_url: None,
        outbox_url: None,
        followers_url: Some(format!("{uri}/followers")),
        following_url: None,
        public_key_pem: String::new(),
        private_key_pem: None,
        created_at: now,
        updated_at: now,
        last_fetched_at: None,
        public_key_id: None,
        suspended_at: None,
        silenced_at: None,
        sensitized_at: None,
        indexable: false,
        avatar_key: None,
        header_key: None,
        avatar_remote_url: None,
        header_remote_url: None,
    }
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json")
            && path.file_name().is_some_and(|n| n != "manifest.json")
        {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn fixtures(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

const FORBIDDEN: [&str; 9] = [
    "<script",
    "<style",
    "<iframe",
    "<img",
    "onerror",
    "onclick",
    "javascript:",
    "style=",
    "<svg",
];

fn assert_safe(html: &str, origin: &Path) {
    let lower = html.to_ascii_lowercase();
    for bad in FORBIDDEN {
        assert!(
            !lower.contains(bad),
            "{}: {bad} survived in {html}",
            origin.display()
        );
    }
}

#[test]
fn mastodon_activities_parse_as_mastodon_means_them() {
    let urls = Urls::new("https", "staffroom.example");
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(fixtures("mastodon").join(name)).unwrap())
            .unwrap()
    };

    let create = read("create_note.json");
    let activity: IncomingActivity = serde_json::from_value(create.clone()).unwrap();
    assert_eq!(activity.kind, "Create");
    assert_eq!(
        activity.actor.as_deref(),
        Some("https://mastodon.example/users/maria")
    );
    let maria = author("https://mastodon.example/users/maria");
    let post = incoming_note(&activity.object, &maria, None, &urls).unwrap();
    assert_eq!(post.form.spoiler_text, "Assessment talk");
    assert!(post.form.sensitive);
    assert_eq!(post.form.language.as_deref(), Some("en"));
    assert_eq!(post.form.visibility, 0, "public");
    assert_eq!(post.hashtags, vec!["edchat".to_string()]);
    assert_eq!(
        post.mentions,
        vec!["https://staffroom.example/users/alice".to_string()]
    );
    assert!(
        post.form.content.contains("class=\"u-url mention\""),
        "mention markup is kept: {}",
        post.form.content
    );
    assert!(post
        .form
        .content
        .contains("how do you grade group projects?"));
    assert_eq!(
        post.form.url.as_deref(),
        Some("https://mastodon.example/@maria/113000000000000001")
    );

    for name in [
        "follow.json",
        "undo_follow.json",
        "like.json",
        "announce.json",
        "delete_note.json",
        "update_person.json",
    ] {
        let activity: IncomingActivity =
            serde_json::from_value(read(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            activity.actor.as_deref(),
            Some("https://mastodon.example/users/maria"),
            "{name}"
        );
    }
    // Each is read as the typed activity of its kind, as the inbox dispatches it.
    use staffroom::federation::protocol::activities::Activity;
    let typed = |name: &str| {
        Activity::from_incoming(serde_json::from_value(read(name)).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    assert!(matches!(typed("create_note.json"), Activity::Create(_)));
    assert!(
        matches!(typed("follow.json"), Activity::Follow(f) if f.object.starts_with("https://"))
    );
    assert!(
        matches!(typed("undo_follow.json"), Activity::Undo(u) if u.undone_kind == "Follow" && u.undone_object.is_some())
    );
    assert!(matches!(typed("like.json"), Activity::Like(_)));
    assert!(matches!(typed("announce.json"), Activity::Announce(a) if !a.to.is_empty()));
    assert!(matches!(typed("delete_note.json"), Activity::Delete(_)));
    assert!(
        matches!(typed("update_person.json"), Activity::Update(u) if u.object_id == "https://mastodon.example/users/maria")
    );
    assert!(matches!(typed("question.json"), Activity::Create(_)));
    // Known kinds missing what they need are refused; unknown kinds are "other".
    let parse = |v: Value| Activity::from_incoming(serde_json::from_value(v).unwrap());
    let like_of_nothing = serde_json::json!({"id": "https://r.example/l/1", "type": "Like", "actor": "https://r.example/u/a"});
    assert_eq!(
        parse(like_of_nothing).unwrap_err().kind,
        staffroom::error::ErrorKind::BadRequest
    );
    let update_by_id = serde_json::json!({"id": "https://r.example/u/1", "type": "Update", "actor": "https://r.example/u/a", "object": "https://r.example/n/1"});
    assert!(
        parse(update_by_id).is_err(),
        "an Update must embed the new version"
    );
    let react = serde_json::json!({"id": "https://r.example/r/1", "type": "EmojiReact", "actor": "https://r.example/u/a"});
    assert!(matches!(parse(react).unwrap(), Activity::Other { .. }));

    let announce: IncomingActivity = serde_json::from_value(read("announce.json")).unwrap();
    assert_eq!(
        staffroom::federation::objects::note::visibility_of(&announce.to, &announce.cc, None),
        staffroom::db::statuses::Visibility::Public
    );

    // A profile update is read into a stored account, with its bio sanitised.
    let update = read("update_person.json");
    let fetched =
        staffroom::federation::fetch::actor_from_document(update["object"].clone()).unwrap();
    assert_eq!(fetched.form.username, "maria");
    assert_eq!(
        fetched.form.shared_inbox_url.as_deref(),
        Some("https://mastodon.example/inbox")
    );
    assert!(!fetched.form.note.contains("<script"));
    assert!(fetched.form.note.contains("Primary teacher."));

    // A poll is stored with its options, counts, end and voters.
    let question: IncomingActivity = serde_json::from_value(read("question.json")).unwrap();
    let post = incoming_note(&question.object, &maria, None, &urls).unwrap();
    assert_eq!(post.form.object_type, "Question");
    assert!(post.form.content.contains("Homework on weekends?"));
    let poll = post.poll.expect("the Question's poll is read");
    assert_eq!(poll.options, vec!["Yes".to_string(), "No".to_string()]);
    assert_eq!(poll.tallies, vec![3, 7]);
    assert_eq!(poll.voters_count, 10);
    assert!(!poll.multiple);
    assert_eq!(
        poll.expires_at.map(|t| t.to_rfc3339()),
        Some("2026-11-21T12:00:00+00:00".to_string())
    );
    // A Question without options is still stored readable, with a link to the original.
    let mut bare = question.object.clone();
    bare.as_object_mut().unwrap().remove("oneOf");
    let post = incoming_note(&bare, &maria, None, &urls).unwrap();
    assert!(post.poll.is_none());
    assert!(post
        .form
        .content
        .contains("https://mastodon.example/users/maria/statuses/113000000000000003"));
}

#[test]
fn pasture_inputs_never_panic_and_hostile_html_is_stripped() {
    let urls = Urls::new("https", "staffroom.example");
    let files = json_files(&fixtures("pasture"));
    assert!(files.len() > 200, "the corpus is there: {}", files.len());
    let (mut stored, mut refused) = (0, 0);
    for path in &files {
        let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        // The activity envelope parses or is refused cleanly.
        if let Ok(envelope) =
            serde_json::from_value::<IncomingActivity>(fixture["activity"].clone())
        {
            let _ = staffroom::federation::protocol::activities::Activity::from_incoming(envelope);
        }
        let object = &fixture["object"];
        let Some(attributed) = object["attributedTo"].as_str() else {
            refused += 1;
            continue;
        };
        match incoming_note(object, &author(attributed), None, &urls) {
            Ok(post) => {
                stored += 1;
                assert_safe(&post.form.content, path);
                assert!(
                    !post.form.spoiler_text.contains('<')
                        || !post
                            .form
                            .spoiler_text
                            .to_ascii_lowercase()
                            .contains("<script")
                );
                // A content warning makes the post sensitive only when the sender says so.
                if object["sensitive"] == Value::Bool(true) {
                    assert!(post.form.sensitive, "{}", path.display());
                }
            }
            Err(_) => refused += 1,
        }
    }
    assert!(
        stored > 200,
        "most edge cases are stored: {stored} stored, {refused} refused"
    );
}

/// The words a reader sees in `html`: tags dropped, and what scripts hold with them.
fn visible_words(html: &str) -> Vec<String> {
    let mut text = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("</script>")
            .map_or("", |end| &rest[start + end + "</script>".len()..]);
    }
    text.push_str(rest);
    let mut words = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                words.push(' ');
            }
            c if !in_tag => words.push(c),
            _ => {}
        }
    }
    words.split_whitespace().map(str::to_string).collect()
}

#[test]
fn the_hostile_tags_of_the_corpus_lose_their_danger_but_keep_their_text() {
    let urls = Urls::new("https", "staffroom.example");
    let mut checked = 0;
    for path in json_files(&fixtures("pasture/html_tags")) {
        let fixture: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let content = fixture["object"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if !(content.contains("<script")
            || content.contains("<img")
            || content.contains("<audio")
            || content.contains("<video"))
        {
            continue;
        }
        let object = &fixture["object"];
        let post = incoming_note(
            object,
            &author(object["attributedTo"].as_str().unwrap()),
            None,
            &urls,
        )
        .unwrap();
        assert_safe(&post.form.content, &path);
        assert!(
            !post.form.content.contains("<audio") && !post.form.content.contains("<video"),
            "{}",
            post.form.content
        );
        for word in visible_words(object["content"].as_str().unwrap()) {
            assert!(
                post.form.content.contains(&word),
                "{}: {word:?} was lost from {}",
                path.display(),
                post.form.content
            );
        }
        checked += 1;
    }
    // Script, image, audio and video, each as a note and as an article.
    assert_eq!(checked, 8, "the corpus's hostile tags were all checked");
}

#[test]
fn a_malformed_date_or_a_single_tag_does_not_cost_the_post() {
    let urls = Urls::new("https", "staffroom.example");
    let note = serde_json::json!({
        "id": "https://other.example/notes/1",
        "type": "Note",
        "attributedTo": "https://other.example/users/x",
        "content": "<p>hi #edchat</p>",
        "published": "last tuesday",
        "tag": { "type": "Hashtag", "name": "#EdChat" },
        "to": "https://www.w3.org/ns/activitystreams#Public"
    });
    let post = incoming_note(&note, &author("https://other.example/users/x"), None, &urls).unwrap();
    assert_eq!(post.hashtags, vec!["edchat".to_string()]);
    assert_eq!(post.form.visibility, 0);
    assert!(post.form.created_at <= chrono::Utc::now());
}
