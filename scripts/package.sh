#!/usr/bin/env bash
# Builds Banter's installable desktop package(s): a .deb (Debian/Ubuntu) with banter-server
# shipped next to the app, so "host rooms on this computer" works out of the box.
# AppImage is not built: its tooling downloads helpers at build time.
# Output: $CARGO_TARGET_DIR/release/bundle/deb/Banter_<version>_<arch>.deb
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

cargo build --release -p banter-server
# tauri build runs `npm run build:ui` (beforeBuildCommand), builds the app in release and
# bundles it. The server goes in as an extra file next to the app binary (/usr/bin).
cfg="$(mktemp /tmp/banter-bundle.XXXXXX.json)"
trap 'rm -f "$cfg"' EXIT
cat >"$cfg" <<JSON
{ "bundle": { "linux": { "deb": { "files": { "/usr/bin/banter-server": "$CARGO_TARGET_DIR/release/banter-server" } } } } }
JSON
npm run --silent tauri -- build --bundles deb --config "$cfg"

deb="$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb | head -1)"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"
echo "package: $deb"
echo "install: sudo apt install $deb"

