#!/usr/bin/env bash
# Packaging test, as a user meets the packages: builds the .deb and the .rpm
# (scripts/package.sh), reads the .rpm (tests/package/rpm.test.mjs: Debian cannot install
# it), installs the .deb into THIS machine with apt, checks what it installed and launches
# the installed /usr/bin/banter in a real window under Xvfb, on a private D-Bus session,
# with fresh config and data dirs (tests/package/installed.test.mjs: connect screen, the
# lobby hosted through the packaged banter-server, a banter:// link through xdg-open), then
# removes the package with apt and checks that nothing of it is left
# (tests/package/removed.test.mjs).
#
# Needs root (apt; CI runs as root) and replaces any installed `banter` package: meant for CI
# and throwaway machines. Idempotent: a package left by an interrupted run is removed first,
# and the package is removed again on any failure.
#
# Usage: scripts/package-test.sh [--debug]   (--debug: packages from the debug profile, see
# scripts/package.sh; default: release, what users get)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null   # apt packages (rpm, xdg-utils, desktop-file-utils...), npm, tauri-driver
source scripts/env.sh

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
apt_get() { DEBIAN_FRONTEND=noninteractive $SUDO apt-get "$@"; }
installed() { dpkg-query -W -f='${Status}' banter 2>/dev/null | grep -q "install ok installed"; }
remove() { if installed; then apt_get remove -y -qq banter >/dev/null; fi; }

t=$SECONDS
lap() { printf -v "$1" %d $((SECONDS - t)); t=$SECONDS; }   # lap VAR: seconds since the last lap
log="$(mktemp /tmp/banter-package.XXXXXX.log)"
trap 'remove; rm -f "$log"' EXIT

echo "=== package-test: build (scripts/package.sh $*)"
scripts/package.sh "$@" 2>&1 | tee "$log"
deb="$(sed -n 's/^deb: //p' "$log" | tail -1)"
rpm="$(sed -n 's/^rpm: //p' "$log" | tail -1)"
[ -f "$deb" ] && [ -f "$rpm" ] || { echo "package-test: package.sh did not say where the packages are" >&2; exit 1; }
lap build_s

status=0
echo "=== package-test: the .rpm ($rpm)"
BANTER_RPM="$rpm" node --test tests/package/rpm.test.mjs || status=1

echo "=== package-test: install the .deb ($deb)"
remove   # left over from an interrupted run
lap skip_s
# Recommends installed too (a hunspell dictionary), as apt does for a user.
apt_get install -y -qq "$deb" >/dev/null
lap install_s

echo "=== package-test: the installed app"
BANTER_APP_BIN=/usr/bin/banter scripts/with-session.sh scripts/e2e.sh tests/package/installed.test.mjs || status=1
lap launch_s

echo "=== package-test: remove"
apt_get remove -y -qq banter >/dev/null
lap remove_s
node --test tests/package/removed.test.mjs || status=1

echo "package-test: build ${build_s}s, install ${install_s}s, installed-app tests ${launch_s}s, remove ${remove_s}s"
exit $status
