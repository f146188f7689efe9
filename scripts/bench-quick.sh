#!/usr/bin/env bash
# A smoke run of the server benchmark (tiny sizes, ~40 s) so it cannot rot: it fails when a
# server cannot start, a client cannot join, or a delivery is lost. The sign-in scenarios
# ride along in a tiny form (2 sign-in clients, 5 sign-ins/s beside 20 chatting clients,
# 10 idle signed-in clients; ~10 s) and also fail it when a sign-in is refused; the search
# scenario stores 2,000 messages and runs 50 searches (~2 s), the files scenario uploads and
# downloads one 25 MiB file through banter-client (~3 s). The full
# run, for figures, is `cargo run --release -p banter-bench` (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec cargo run --quiet -p banter-bench -- --quick --scenarios classic,signins,search,files
