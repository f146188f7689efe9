#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real
# Secret Service), as the keyring and notification tests need. Usage: with-session.sh CMD…
set -euo pipefail
if [ -z "${BANTER_IN_SESSION:-}" ]; then
  export BANTER_IN_SESSION=1
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/banter-xdg.XXXXXX)}"
  chmod 700 "$XDG_RUNTIME_DIR"
  exec dbus-run-session -- "$0" "$@"
fi
# Inside the session: start and unlock the keyring with a throwaway password.
eval "$(printf 'banter-test' | gnome-keyring-daemon --unlock --components=secrets 2>/dev/null)" || true
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
exec "$@"
