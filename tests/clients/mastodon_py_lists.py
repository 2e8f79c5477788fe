"""Lists and filters through Mastodon.py, a client library we did not write (issue 15).

Two teachers on one server: alice follows bob, keeps him in an exclusive list and
filters a word with v2 and v1 filters. Each step prints its name.
"""

import os
import warnings

from mastodon import Mastodon, MastodonAPIError

from mastodon_py import eventually, run, step

A = os.environ["STAFFROOM_A"]
SCOPES = ["read", "write", "follow"]

warnings.simplefilter("error")


def sign_in(user, password):
    cid, secret = Mastodon.create_app("Mastodon.py lists test", scopes=SCOPES, api_base_url=A)
    m = Mastodon(client_id=cid, client_secret=secret, api_base_url=A)
    m.log_in(user, password, scopes=SCOPES, allow_http=True)
    return m


def texts(statuses):
    return [s.content for s in statuses]


def main():
    step("sign in")
    alice = sign_in(os.environ["A_USER"], os.environ["A_PASSWORD"])
    bob = sign_in(os.environ["B_USER"], os.environ["B_PASSWORD"])
    bob_account = alice.account_lookup(os.environ["B_USER"])
    alice.account_follow(bob_account)

    step("make an exclusive list with bob in it")
    maths = alice.list_create("Maths department", replies_policy="list", exclusive=True)
    assert maths.title == "Maths department" and maths.exclusive is True and maths.replies_policy == "list", maths
    alice.list_accounts_add(maths, [bob_account])
    assert [a.id for a in alice.list_accounts(maths)] == [bob_account.id]
    assert [l.id for l in alice.account_lists(bob_account)] == [maths.id]
    assert [l.id for l in alice.lists()] == [maths.id]
    renamed = alice.list_update(maths, "Maths", replies_policy="none", exclusive=True)
    assert renamed.title == "Maths" and renamed.replies_policy == "none", renamed

    step("bob's posts are in the list, not at home")
    alice.status_post("Alice writes a note")
    bob.status_post("Bob shares a fraction worksheet")
    listed = eventually("bob's post is in the list", lambda: [t for t in texts(alice.timeline_list(maths)) if "fraction worksheet" in t])
    assert listed
    home = texts(alice.timeline_home())
    assert any("Alice writes a note" in t for t in home), home
    assert not any("fraction worksheet" in t for t in home), home

    step("a v2 filter hides a word in the list and marks another")
    hide = alice.create_filter_v2("Inspections", ["home", "public"], "hide", keywords_attributes=[{"keyword": "Ofsted", "whole_word": True}])
    assert [k.keyword for k in hide.keywords] == ["Ofsted"], hide
    warn = alice.create_filter_v2("The play", ["home"], "warn", expires_in=3600, keywords_attributes=[{"keyword": "Macbeth", "whole_word": False}])
    assert warn.expires_at is not None, warn
    bob.status_post("Ofsted arrives on Monday")
    bob.status_post("Macbeth rehearsal moved")
    bob.status_post("Plain news")
    listed = eventually("the plain post is in the list", lambda: [s for s in alice.timeline_list(maths) if "Plain news" in s.content] and alice.timeline_list(maths))
    assert not any("Ofsted" in t for t in texts(listed)), texts(listed)
    marked = [s for s in listed if "Macbeth" in s.content][0]
    assert marked.filtered and marked.filtered[0].filter.title == "The play", marked.filtered
    assert [f.title for f in alice.filters_v2()] == ["Inspections", "The play"]
    changed = alice.update_filter_v2(warn, title="Shakespeare", keywords_attributes=[{"keyword": "Hamlet"}])
    assert changed.title == "Shakespeare" and sorted(k.keyword for k in changed.keywords) == ["Hamlet", "Macbeth"], changed
    alice.add_filter_keyword_v2(changed, "Othello", whole_word=True)
    assert len(alice.filter_keywords_v2(changed)) == 3

    step("v1 filters see the same keywords")
    phrases = sorted(f.phrase for f in alice.filters())
    assert phrases == ["Hamlet", "Macbeth", "Ofsted", "Othello"], phrases
    old = alice.filter_create("detention", ["home"], irreversible=True, whole_word=False)
    assert old.phrase == "detention" and old.irreversible is True, old
    alice.filter_delete(old)
    try:
        alice.filter(old.id)
        raise AssertionError("the deleted v1 filter is still there")
    except MastodonAPIError as e:
        assert "404" in str(e) or "not found" in str(e).lower(), e

    step("removing bob and the filters")
    alice.delete_filter_v2(hide)
    alice.list_accounts_delete(maths, [bob_account])
    assert alice.list_accounts(maths) == []
    home = texts(alice.timeline_home())
    assert any("Ofsted arrives" in t for t in home), home
    alice.list_delete(maths)
    assert alice.lists() == []

    print("all steps passed", flush=True)


if __name__ == "__main__":
    run(main)
