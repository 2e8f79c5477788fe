#!/usr/bin/env bash
# Checks the harness itself, without Staffroom: verify_actor probes its own test
# actors, which behave like a strict server (bob: inbox checks signatures), a
# strict server with authorized fetch (claire: also demands signed GETs), and a
# permissive one (alice: inbox accepts anything). check_report.py must pass the
# first two and fail the third.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/staffroom-pasture-selftest.XXXXXX")"
trap 'rm -rf "$out"' EXIT

failures=0
expect() { # expect NAME pass|fail
  local name="$1" want="$2" got
  PASTURE_TIMEOUT=5 "$here/verify_actor.sh" "self:$name" >"$out/$name.json"
  if "$here/check_report.py" "$out/$name.json" >"$out/$name.txt"; then got=pass; else got=fail; fi
  if [ "$got" = "$want" ]; then
    echo "ok   self:$name judged '$got' as expected"
  else
    echo "FAIL self:$name judged '$got', expected '$want'"
    cat "$out/$name.txt"
    failures=$((failures + 1))
  fi
}

expect bob pass
expect claire pass
expect alice fail
grep -q '^FAIL alice .*post_inbox=true' "$out/alice.txt" || { echo "FAIL alice's unsigned POST was not what failed"; failures=$((failures + 1)); }
grep -q '^ok   alice  get_actor=false' "$out/claire.txt" || { echo "FAIL claire did not refuse alice's unsigned GET"; failures=$((failures + 1)); }

[ "$failures" -eq 0 ] && echo "pasture harness self-test: all good" || { echo "pasture harness self-test: $failures problem(s)"; exit 1; }
