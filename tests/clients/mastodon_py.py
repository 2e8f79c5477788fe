"""Drives two Staffroom servers with Mastodon.py, a client library we did not write.

Run by tests/clients.rs with the servers' addresses and two teachers' passwords in
the environment. Each step prints its name; a failure names the step and exits 1.
"""

import base64
import hashlib
import html.parser
import os
import secrets
import sys
import time
import urllib.parse
import warnings

import requests
from mastodon import Mastodon

A = os.environ["STAFFROOM_A"]
B = os.environ["STAFFROOM_B"]
B_DOMAIN = urllib.parse.urlparse(B).netloc
SCOPES = ["read", "write", "follow"]
REDIRECT = "http://127.0.0.1:9/callback"  # never fetched: the code is read from the redirect

# Mastodon.py warns about servers that look odd; here a warning is a failure.
warnings.simplefilter("error")


CURRENT = "start"


def step(name):
    global CURRENT
    CURRENT = name
    print(f"step: {name}", flush=True)


def eventually(what, check, timeout=30):
    deadline = time.time() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.3)


def run(main):
    """Runs a script's `main`; on failure names the step that failed and exits 1."""
    try:
        main()
    except Exception as e:  # noqa: BLE001 - report which step failed, then fail
        import traceback

        traceback.print_exc()
        print(f"FAILED at step {CURRENT!r}: {e!r}", file=sys.stderr, flush=True)
        sys.exit(1)


class Form(html.parser.HTMLParser):
    """The sign-in form's action and fields."""

    def __init__(self):
        super().__init__()
        self.action, self.fields = None, {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.action = attrs.get("action")
        if tag == "input" and attrs.get("type") == "hidden":
            self.fields[attrs["name"]] = attrs.get("value", "")


def sign_in_through_page(url, username, password):
    """What a teacher does in the browser: open the page, sign in, allow. Returns the redirect's query."""
    page = requests.get(url, timeout=30)
    assert page.status_code == 200, f"authorize page: {page.status_code} {page.text[:300]}"
    form = Form()
    form.feed(page.text)
    assert form.action, "the page has a form"
    fields = dict(form.fields, username=username, password=password, decision="approve")
    res = requests.post(urllib.parse.urljoin(url, form.action), data=fields, allow_redirects=False, timeout=30)
    assert res.status_code == 302, f"sign-in answered {res.status_code}: {res.text[:300]}"
    location = res.headers["Location"]
    assert location.startswith(REDIRECT), location
    return dict(urllib.parse.parse_qsl(urllib.parse.urlparse(location).query))


def main():
    step("register an app on A")
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py test", scopes=SCOPES, redirect_uris=[REDIRECT, "urn:ietf:wg:oauth:2.0:oob"], api_base_url=A
    )

    step("password grant (log_in with username and password)")
    alice = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=A)
    alice.log_in(os.environ["A_USER"], os.environ["A_PASSWORD"], scopes=SCOPES, allow_http=True)
    me = alice.me()
    assert me.username == os.environ["A_USER"], me
    assert alice.verify_minimum_version("4.3.0"), "the version string reads as Mastodon 4.3"

    step("authorization code flow with PKCE")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    url = alice.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, state="s-42", allow_http=True)
    url += "&" + urllib.parse.urlencode({"code_challenge": challenge, "code_challenge_method": "S256"})
    answer = sign_in_through_page(url, os.environ["A_USER"], os.environ["A_PASSWORD"])
    assert answer.get("state") == "s-42", answer
    info = alice.oauth_authorization_server_info()
    token = requests.post(
        info["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": answer["code"],
            "redirect_uri": REDIRECT,
            "client_id": client_id,
            "client_secret": client_secret,
            "code_verifier": verifier,
        },
        timeout=30,
    )
    assert token.status_code == 200, token.text
    pkce = Mastodon(access_token=token.json()["access_token"], api_base_url=A)
    assert pkce.me().username == os.environ["A_USER"]

    step("authorization code flow through Mastodon.py's log_in(code=...)")
    url = alice.auth_request_url(redirect_uris=REDIRECT, scopes=SCOPES, allow_http=True)
    answer = sign_in_through_page(url, os.environ["A_USER"], os.environ["A_PASSWORD"])
    coded = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=A)
    coded.log_in(code=answer["code"], redirect_uri=REDIRECT, scopes=SCOPES, allow_http=True)
    assert coded.me().username == os.environ["A_USER"]

    step("revoke a token (revoke_access_token)")
    revoked_token = coded.access_token
    coded.revoke_access_token(allow_http=True)
    res = requests.get(f"{A}/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {revoked_token}"}, timeout=30)
    assert res.status_code == 401, f"the revoked token still works: {res.status_code}"

    step("post, reply, edit, delete")
    post = alice.status_post("Hello from Mastodon.py #edtech", visibility="public")
    assert "Hello from Mastodon.py" in post.content, post
    reply = alice.status_post("A reply to myself", in_reply_to_id=post.id)
    assert reply.in_reply_to_id == post.id, reply
    edited = alice.status_update(post.id, "Hello again from Mastodon.py")
    assert "Hello again" in edited.content and edited.edited_at is not None, edited
    assert "Hello again" in alice.status(post.id).content
    alice.status_delete(reply.id)
    try:
        alice.status(reply.id)
        raise AssertionError("the deleted reply is still there")
    except Exception as e:  # MastodonNotFoundError
        assert "404" in str(e) or "not found" in str(e).lower(), e

    step("teacher on B signs in")
    b_id, b_secret = Mastodon.create_app("Mastodon.py test", scopes=SCOPES, api_base_url=B)
    bob = Mastodon(client_id=b_id, client_secret=b_secret, api_base_url=B)
    bob.log_in(os.environ["B_USER"], os.environ["B_PASSWORD"], scopes=SCOPES, allow_http=True)

    step("search-resolve the account on B")
    handle = f"@{os.environ['B_USER']}@{B_DOMAIN}"
    found = alice.search_v2(handle, resolve=True)
    assert found.accounts, f"{handle} not found: {found}"
    remote = found.accounts[0]
    assert remote.acct == f"{os.environ['B_USER']}@{B_DOMAIN}", remote.acct

    step("follow the account on B")
    alice.account_follow(remote.id)
    eventually("the follow is accepted", lambda: alice.account_relationships(remote.id)[0].following)

    step("home timeline shows B's new post")
    bob.status_post("A worksheet on fractions, free to share", visibility="public")
    item = eventually(
        "the post from B reaches A's home timeline",
        lambda: next((s for s in alice.timeline_home() if "fractions" in s.content), None),
    )
    assert item.account.acct == remote.acct, item.account

    step("a reply from B reaches A: thread and notifications")
    question = alice.status_post("Who has a good fractions starter? #maths", visibility="public")
    on_b = bob.search_v2(question.uri, resolve=True)
    assert on_b.statuses, f"B cannot resolve {question.uri}: {on_b}"
    copy = on_b.statuses[0]
    a_handle = f"@{os.environ['A_USER']}@{urllib.parse.urlparse(A).netloc}"
    answer = bob.status_post(f"{a_handle} Pizza slices, every time!", in_reply_to_id=copy.id, visibility="public")
    assert answer.in_reply_to_id == copy.id, answer
    eventually(
        "the reply from B is in the thread on A",
        lambda: any("Pizza slices" in s.content for s in alice.status_context(question.id).descendants),
    )
    mention = eventually(
        "a mention notification on A",
        lambda: next((n for n in alice.notifications(types=["mention"]) if n.status and "Pizza" in n.status.content), None),
    )
    assert mention.account.acct == remote.acct, mention.account
    assert alice.notifications(id=mention.id).type == "mention"

    step("a favourite and a follow from B notify A")
    bob.status_favourite(copy.id)
    eventually("a favourite notification on A", lambda: alice.notifications(types=["favourite"]))
    a_on_b = bob.search_v2(a_handle, resolve=True).accounts[0]
    bob.account_follow(a_on_b.id)
    follow = eventually("a follow notification on A", lambda: alice.notifications(types=["follow"]))
    assert follow[0].account.acct == remote.acct, follow[0].account

    step("dismiss and clear notifications")
    alice.notifications_dismiss(mention.id)
    assert all(n.id != mention.id for n in alice.notifications()), "the dismissed notification is still listed"
    alice.notifications_clear()
    assert alice.notifications() == [], "notifications remain after clear"

    print("all steps passed", flush=True)


if __name__ == "__main__":
    run(main)
