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
node --test tests/services/ 2>&1 | tee "$log_dir/services.log"

step "rust tests (protocol, server, client, cli)"
scripts/with-session.sh cargo test 2>&1 | tee "$log_dir/cargo.log"
# Our Engine.IO v3 codec in the rust_engineio fork (its upstream tests need upstream's servers).
cargo test -p rust_engineio --lib eio3 2>&1 | tee "$log_dir/cargo-eio3.log"

step "node interop tests (official socket.io / socket.io-client against banter-server)"
BANTER_SERVER_BIN="$CARGO_TARGET_DIR/debug/banter-server" \
  node --test --test-concurrency=1 tests/node/ 2>&1 | tee "$log_dir/node.log"

step "node interop tests again, every banter-server on PostgreSQL (the store's other side)"
BANTER_NODE_TESTS_STORE=postgres BANTER_SERVER_BIN="$CARGO_TARGET_DIR/debug/banter-server" \
  node --test --test-concurrency=1 tests/node/ 2>&1 | tee "$log_dir/node-postgres.log"

step "cluster tests (three nodes on PostgreSQL + Redis behind HAProxy, with faults)"
BANTER_SERVER_BIN="$CARGO_TARGET_DIR/debug/banter-server" \
  node --test --test-concurrency=1 tests/cluster/ 2>&1 | tee "$log_dir/cluster.log"

# package-test.sh: the release .deb installed with apt, launched from /usr/bin, removed (root).
for extra in scripts/e2e.sh scripts/package-test.sh scripts/bench-quick.sh; do
  if [ -x "$extra" ]; then
    step "$extra"
    "$extra" 2>&1 | tee "$log_dir/$(basename "$extra" .sh).log"
  fi
done

echo
summary
