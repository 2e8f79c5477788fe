"""Drives the WebSocket side of Staffroom's streaming API the ways apps do, with the
`websockets` library: the token in the query string and in the Authorization header,
several streams on one socket, `unsubscribe`, `status.update`, `delete` and
`notification` events, and a refused token. The posts, edits and favourites that
cause the events go through Mastodon.py.

Run by tests/streaming.rs with STREAM_BASE, ALICE and BOB (tokens). Prints one line
per check: "ok NAME" or "fail NAME WHY", then "done".
"""

import asyncio
import json
import os
import sys
import warnings

import websockets
from mastodon import Mastodon

BASE = os.environ["STREAM_BASE"]
WS = BASE.replace("http", "ws", 1) + "/api/v1/streaming"
DEADLINE = 10
warnings.simplefilter("ignore")
alice = Mastodon(access_token=os.environ["ALICE"], api_base_url=BASE)
bob = Mastodon(access_token=os.environ["BOB"], api_base_url=BASE)


def say(line):
    print(line, flush=True)


async def next_event(ws, wanted):
    """The next event whose name is in `wanted` (others skipped), as (event, stream, payload)."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), DEADLINE))
        if "error" in message:
            raise AssertionError(f"the server said {message}")
        if message.get("event") in wanted:
            payload = message.get("payload")
            if message["event"] in ("update", "status.update", "notification"):
                payload = json.loads(payload)
            return message["event"], message.get("stream"), payload


async def update_with(ws, text):
    """Updates until the one whose content has `text`; the (stream, status) pairs seen."""
    seen = []
    while True:
        event, stream, status = await next_event(ws, ("update",))
        seen.append((stream, status))
        if text in status["content"]:
            return seen


async def several_streams_and_unsubscribe():
    async with websockets.connect(f"{WS}?access_token={os.environ['ALICE']}") as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "hashtag", "tag": "edchat"}))
        await ws.send(json.dumps({"type": "subscribe", "stream": "public:local"}))
        await asyncio.sleep(0.5)  # the subscriptions are taken before the post is made
        bob.status_post("Ideas for #edchat tonight", visibility="public")
        streams = set()
        while len(streams) < 2:
            _, stream, status = await next_event(ws, ("update",))
            if "Ideas for" in status["content"]:
                streams.add(tuple(stream))
        if streams != {("hashtag", "edchat"), ("public:local",)}:
            return say(f"fail several-streams {streams}")
        say("ok several-streams")

        await ws.send(json.dumps({"type": "unsubscribe", "stream": "hashtag", "tag": "edchat"}))
        await asyncio.sleep(0.5)
        bob.status_post("More #edchat after unsubscribing", visibility="public")
        bob.status_post("A marker without tags", visibility="public")
        seen = await update_with(ws, "A marker without tags")
        tagged = [s for s, st in seen if "after unsubscribing" in st["content"]]
        if tagged != [["public:local"]]:
            return say(f"fail unsubscribe {tagged}")
        say("ok unsubscribe")


async def header_token_and_notifications():
    headers = {"Authorization": f"Bearer {os.environ['ALICE']}"}
    async with websockets.connect(WS, additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "user:notification"}))
        await asyncio.sleep(0.5)
        post = alice.status_post("Worksheet on fractions", visibility="public")
        bob.status_favourite(post["id"])
        event, stream, note = await next_event(ws, ("notification", "update"))
        if event != "notification" or note["type"] != "favourite" or note["account"]["acct"] != "bob":
            return say(f"fail header-notification {event} {stream} {note}")
        if stream != ["user:notification"]:
            return say(f"fail header-notification stream {stream}")
        say("ok header-notification")


async def edits_and_deletes():
    async with websockets.connect(f"{WS}?access_token={os.environ['ALICE']}&stream=user") as ws:
        await asyncio.sleep(0.5)
        post = alice.status_post("Draft plan for Monday", visibility="public")
        await update_with(ws, "Draft plan for Monday")
        alice.status_update(post["id"], "Final plan for Monday")
        event, _, edited = await next_event(ws, ("status.update",))
        if edited["id"] != str(post["id"]) or "Final plan" not in edited["content"]:
            return say(f"fail edit {edited}")
        say("ok edit")
        alice.status_delete(post["id"])
        event, _, deleted = await next_event(ws, ("delete",))
        if deleted != str(post["id"]):
            return say(f"fail delete {deleted}")
        say("ok delete")


async def refused_token():
    try:
        async with websockets.connect(f"{WS}?access_token=not-a-token&stream=user") as ws:
            await asyncio.wait_for(ws.recv(), DEADLINE)
        say("fail refused-token: the socket opened")
    except websockets.exceptions.InvalidStatus as e:
        if e.response.status_code == 401:
            say("ok refused-token")
        else:
            say(f"fail refused-token {e.response.status_code}")
    except websockets.exceptions.ConnectionClosed as e:
        say(f"fail refused-token: opened, then closed ({e})")


async def main():
    for check in (several_streams_and_unsubscribe, header_token_and_notifications, edits_and_deletes, refused_token):
        try:
            await check()
        except Exception as e:  # one line per failure, so the test says which
            say(f"fail {check.__name__} {type(e).__name__}: {e}")
    say("done")


asyncio.run(main())
