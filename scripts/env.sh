# Sourced by the other scripts: one cargo target dir shared by every checkout on this
# machine (CI runs in a fresh clone each time; reusing the dir keeps it well inside its
# time budget). Override with CARGO_TARGET_DIR.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/banter/target}"
export PATH="$HOME/.cargo/bin:$PATH"
