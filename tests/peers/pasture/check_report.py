#!/usr/bin/env python3
"""Judge a verify_actor report against what a correct server shows.

    tests/peers/pasture/verify_actor.sh URL | tests/peers/pasture/check_report.py
    tests/peers/pasture/check_report.py report.json [--verbose]

Prints one line per test actor and exits 0 when the report matches a server
that rejects unsigned inbox POSTs, accepts signed ones (also from actors whose
own documents need a signed GET, and from actors without WebFinger), and whose
WebFinger round trip works. Exits 1 otherwise, 2 on unreadable input.
Standard library only; any Python 3 will do.
"""

import argparse
import json
import sys

# name: (signs its requests, has WebFinger/preferredUsername, its actor
# document needs a signed GET, so the target's key fetch must be signed)
ACTORS = {
    "alice": (False, True, False),
    "bob": (True, True, False),
    "claire": (True, True, True),
    "dean": (False, False, False),
    "emily": (True, False, False),
    "frank": (True, False, True),
}


def judge(result: dict) -> list[tuple[str, bool, str]]:
    """Return (subject, ok, explanation) rows for the actors present."""
    rows = []
    for name, (signs, webfinger, signed_get) in ACTORS.items():
        if name not in result:
            continue
        got = result[name]
        get_actor, post_inbox = bool(got.get("get_actor")), bool(got.get("post_inbox"))
        what = f"get_actor={str(get_actor).lower():5} post_inbox={str(post_inbox).lower():5}"
        if signs:
            ok = get_actor and post_inbox
            why = "signed GET + signed POST must both succeed"
            notes = []
            if signed_get:
                notes.append("our key fetch of this actor must be signed")
            if not webfinger:
                notes.append("actor has no preferredUsername/WebFinger")
            if notes:
                why += f" ({'; '.join(notes)})"
        else:
            # get_actor may be false if the target demands signed GETs
            # ("authorized fetch"); then no POST is attempted either.
            ok = not post_inbox
            why = "unsigned POST must be refused (status >= 400)"
        rows.append((f"{name:6} {what}", ok, why))
    if "webfinger" in result:
        ok = bool(result["webfinger"])
        rows.append(
            (
                f"webfinger {str(ok).lower()}",
                ok,
                "acct:preferredUsername@host must resolve to the actor id",
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report", nargs="?", help="report file (default: stdin)")
    parser.add_argument("--verbose", "-v", action="store_true", help="also print verify_actor's step log")
    args = parser.parse_args()

    try:
        text = open(args.report).read() if args.report else sys.stdin.read()
        report = json.loads(text)
        result = report["result"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"check_report: cannot read a verify_actor report: {e!r}", file=sys.stderr)
        return 2

    rows = judge(result)
    for subject, ok, why in rows:
        print(f"{'ok  ' if ok else 'FAIL'} {subject}  {why}")

    if args.verbose:
        # "messages" is a JSON document inside a string: {"steps": [...]}
        try:
            steps = json.loads(report.get("messages", "{}")).get("steps", [])
        except ValueError:
            steps = [report.get("messages")]
        print("\nverify_actor steps:")
        for step in steps:
            print(f"  {step}")
    failed = [r for r in rows if not r[1]]
    print(f"verify_actor checks: {len(rows) - len(failed)} ok, {len(failed)} failing")
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
