#!/usr/bin/env bash
# Probes an ActivityPub actor with fediverse-pasture's verify_actor and prints
# its JSON report on stdout.
#
#   tests/peers/pasture/verify_actor.sh ACTOR_URL [PORT]
#
# ACTOR_URL  the actor to probe, e.g. http://127.0.0.1:8080/users/alice (an
#            acct:user@host URI also works; verify_actor resolves it with
#            WebFinger). `self:NAME` probes the verifier's own test actor NAME
#            (alice ... frank), which is how the README's examples were made.
# PORT       where verify_actor listens on 127.0.0.1 (default: a free port).
#
# Environment:
#   PASTURE_TIMEOUT        seconds verify_actor waits for each request to the
#                          target (default 20)
#   PASTURE_ONLY           comma-separated test actors to run, e.g. "alice,bob"
#                          (default: all six)
#   PASTURE_START_TIMEOUT  seconds to wait for verify_actor to come up (default 60)
#   PASTURE_LOG            if set, verify_actor's log is copied to this file
#   PASTURE_VENV           venv location, passed on to setup.sh
#
# Exit status: 0 with the report on stdout; 1 bad usage or setup failed;
# 2 verify_actor did not start; 3 the report request failed or was not JSON.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [ $# -lt 1 ] || [ $# -gt 2 ] || [ -z "$1" ]; then
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 1
fi
actor_url="$1"
port="${2:-}"
timeout="${PASTURE_TIMEOUT:-20}"
start_timeout="${PASTURE_START_TIMEOUT:-60}"

command -v curl >/dev/null 2>&1 || { echo "verify_actor.sh: curl is required" >&2; exit 1; }
venv="$("$here/setup.sh" | tail -n 1)" || { echo "verify_actor.sh: setup.sh failed" >&2; exit 1; }
py="$venv/bin/python"

if [ -z "$port" ]; then
  port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
elif "$py" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null; then
  echo "verify_actor.sh: something is already listening on 127.0.0.1:$port" >&2
  exit 2
fi
base="http://127.0.0.1:$port"
case "$actor_url" in
  self:*) actor_url="$base/${actor_url#self:}" ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/staffroom-pasture.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  if [ -n "${PASTURE_LOG:-}" ] && [ -f "$work/server.log" ]; then
    cp "$work/server.log" "$PASTURE_LOG" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# verify_actor writes data.toml (its actors' keys) and a JSON-LD cache into its
# working directory, hence the scratch directory.
(cd "$work" && exec "$py" "$here/serve.py" verify_actor --port "$port" --timeout "$timeout") \
  >"$work/server.log" 2>&1 &
pid=$!

deadline=$((SECONDS + start_timeout))
until curl -s -o /dev/null --max-time 2 "$base/"; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "verify_actor.sh: verify_actor exited during start-up; its log:" >&2
    tail -n 30 "$work/server.log" >&2
    exit 2
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "verify_actor.sh: verify_actor did not answer on $base within ${start_timeout}s; its log:" >&2
    tail -n 30 "$work/server.log" >&2
    exit 2
  fi
  sleep 0.2
done

only_args=()
if [ -n "${PASTURE_ONLY:-}" ]; then
  IFS=',' read -r -a only_names <<<"$PASTURE_ONLY"
  for name in "${only_names[@]}"; do
    only_args+=(--data-urlencode "only_${name}=1")
  done
fi

# Six actors make up to two requests each, plus the WebFinger check's two,
# each bounded by PASTURE_TIMEOUT.
max_time=$((timeout * 14 + 30))
status=0
curl -sS --max-time "$max_time" -o "$work/report.json" -w '%{http_code}' \
  -H 'Accept: application/json' -G --data-urlencode "actor_uri=$actor_url" \
  "${only_args[@]}" "$base/" >"$work/http_code" || status=$?
code="$(cat "$work/http_code" 2>/dev/null || true)"
if [ "$status" -ne 0 ] || [ "$code" != 200 ]; then
  echo "verify_actor.sh: report request failed (curl exit $status, HTTP ${code:-none}); verify_actor's log:" >&2
  tail -n 30 "$work/server.log" >&2
  exit 3
fi

if ! "$py" -c '
import json, sys
report = json.load(open(sys.argv[1]))
if not isinstance(report, dict) or not isinstance(report.get("result"), dict):
    sys.exit("report has no \"result\" object")
json.dump(report, sys.stdout, indent=2)
print()
' "$work/report.json"; then
  echo "verify_actor.sh: the report is not the expected JSON; it was:" >&2
  head -c 2000 "$work/report.json" >&2
  exit 3
fi
