#!/usr/bin/env bash
# What tests/relays.rs needs, installed once (idempotent; a fresh Debian machine as root):
# - activityrelay 0.3.5 (PyPI, pinned with its dependencies in requirements.txt), the
#   relay many Mastodon instances use, in a venv; prints the venv's path;
# - host names for the relay and two Staffroom instances per test, on loopback
#   addresses of their own, in /etc/hosts: activityrelay reaches every subscriber at
#   https://NAME on port 443, so each test's TLS terminator listens on NAME's address.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv=${STAFFROOM_RELAY_VENV:-/tmp/staffroom-relay-venv}

if [ ! -x "$venv/bin/activityrelay" ]; then
  echo "Installing activityrelay into $venv ..." >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi

for slot in 1 2 3; do
  line="127.77.$slot.1 relay.relays$slot.test a.relays$slot.test b.relays$slot.test"
  if ! grep -qxF "$line" /etc/hosts; then
    if [ -w /etc/hosts ]; then
      echo "$line" >> /etc/hosts
    else
      echo "tests/relays.rs needs this line in /etc/hosts (run this script as root): $line" >&2
      exit 1
    fi
  fi
done
echo "$venv"
