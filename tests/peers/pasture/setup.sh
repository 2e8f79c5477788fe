#!/usr/bin/env bash
# Creates (once) a Python virtualenv with the pinned fediverse-pasture tools from
# requirements.txt beside this script, and prints the venv's path on stdout.
#   PASTURE_VENV  where the venv lives (default /tmp/staffroom-pasture-venv)
#   PYTHON        interpreter to create it with (default python3; needs >= 3.11)
# Idempotent: a stamp file in the venv records the requirements it was built
# from, and pip runs again only when requirements.txt changes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${PASTURE_VENV:-/tmp/staffroom-pasture-venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"
stamp="$venv/.staffroom-requirements"

if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
  echo "setup.sh: $python is missing or older than Python 3.11" >&2
  exit 1
fi

if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" >/dev/null 2>&1; then
    echo "setup.sh: '$python -m venv' failed (Debian/Ubuntu: apt-get install python3-venv)" >&2
    rm -rf "$venv"
    exit 1
  fi
fi

if ! cmp -s "$req" "$stamp" 2>/dev/null; then
  echo "setup.sh: installing $(grep -c '==' "$req") pinned packages into $venv ..." >&2
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req" >&2
  cp "$req" "$stamp"
fi

echo "$venv"
