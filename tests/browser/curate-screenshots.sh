#!/usr/bin/env bash
# Copies the screenshots docs/web.md shows from the last run of the browser tests
# (cargo nextest run --test browser main_pages) into docs/screenshots/, made small
# with pngquant and optipng (apt-get install pngquant optipng). Run by hand when
# the pages change; the tests never write into the repository.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
from="${CARGO_TARGET_DIR:-$root/target}/test-artifacts/browser"
to="$root/docs/screenshots"
shown=(sign-in-phone home-desktop-full home-phone local-phone federated-desktop tag-phone thread-desktop
  profile-remote-desktop profile-public-phone notifications-desktop search-phone settings-profile-phone
  list-desktop groups-phone chats-phone admin-reports-desktop-full admin-accounts-phone admin-audit-phone-full)
for tool in pngquant optipng; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install pngquant optipng)" >&2; exit 1; }
done
mkdir -p "$to"
for name in "${shown[@]}"; do
  [ -f "$from/$name.png" ] || { echo "no $from/$name.png: run the browser tests first" >&2; exit 1; }
  pngquant --force --quality 60-85 --speed 1 --strip --output "$to/$name.png" "$from/$name.png"
  optipng -quiet -o5 "$to/$name.png"
done
du -ch "$to"/*.png | tail -1
