#!/usr/bin/env bash
# Installs (once) the Mastodon client libraries tests/clients.rs drives: Mastodon.py
# into a Python virtualenv, masto into node_modules beside this script. Prints the
# venv's path on stdout.
#   CLIENTS_VENV  where the venv lives (default /tmp/staffroom-clients-venv)
#   PYTHON        interpreter to create it with (default python3)
# Idempotent: pip runs again only when requirements.txt changes, npm ci only when
# node_modules is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${CLIENTS_VENV:-/tmp/staffroom-clients-venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"
stamp="$venv/.staffroom-requirements"

# Tests may call this in parallel: one installs, the others wait for it.
exec 9>"${venv%/}.lock"
flock 9

if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
    echo "setup.sh: '$python -m venv' failed (Debian/Ubuntu: apt-get install python3-venv)" >&2
    rm -rf "$venv"
    exit 1
  fi
fi
if ! cmp -s "$req" "$stamp" 2>/dev/null; then
  echo "setup.sh: installing Mastodon.py into $venv ..." >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi
if [ ! -d "$here/node_modules" ]; then
  command -v npm >/dev/null 2>&1 || { echo "setup.sh: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
  echo "setup.sh: installing masto (npm ci) ..." >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
echo "$venv"
