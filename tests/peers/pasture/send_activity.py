"""Send activities, signed by the pasture one_actor, to an inbox.

    cd DIR_WHERE_ONE_ACTOR_RUNS          # its data.toml holds the actor's key
    $VENV/bin/python tests/peers/pasture/send_activity.py \\
        --base http://127.0.0.1:PORT --inbox INBOX_URL [--to ACTOR_URL] FILE...

Each FILE is either a fixture from tests/fixtures/pasture/ (its "activity" is
sent) or a bare activity. URLs are rewritten first: the fixtures' sender
http://actor.example becomes the one_actor, BASE/actor, with ids under BASE/.
URLs on http://pasture-one-actor/ become BASE/ as well, because that host is
the one_actor in the package's own runs. So /actor is the sender, and
/images/... are served by one_actor. /assets/... are not served and give 404.
The recipient http://remote.example/ becomes ACTOR_URL when --to is given.
Each request is an HTTP-signed POST (draft-cavage, rsa-sha256, keyId
BASE/actor#main) made by bovine, the library the pasture tools are built on.
Prints the status and the body of each answer (with the file name when there
are several); exits 0 when every answer was 2xx, 1 otherwise.

The one_actor must be running at BASE (see README.md) so that the receiving
server can fetch its key.
"""

import argparse
import asyncio
import json
import sys

from fediverse_pasture.one_actor import bovine_actor_and_session

SENDER = "http://actor.example"
PASTURE = "http://pasture-one-actor"
RECIPIENT = "http://remote.example/"


def rewrite(value, base: str, to: str | None):
    if isinstance(value, dict):
        return {k: rewrite(v, base, to) for k, v in value.items()}
    if isinstance(value, list):
        return [rewrite(v, base, to) for v in value]
    if isinstance(value, str):
        if value == SENDER:
            return f"{base}/actor"
        for host in (SENDER, PASTURE):
            if value.startswith(host + "/"):
                return base + value[len(host):]
        if value == PASTURE:
            return base
        if to and value == RECIPIENT:
            return to
    return value


async def send(base: str, inbox: str, activities: list[tuple[str, dict]]) -> int:
    failed = 0
    async with bovine_actor_and_session(base) as (bovine_actor, _, _):
        for name, activity in activities:
            # bovine's post raises on >= 400 and drops the body; use its
            # signed client directly to keep the answer.
            response = await bovine_actor.client.post(inbox, json.dumps(activity))
            status, body = response.status, (await response.text()).strip()
            prefix = f"{name} " if len(activities) > 1 else ""
            print(f"{prefix}{status} {body}".rstrip(), flush=True)
            failed += not 200 <= status < 300
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="where the one_actor runs, e.g. http://127.0.0.1:28091")
    parser.add_argument("--inbox", required=True, help="inbox URL to POST to")
    parser.add_argument("--to", help="actor URL to put in place of http://remote.example/")
    parser.add_argument("--print", action="store_true", help="print the rewritten activity to stderr")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args()
    base = args.base.rstrip("/")

    activities = []
    for path in args.files:
        with open(path, encoding="utf-8") as fp:
            data = json.load(fp)
        activity = data["activity"] if "activity" in data and "input" in data else data
        activity = rewrite(activity, base, args.to)
        if args.print:
            print(json.dumps(activity, indent=2, ensure_ascii=False), file=sys.stderr)
        activities.append((path, activity))
    return asyncio.run(send(base, args.inbox, activities))


if __name__ == "__main__":
    sys.exit(main())
