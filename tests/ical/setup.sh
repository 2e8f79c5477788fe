#!/usr/bin/env bash
# Creates (once) a Python virtualenv with the pinned iCalendar parser (icalendar,
# with python-dateutil to expand recurrence rules) that tests/chats.rs checks our
# chat feeds with, and prints the venv's path on stdout.
#   ICAL_VENV  where the venv lives (default /tmp/staffroom-ical-venv)
#   PYTHON     interpreter to create it with (default python3)
# Idempotent: a stamp file in the venv records the requirements it was built from.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${ICAL_VENV:-/tmp/staffroom-ical-venv}"
python="${PYTHON:-python3}"
req="$here/requirements.txt"
stamp="$venv/.staffroom-requirements"

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
