#!/bin/bash
# Self-check for the Fedify peer: starts two peers and federates them with
# each other.  Usage: ./smoke.sh [FIRST_KNOCK] [PORT_A] [PORT_B]
# Needs curl and jq.  Exits non-zero on the first failed check.
set -u
cd "$(dirname "$0")"
KNOCK=${1:-draft-cavage-http-signatures-12}
PA_PORT=${2:-18701}
PB_PORT=${3:-18702}
A=http://127.0.0.1:$PA_PORT
B=http://127.0.0.1:$PB_PORT
LOG=$(mktemp -d)

PORT=$PA_PORT PEER_USER=alice FIRST_KNOCK=$KNOCK ./run.sh >"$LOG/a.log" 2>&1 &
PA=$!
PORT=$PB_PORT PEER_USER=bob FIRST_KNOCK=$KNOCK ./run.sh >"$LOG/b.log" 2>&1 &
PB=$!
cleanup() {
  kill "$PA" "$PB" 2>/dev/null
  wait "$PA" "$PB" 2>/dev/null
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "--- alice log"; cat "$LOG/a.log"
  echo "--- bob log"; cat "$LOG/b.log"
  exit 1
}
ok() { echo "ok: $*"; }
post() { curl -sf -X POST -H 'content-type: application/json' -d "$2" "$1"; }
# wait_for URL JQ-FILTER: polls until the filter yields true (5 s max)
wait_for() {
  for _ in $(seq 50); do
    [ "$(curl -sf "$1" | jq "$2" 2>/dev/null)" = true ] && return 0
    sleep 0.1
  done
  return 1
}

for _ in $(seq 100); do
  curl -sf "$A/_control/health" >/dev/null && curl -sf "$B/_control/health" >/dev/null && break
  sleep 0.1
done
curl -sf "$A/_control/health" >/dev/null || fail "peers did not start"

curl -sf -H 'Accept: application/activity+json' "$A/users/alice" |
  jq -e '.endpoints.sharedInbox and .publicKey.publicKeyPem' >/dev/null || fail "actor document"
ok "actor has sharedInbox and publicKey"

post "$A/_control/follow" "{\"target\":\"$B/users/bob\"}" >/dev/null || fail "follow"
wait_for "$B/_control/followers" "index(\"$A/users/alice\") != null" || fail "bob's followers"
wait_for "$A/_control/following" "index(\"$B/users/bob\") != null" || fail "alice's following"
ok "follow accepted"

NOTE=$(post "$B/_control/post" '{"content":"<p>hello from bob</p>"}' | jq -r .id) || fail "post"
wait_for "$A/_control/received?type=Create" \
  "any(.[]; .object == \"$NOTE\" and .raw.object.content == \"<p>hello from bob</p>\")" || fail "Create at alice"
ok "Create delivered"

post "$A/_control/post" "{\"content\":\"<p>reply</p>\",\"inReplyTo\":\"$NOTE\"}" >/dev/null || fail "reply"
wait_for "$B/_control/received?type=Create" "any(.[]; .raw.object.inReplyTo == \"$NOTE\")" || fail "reply at bob"
ok "reply delivered with inReplyTo"

post "$A/_control/like" "{\"object\":\"$NOTE\"}" >/dev/null || fail "like"
wait_for "$B/_control/received?type=Like" "any(.[]; .object == \"$NOTE\")" || fail "Like at bob"
ok "Like delivered"

post "$B/_control/delete" "{\"id\":\"$NOTE\"}" >/dev/null || fail "delete"
wait_for "$A/_control/received?type=Delete" "any(.[]; .object == \"$NOTE\")" || fail "Delete at alice"
[ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: application/activity+json' "$NOTE")" = 410 ] || fail "deleted note not 410"
ok "Delete delivered; note answers 410"

post "$A/_control/unfollow" "{\"target\":\"$B/users/bob\"}" >/dev/null || fail "unfollow"
wait_for "$B/_control/followers" 'length == 0' || fail "Undo(Follow) at bob"
ok "unfollow"

echo "PASS ($KNOCK)"
