#!/usr/bin/env bash
# Installs everything a fresh Debian 12 machine lacks to build, run and test Banter.
# Idempotent: re-running it only checks. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # build
  build-essential pkg-config libssl-dev libdbus-1-dev
  # Tauri 2 on Linux
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  # headless app, end-to-end tests, screenshots
  xvfb xauth webkit2gtk-driver imagemagick
  # emoji (reactions, the picker) drawn as on a desktop, not as empty boxes, in screenshots
  fonts-noto-color-emoji
  # session bus, notification witness, real Secret Service
  dbus dbus-x11 at-spi2-core python3-dbus python3-gi python3-xlib gnome-keyring libsecret-tools
  # a real browser for the tutorial page served by banter-server --public (tests/node/public.test.mjs)
  chromium chromium-driver
  # self-signed certificates for the https tests (client/tests/tls.rs, cli/tests/tls.rs)
  openssl
  # packaging test (scripts/package-test.sh): reading the .rpm, checking the desktop entry and
  # the banter:// handler, the dictionary the .deb recommends
  rpm desktop-file-utils xdg-utils hunspell-en-us
  # systemd-analyze verify of docs/deploy/banter-server@.service (the packaging test)
  systemd
  # scale-out tests (issue 11): throwaway PostgreSQL 15, Redis 7.0 and HAProxy 2.6 started per
  # test run by scripts/services.sh in a temp dir. The system cluster that postgresql's postinst
  # may create (and start, where an init system lets it) is never used: ours listen only on
  # Unix sockets in that dir. redis-tools (redis-cli) comes with redis-server.
  postgresql redis-server haproxy
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: cargo is missing: install Rust (https://rustup.rs) first" >&2; exit 1; }
command -v node >/dev/null || { echo "setup: node is missing: install Node.js 20+ first" >&2; exit 1; }

# npm packages (test peers, UI toolchain): only when the lock changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.banter-lock; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.banter-lock
fi

# tauri-driver drives the app window through WebKitWebDriver in end-to-end tests.
if ! command -v tauri-driver >/dev/null; then
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi
echo "setup: ok"
