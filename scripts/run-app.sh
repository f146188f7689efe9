#!/usr/bin/env bash
# Builds banter-server and the desktop app, then opens the app with a working chat at once:
# with no server configured, it offers "Host rooms on this computer", which starts the
# banter-server built here on loopback (BANTER_SERVER_BIN) and joins #lobby.
# Extra arguments go to the app. Needs a display (or run it under xvfb-run).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
npm run --silent build:ui
cargo build -p banter-server -p banter-desktop
export BANTER_AUTOHOST="${BANTER_AUTOHOST:-1}"
export BANTER_SERVER_BIN="${BANTER_SERVER_BIN:-$CARGO_TARGET_DIR/debug/banter-server}"
exec "$CARGO_TARGET_DIR/debug/banter" "$@"
