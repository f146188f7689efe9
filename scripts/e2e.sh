#!/usr/bin/env bash
# End-to-end tests of the desktop app through its real window: builds the UI, the app and
# banter-server, then runs tests/e2e/ under Xvfb, inside a private D-Bus session with an
# unlocked gnome-keyring (scripts/with-session.sh) and a notification witness.
# Runs the app's unit tests (Vitest, cargo test -p banter-desktop --lib) first.
# Screenshots land in test-artifacts/e2e/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

if [ -z "${BANTER_IN_SESSION:-}" ]; then
  # The desktop app's unit tests first (UI logic and escaping; Rust glue, including the
  # check that ui/src/generated/ipc.ts is up to date): cheap, and they explain a failure.
  npm run --silent typecheck:ui
  npm run --silent test:ui
  # The UI bundle first: generate_context! embeds dist/, which a fresh clone lacks.
  npm run --silent build:ui
  cargo test -p banter-desktop --lib
  # The one way the app is built for tests and run-app.sh: plain cargo, debug profile.
  cargo build -p banter-desktop -p banter-server
  cargo build -p banter-cli 2>/dev/null || echo "e2e: banter-cli does not build yet; the join test uses a socket.io-client peer"
  exec scripts/with-session.sh "$0" "$@"
fi

work="$(mktemp -d /tmp/banter-e2e.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# a free X display
d=90
while [ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ]; do d=$((d + 1)); done
Xvfb ":$d" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
export DISPLAY=":$d"

export BANTER_NOTIFY_LOG="$work/notifications.jsonl"
/usr/bin/python3 tests/e2e/support/notify-witness.py "$BANTER_NOTIFY_LOG" >"$work/witness.out" 2>&1 &
pids+=($!)
# Up to 15 s: once, right after a build, it was not ready within 5 s (a rerun was fine).
for _ in $(seq 150); do grep -q ready "$work/witness.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/witness.out" || { echo "e2e: notification witness did not start" >&2; cat "$work/witness.out" >&2; exit 1; }

# Bounded: a leftover child holding a pipe must never hang CI. BANTER_E2E_TIMEOUT (s) and
# BANTER_E2E_TEST_TIMEOUT (ms, per test) raise the bounds for a long one-off soak.
status=0
# Arguments (e.g. one test file) replace the default: every file under tests/e2e/.
[ $# -gt 0 ] || set -- tests/e2e/
timeout --kill-after=10 ${BANTER_E2E_TIMEOUT:-900} node --test --test-concurrency=1 --test-timeout=${BANTER_E2E_TEST_TIMEOUT:-180000} "$@" || status=$?
mkdir -p test-artifacts/e2e
cp "$BANTER_NOTIFY_LOG" test-artifacts/e2e/notifications.jsonl 2>/dev/null || true
exit $status
