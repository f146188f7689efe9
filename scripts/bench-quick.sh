#!/usr/bin/env bash
# A smoke run of the server benchmark (tiny sizes, ~30 s) so it cannot rot: it fails when a
# server cannot start, a client cannot join, or a delivery is lost. The full run, for
# figures, is `cargo run --release -p banter-bench` (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec cargo run --quiet -p banter-bench -- --quick
