//! Tag actors (`@edchat@our.host`, docs/hashtags.md) followed by the Fedify peer, a
//! real ActivityPub server we did not write, with posts written here and posts from a
//! second Staffroom instance; and the about page's PLN tags, over HTTP.

mod common;

use common::{eventually, fedify::FedifyPeer, public_post, queue_drained, TestApp};
use serde_json::{json, Value};
use staffroom::{
    db::{
        accounts::Account,
        follows::Follow,
        statuses::{Status, Visibility},
    },
    federation::fetch,
    services::{follows, statuses, tag_actors},
};
use std::time::Duration;

/// Fedify answers in its own time; 30 s is generous for a peer on a busy machine.
const PEER_WAIT: Duration = Duration::from_secs(30);

const ACTIVITY_JSON: &str = "application/activity+json";

/// Runs `staffroom ARGS` against `app`'s database; it must succeed. Its output.
fn staffroom(app: &TestApp, args: &[&str]) -> String {
    app.cli_ok(args)
}

fn post_of(text: &str, visibility: Visibility) -> statuses::NewPost {
    statuses::NewPost {
        visibility,
        ..public_post(text)
    }
}

/// What WebFinger answers for `acct:NAME@app`: its status and body.
async fn webfinger(app: &TestApp, name: &str) -> (u16, Value) {
    let res = app
        .get(
            &format!("/.well-known/webfinger?resource=acct:{name}@{}", app.domain),
            None,
        )
        .await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn self_link(jrd: &Value) -> String {
    jrd["links"]
        .as_array()
        .and_then(|links| links.iter().find(|l| l["rel"] == "self"))
        .and_then(|l| l["href"].as_str())
        .unwrap_or_else(|| panic!("no self link in {jrd}"))
        .to_string()
}

/// The Announces the peer received of `object`.
async fn announces_of(peer: &FedifyPeer, object: &str) -> Vec<Value> {
    peer.received("Announce")
        .await
        .into_iter()
        .filter(|a| raw_of(a)["object"] == object)
        .collect()
}

/// The body exactly as the peer received it.
fn raw_of(entry: &Value) -> Value {
    match &entry["raw"] {
        Value::String(s) => serde_json::from_str(s).unwrap_or(Value::Null),
        other => other.clone(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn webfinger_gives_accounts_first_then_hashtags_in_use() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    // A teacher called like a hashtag in use: the account wins.
    let mathchat = app.create_user("mathchat").await.account;
    for text in ["Tonight's #edchat", "Fractions at #mathchat"] {
        statuses::post(&app.ctx, &alice, public_post(text))
            .await
            .unwrap();
    }

    let (status, jrd) = webfinger(&app, "edchat").await;
    assert_eq!(status, 200, "{jrd}");
    assert_eq!(jrd["subject"], format!("acct:edchat@{}", app.domain));
    let actor_url = self_link(&jrd);
    assert_eq!(actor_url, format!("{}/users/tag.edchat", app.address));
    // Asked again (and in another case): the same actor, not a second one.
    let (_, again) = webfinger(&app, "EdChat").await;
    assert_eq!(self_link(&again), actor_url);

    let res = app.get("/users/tag.edchat", Some(ACTIVITY_JSON)).await;
    assert_eq!(res.status(), 200);
    let actor: Value = res.json().await.unwrap();
    assert_eq!(actor["id"], actor_url);
    assert_eq!(actor["type"], "Service");
    assert_eq!(actor["preferredUsername"], "edchat");
    assert_eq!(actor["name"], "#edchat");
    assert_eq!(actor["url"], format!("{}/tags/edchat", app.address));
    assert_eq!(actor["inbox"], format!("{actor_url}/inbox"));
    assert_eq!(actor["outbox"], format!("{actor_url}/outbox"));
    assert_eq!(actor["followers"], format!("{actor_url}/followers"));
    assert_eq!(actor["manuallyApprovesFollowers"], false);
    assert_eq!(actor["publicKey"]["owner"], actor_url);
    assert!(actor["publicKey"]["publicKeyPem"]
        .as_str()
        .unwrap()
        .contains("BEGIN PUBLIC KEY"));
    // Its followers collection answers like any account's.
    let res = app
        .get("/users/tag.edchat/followers", Some(ACTIVITY_JSON))
        .await;
    assert_eq!(res.status(), 200);
    // A browser is sent to the hashtag's page.
    let res = app.get("/users/tag.edchat", Some("text/html")).await;
    assert_eq!(res.status(), 302);
    assert_eq!(
        res.headers()["location"],
        format!("{}/tags/edchat", app.address)
    );

    // The account called mathchat answers for acct:mathchat, not the hashtag.
    let (status, jrd) = webfinger(&app, "mathchat").await;
    assert_eq!(status, 200, "{jrd}");
    assert_eq!(self_link(&jrd), format!("{}/users/mathchat", app.address));
    assert_eq!(mathchat.actor_type, "Person");
    // A hashtag nobody here used has no actor.
    let (status, _) = webfinger(&app, "nobodyusesthis").await;
    assert_eq!(status, 404);
    // Nor does a name no handle can carry.
    let (status, _) = webfinger(&app, "tag.nobodyusesthis").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tag_actor_announces_at_most_five_posts_an_hour_of_one_author() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let bob = app.create_user("bob").await.account;
    statuses::post(&app.ctx, &alice, public_post("Starting #ratechat"))
        .await
        .unwrap();
    let (status, _) = webfinger(&app, "ratechat").await;
    assert_eq!(status, 200);
    let mut last = None;
    for n in 1..=6 {
        last = Some(
            statuses::post(
                &app.ctx,
                &alice,
                public_post(&format!("#ratechat number {n}")),
            )
            .await
            .unwrap(),
        );
    }
    eventually(
        PEER_WAIT,
        "five of alice's posts were announced",
        || async { staffroom(&app, &["tag", "list"]).contains("announced: 5") },
    )
    .await;
    // Asking again for the sixth (what its own task did) changes nothing.
    tag_actors::announce_post(&app.ctx, last.unwrap().id)
        .await
        .unwrap();
    assert!(staffroom(&app, &["tag", "list"]).contains("announced: 5"));
    // Another author is not held back by alice's posts.
    statuses::post(&app.ctx, &bob, public_post("My first #ratechat"))
        .await
        .unwrap();
    eventually(PEER_WAIT, "bob's post was announced", || async {
        staffroom(&app, &["tag", "list"]).contains("announced: 6")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn fedify_follows_a_tag_actor_and_receives_one_announce_of_each_tagged_post() {
    let here = TestApp::spawn().await;
    let there = TestApp::spawn().await;
    let alice = here.create_user("alice").await.account;
    let bob = there.create_user("bob").await.account;

    // The hashtags are in use here; #fedilz is switched off by an admin.
    statuses::post(
        &here.ctx,
        &alice,
        public_post("Who is in for #edchat and #fedilz?"),
    )
    .await
    .unwrap();
    let said = staffroom(&here, &["tag", "disable", "#FediLZ"]);
    assert!(said.contains("#fedilz is disabled"), "{said}");

    // Fedify's WebFinger is https-only: it follows the actor URL ours gives.
    let (_, jrd) = webfinger(&here, "edchat").await;
    let edchat = self_link(&jrd);
    let (_, jrd) = webfinger(&here, "fedilz").await;
    let fedilz = self_link(&jrd);
    let listed = staffroom(&here, &["tag", "list"]);
    assert!(listed.contains("#edchat\tenabled"), "{listed}");
    assert!(listed.contains("#fedilz\tdisabled"), "{listed}");

    let peer = FedifyPeer::start("fedi", "draft-cavage-http-signatures-12").await;
    for target in [&edchat, &fedilz] {
        peer.act("follow", json!({ "target": target })).await;
    }
    eventually(PEER_WAIT, "both tag actors accepted the peer", || async {
        let accepted = peer.received("Accept").await;
        accepted.iter().any(|a| a["actor"] == *edchat)
            && accepted.iter().any(|a| a["actor"] == *fedilz)
    })
    .await;

    // alice follows bob on the second instance, so his posts reach us.
    let bob_here = fetch::resolve_actor(&here.ctx, &format!("{}/users/bob", there.address))
        .await
        .unwrap();
    follows::follow(&here.ctx, &alice, &bob_here).await.unwrap();
    eventually(PEER_WAIT, "bob accepted alice", || async {
        let mut conn = here.pool.get().await.unwrap();
        Follow::find(&mut conn, alice.id, bob_here.id)
            .await
            .unwrap()
            .is_some_and(|f| f.accepted)
    })
    .await;

    let alice_uri = |id| format!("{}/users/alice/statuses/{id}", here.address);
    let tagged = statuses::post(
        &here.ctx,
        &alice,
        public_post("Q1 of #edchat: why #EdChat?"),
    )
    .await
    .unwrap();
    let untagged = statuses::post(&here.ctx, &alice, public_post("No hashtag here"))
        .await
        .unwrap();
    let private = statuses::post(
        &here.ctx,
        &alice,
        post_of("For my followers only #edchat", Visibility::Private),
    )
    .await
    .unwrap();
    let switched_off = statuses::post(&here.ctx, &alice, public_post("Quiet #fedilz"))
        .await
        .unwrap();
    let from_there = statuses::post(&there.ctx, &bob, public_post("Answer from afar #edchat"))
        .await
        .unwrap();
    let from_there_uri = format!("{}/users/bob/statuses/{}", there.address, from_there.id);

    let tagged_uri = alice_uri(tagged.id);
    let announce = eventually(
        PEER_WAIT,
        "the peer got the Announce of alice's post",
        || async { announces_of(&peer, &tagged_uri).await.into_iter().next() },
    )
    .await;
    let raw = raw_of(&announce);
    assert_eq!(raw["actor"], edchat);
    assert!(raw["to"]
        .to_string()
        .contains("https://www.w3.org/ns/activitystreams#Public"));
    eventually(
        PEER_WAIT,
        "the peer got the Announce of bob's post",
        || async { !announces_of(&peer, &from_there_uri).await.is_empty() },
    )
    .await;
    // The post from there was stored here through the inbox, as every received post is.
    {
        let mut conn = here.pool.get().await.unwrap();
        assert!(Status::find_by_uri(&mut conn, &from_there_uri)
            .await
            .unwrap()
            .is_some());
    }

    // Once: a post seen again (here, asked by its own task's twin) is not announced again.
    tag_actors::announce_post(&here.ctx, tagged.id)
        .await
        .unwrap();
    queue_drained(&here.db.url).await;
    assert_eq!(announces_of(&peer, &tagged_uri).await.len(), 1);
    assert_eq!(announces_of(&peer, &from_there_uri).await.len(), 1);
    for (what, post) in [
        ("the untagged post", &untagged),
        ("the followers-only post", &private),
        ("the post with a switched-off tag", &switched_off),
    ] {
        assert!(
            announces_of(&peer, &alice_uri(post.id)).await.is_empty(),
            "{what} was announced"
        );
    }

    // Switched on again, #fedilz announces what comes next.
    staffroom(&here, &["tag", "enable", "fedilz"]);
    let later = statuses::post(&here.ctx, &alice, public_post("Loud #fedilz"))
        .await
        .unwrap();
    let later_uri = alice_uri(later.id);
    let got = eventually(
        PEER_WAIT,
        "the peer got the Announce of the #fedilz post",
        || async { announces_of(&peer, &later_uri).await.into_iter().next() },
    )
    .await;
    assert_eq!(raw_of(&got)["actor"], fedilz);
    assert!(announces_of(&peer, &alice_uri(switched_off.id))
        .await
        .is_empty());

    // alice deletes her post: the Announce is undone.
    let announce_id = raw["id"].as_str().unwrap().to_string();
    statuses::delete(&here.ctx, &alice, tagged.id)
        .await
        .unwrap();
    eventually(
        PEER_WAIT,
        "the peer got the Undo of the Announce",
        || async {
            peer.received("Undo").await.into_iter().any(|u| {
                let raw = raw_of(&u);
                raw["actor"] == edchat
                    && (raw["object"]["id"] == announce_id || raw["object"] == announce_id)
            })
        },
    )
    .await;

    // The peer unfollows: the tag actor's followers go.
    peer.act("unfollow", json!({ "target": edchat })).await;
    eventually(PEER_WAIT, "the tag actor lost its follower", || async {
        let mut conn = here.pool.get().await.unwrap();
        let account = Account::find_local(&mut conn, "tag.edchat")
            .await
            .unwrap()
            .unwrap();
        Follow::follower_inboxes(&mut conn, account.id)
            .await
            .unwrap()
            .is_empty()
    })
    .await;
}

/// The about page's section `id`, as served.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id} in the about page"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// Where `#name` is shown in `part`, if it is.
fn place(part: &str, name: &str) -> Option<usize> {
    part.find(&format!(">#{name}<"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_about_page_lists_pln_tags_most_used_first_and_trending_tags() {
    let app = TestApp::spawn().await;
    let alice = app.create_user("alice").await.account;
    let bob = app.create_user("bob").await.account;
    let carol = app.create_user("carol").await.account;
    let post = |who: &Account, text: &str, visibility: Visibility| {
        let (ctx, who, text) = (app.ctx.clone(), who.clone(), text.to_string());
        async move {
            statuses::post(&ctx, &who, post_of(&text, visibility))
                .await
                .unwrap();
        }
    };
    // #mathchat: 4 posts by 2 teachers; #edchat: 3 posts by 3; #solochat: 2 by one.
    for _ in 0..3 {
        post(&alice, "Ratios #mathchat", Visibility::Public).await;
    }
    post(&bob, "Graphs #mathchat", Visibility::Public).await;
    for who in [&alice, &bob, &carol] {
        post(who, "Hello #edchat", Visibility::Public).await;
    }
    post(&carol, "Mine #solochat", Visibility::Public).await;
    post(&carol, "Still mine #solochat", Visibility::Public).await;
    // Followers-only posts are nobody else's business.
    post(&alice, "Between us #secretchat", Visibility::Private).await;
    post(&bob, "Between us too #secretchat", Visibility::Private).await;
    // Followed, not written with.
    staffroom::services::tags::follow(&app.ctx, &carol, "scichat")
        .await
        .unwrap();
    // Used by two, then switched off by an admin.
    post(&alice, "Spam? #offchat", Visibility::Public).await;
    post(&bob, "Spam! #offchat", Visibility::Public).await;

    let about = |app: &TestApp| {
        let url = format!("{}/about", app.address);
        let client = app.client.clone();
        async move {
            let res = client.get(url).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.text().await.unwrap()
        }
    };
    let html = about(&app).await;
    let pln = section(&html, "pln-tags");
    let trending = section(&html, "trending-tags");
    assert!(place(pln, "offchat").is_some(), "{pln}");
    assert!(place(trending, "offchat").is_some(), "{trending}");

    staffroom(&app, &["tag", "disable", "offchat"]);
    let html = about(&app).await;
    let pln = section(&html, "pln-tags");
    let trending = section(&html, "trending-tags");
    let at = |part: &str, name: &str| {
        place(part, name).unwrap_or_else(|| panic!("#{name} is not shown in {part}"))
    };
    // Most used first; a followed tag nobody wrote with comes after those used.
    assert!(at(pln, "mathchat") < at(pln, "edchat"), "{pln}");
    assert!(at(pln, "edchat") < at(pln, "solochat"), "{pln}");
    assert!(at(pln, "solochat") < at(pln, "scichat"), "{pln}");
    assert!(pln.contains("4 posts"), "{pln}");
    assert!(pln.contains("1 follows it here"), "{pln}");
    // Trending counts people: #edchat (3) before #mathchat (2); one person's tag is not a trend.
    assert!(
        at(trending, "edchat") < at(trending, "mathchat"),
        "{trending}"
    );
    assert!(trending.contains("3 people"), "{trending}");
    assert!(place(trending, "solochat").is_none(), "{trending}");
    for part in [pln, trending] {
        assert!(place(part, "secretchat").is_none(), "{part}");
        assert!(place(part, "offchat").is_none(), "{part}");
    }
    // In German too.
    let res = app
        .client
        .get(format!("{}/about", app.address))
        .header("Accept-Language", "de")
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("PLN-Hashtags"));
    assert!(html.contains("Angesagte Hashtags"));
}
