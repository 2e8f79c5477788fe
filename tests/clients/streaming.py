"""Listens to a Staffroom user's home stream with two clients we did not write:
Mastodon.py's stream_user (server-sent events) and the `websockets` library, which
sends the token as masto and browsers do (Sec-WebSocket-Protocol) and subscribes
with Mastodon's `{"type": "subscribe"}` message.

Run by tests/streaming.rs with STREAM_BASE (the node to connect to) and TOKEN. Prints
"ready" once both are connected, then one line per status that arrives:
"update <client> <status id> <content>", until stdin closes.
"""

import asyncio
import json
import os
import sys
import threading
import warnings

import websockets
from mastodon import Mastodon, StreamListener

BASE = os.environ["STREAM_BASE"]
TOKEN = os.environ["TOKEN"]
warnings.simplefilter("ignore")
lock = threading.Lock()


def say(line):
    with lock:
        print(line, flush=True)


class Listener(StreamListener):
    def on_update(self, status):
        say(f"update sse {status['id']} {status['content']}")


async def websocket(connected):
    url = BASE.replace("http", "ws", 1) + "/api/v1/streaming"
    async with websockets.connect(url, subprotocols=[TOKEN]) as ws:
        await ws.send(json.dumps({"type": "subscribe", "stream": "user"}))
        connected.set()
        async for message in ws:
            event = json.loads(message)
            if "error" in event:
                say(f"error websocket {message}")
            elif event["event"] == "update":
                assert event["stream"] == ["user"], event
                status = json.loads(event["payload"])
                say(f"update websocket {status['id']} {status['content']}")


def main():
    api = Mastodon(access_token=TOKEN, api_base_url=BASE)
    handle = api.stream_user(Listener(), run_async=True, reconnect_async=False)
    connected = threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(websocket(connected)), daemon=True)
    thread.start()
    if not connected.wait(30):
        say("error websocket did not connect")
        sys.exit(1)
    # Mastodon.py connects in its own thread: wait until its stream is open.
    for _ in range(300):
        if handle.is_receiving():
            break
        threading.Event().wait(0.1)
    say("ready")
    sys.stdin.read()
    handle.close()


main()
