#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what is missing, builds, then
# runs the Rust tests (inside a private D-Bus session with a real, unlocked gnome-keyring),
# the Node interop tests against the real server binary, the end-to-end tests of the
# desktop app, and a quick run of the benchmarks so they cannot rot.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
source scripts/env.sh

log_dir="${BANTER_TEST_LOG_DIR:-$(mktemp -d /tmp/banter-tests.XXXXXX)}"
mkdir -p "$log_dir"
summary() {
  # Totals over every runner: cargo's "test result:" lines and node's "# pass N" / "# fail N".
  cat "$log_dir"/*.log 2>/dev/null | awk '
    /^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
    /^# pass [0-9]+$/ { p += $3 }
    /^# fail [0-9]+$/ { f += $3 }
    END { printf "%d passed, %d failed\n", p, f }'
}

# A failing step does not stop the run: the later ones still run, and the end names every
# failed test (node's "not ok" lines, cargo's "... FAILED"), where a log's tail shows them.
failed_steps=()
run() {
  local name="$1"
  shift
  "$@" 2>&1 | tee "$log_dir/$name.log" || failed_steps+=("$name")
}
failures() {
  local f
  for f in "$log_dir"/*.log; do
    grep -E '^ *not ok |^test .* \.\.\. FAILED$' "$f" | sed "s|^|  $(basename "$f" .log): |" || true
  done
}

step() { echo; echo "=== $1"; }

step "build"
cargo build --bins --quiet   # the default members: protocol, server, client, cli

step "throwaway PostgreSQL, Redis (scripts/services.sh) and their smoke test"
# One PostgreSQL 15 cluster and one Redis for the whole run, in a temp dir, stopped on exit;
# DIR/env exports BANTER_TEST_DATABASE_URL, BANTER_TEST_REDIS_URL, … to cargo and node below.
services_dir="$(mktemp -d /tmp/banter-services.XXXXXX)" services_sh="$PWD/scripts/services.sh"
trap 'bash "$services_sh" stop "$services_dir" >/dev/null 2>&1 || true; rm -rf "$services_dir"' EXIT
bash "$services_sh" start "$services_dir"
source "$services_dir/env"
run services node --test tests/services/

step "rust tests (protocol, server, client, cli)"
run cargo scripts/with-session.sh cargo test
# Our Engine.IO v3 codec in the rust_engineio fork (its upstream tests need upstream's servers).
run cargo-eio3 cargo test -p rust_engineio --lib eio3

step "node interop tests (official socket.io / socket.io-client against banter-server)"
run node env BANTER_SERVER_BIN="$CARGO_TARGET_DIR/debug/banter-server" \
  node --test --test-concurrency=1 tests/node/

step "node interop tests again, every banter-server on PostgreSQL (the store's other side)"
run node-postgres env BANTER_NODE_TESTS_STORE=postgres BANTER_SERVER_BIN="$CARGO_TARGET_DIR/debug/banter-server" \
  node --test --test-concurrency=1 tests/node/

step "cluster tests (three nodes on PostgreSQL + Redis behind HAProxy, with faults)"
run cluster env BANTER_SERVER_BIN="$CARGO_TARGET_DIR/debug/banter-server" \
  node --test --test-concurrency=1 tests/cluster/

# package-test.sh: the release .deb installed with apt, launched from /usr/bin, removed (root).
for extra in scripts/e2e.sh scripts/package-test.sh scripts/bench-quick.sh; do
  if [ -x "$extra" ]; then
    step "$extra"
    run "$(basename "$extra" .sh)" "$extra"
  fi
done

echo
summary
if [ ${#failed_steps[@]} -gt 0 ]; then
  echo "failed steps: ${failed_steps[*]}"
  echo "failed tests:"
  failures
  exit 1
fi
