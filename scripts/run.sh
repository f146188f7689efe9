#!/usr/bin/env bash
# Sets up, builds and runs Banter. Opens the desktop app (which starts a local server when
# none is configured). Until the desktop app is built here, runs the server on
# 127.0.0.1:3000. Arguments are passed on.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh
if [ -x scripts/run-app.sh ]; then
  exec scripts/run-app.sh "$@"
fi
cargo build --release -p banter-server --quiet
exec "$CARGO_TARGET_DIR/release/banter-server" "$@"
