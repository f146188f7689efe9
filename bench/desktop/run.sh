#!/usr/bin/env bash
# Desktop app benchmark (figures, not a test). Usage: bench/desktop/run.sh
# Needs the release app and server built:
#   npm run build:ui && cargo build --release -p banter-desktop -p banter-server
# Starts Xvfb on a free display, a private D-Bus session (scripts/with-session.sh), then
# bench/desktop/run.mjs (which starts banter-server --rate-limit 0, tauri-driver and the app).
# Every process it starts is stopped by PID. Results: bench/desktop/results.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/env.sh
for b in "${BANTER_APP_BIN:-$CARGO_TARGET_DIR/release/banter}" "${BANTER_SERVER_BIN:-$CARGO_TARGET_DIR/release/banter-server}"; do
  [ -x "$b" ] || { echo "bench: $b missing; build the release app and server first" >&2; exit 1; }
done
if [ -z "${BANTER_IN_SESSION:-}" ]; then
  exec scripts/with-session.sh "$(pwd)/bench/desktop/run.sh" "$@"
fi
work="$(mktemp -d /tmp/banter-bench-x.XXXXXX)"
xpid=""
cleanup() {
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
d=90
while [ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ]; do d=$((d + 1)); done
Xvfb ":$d" -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
xpid=$!
export DISPLAY=":$d"
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$d" ] && break; sleep 0.1; done
# BENCH_SCRIPT: another scenario in the same setting (bench/desktop/frames.mjs: timeline frames)
# Bounded: 15 minutes, plus the soak's own length when a soak is asked for (BENCH_SOAK_SECONDS;
# a 30-minute soak was cut off at 842 s by the plain 900 s), or BENCH_TIMEOUT seconds.
bound="${BENCH_TIMEOUT:-900}"
case ",${BENCH_SCENARIOS:-}," in *,soak,*|*,soakbare,*) bound=$((bound + ${BENCH_SOAK_SECONDS:-600})) ;; esac
timeout --kill-after=10 "$bound" node "${BENCH_SCRIPT:-bench/desktop/run.mjs}" "$@"
