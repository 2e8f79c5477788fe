#!/usr/bin/env bash
# Installs (once) what tests/browser.rs needs: Debian's Chromium (with a font, so
# screenshots show text) and, beside this script, playwright-core and axe-core at
# pinned versions. Playwright's own browser download is never used.
#   CHROMIUM  the browser to check for (default /usr/bin/chromium)
# Idempotent, and safe to run from parallel tests: one installs, the others wait.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
chromium="${CHROMIUM:-/usr/bin/chromium}"

exec 9>"$here/.setup.lock"
flock 9

if [ ! -x "$chromium" ] || ! fc-list 2>/dev/null | grep -qi dejavu; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: installing chromium (Debian's package) ..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fontconfig >/dev/null
  else
    echo "setup.sh: the browser tests need Chromium at $chromium and a font (Debian/Ubuntu: sudo apt-get install chromium fonts-dejavu-core)" >&2
    exit 1
  fi
fi
if [ ! -d "$here/node_modules/playwright-core" ] || [ ! -d "$here/node_modules/axe-core" ]; then
  command -v npm >/dev/null 2>&1 || { echo "setup.sh: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
  echo "setup.sh: installing playwright-core and axe-core (npm ci) ..." >&2
  (cd "$here" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2)
fi
