#!/usr/bin/env bash
# Builds Banter's installable desktop packages: a .deb (Debian/Ubuntu) and an .rpm
# (Fedora/openSUSE), each with banter-server shipped next to the app in /usr/bin, so "host
# rooms on this computer" works out of the box. Tauri's bundler writes both itself (the .rpm
# through the `rpm` crate: no rpmbuild needed). AppImage is not built: its tooling downloads
# helpers at build time.
#
# Usage: scripts/package.sh [--debug]
#   (default) release profile: what users install.
#   --debug   debug profile (tauri build --debug): the same packages from the debug build,
#             output under $CARGO_TARGET_DIR/debug/bundle/. Quicker on a machine without a
#             warm release build; not for distribution.
# Output, the last two lines:
#   deb: $CARGO_TARGET_DIR/<profile>/bundle/deb/Banter_<version>_<arch>.deb
#   rpm: $CARGO_TARGET_DIR/<profile>/bundle/rpm/Banter-<version>-1.<arch>.rpm
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

profile=release
tauri_flags=()
case "${1:-}" in
  "") ;;
  --debug) profile=debug; tauri_flags=(--debug) ;;
  *) echo "usage: scripts/package.sh [--debug]" >&2; exit 2 ;;
esac
out="$CARGO_TARGET_DIR/$profile"

if [ "$profile" = release ]; then
  cargo build --release -p banter-server
else
  cargo build -p banter-server
fi

# tauri build runs `npm run build:ui` (beforeBuildCommand), builds the app and bundles it.
# The server goes in as an extra file next to the app binary (/usr/bin) in both packages;
# the rest of the bundle settings (desktop entry, recommended dictionary) are in
# tauri.conf.json's "bundle" section.
cfg="$(mktemp /tmp/banter-bundle.XXXXXX.json)"
trap 'rm -f "$cfg"' EXIT
cat >"$cfg" <<JSON
{ "bundle": { "linux": {
  "deb": { "files": { "/usr/bin/banter-server": "$out/banter-server" } },
  "rpm": { "files": { "/usr/bin/banter-server": "$out/banter-server" } }
} } }
JSON
# Older packages of this version would be picked up below: the bundler overwrites only its own.
rm -f "$out"/bundle/deb/*.deb "$out"/bundle/rpm/*.rpm
npm run --silent tauri -- build "${tauri_flags[@]}" --bundles deb,rpm --config "$cfg"

deb="$(ls -t "$out"/bundle/deb/*.deb | head -1)"
rpm="$(ls -t "$out"/bundle/rpm/*.rpm | head -1)"
# Tauri's bundler writes data.tar.gz (gzip, not configurable in Tauri 2); Debian's own
# packages use xz. Rebuilt with dpkg-deb from the same tree, the package holds the same
# files, owners and modes and is ~30% smaller to download (two ~20 MB binaries).
repack="$(mktemp -d /tmp/banter-deb.XXXXXX)"
dpkg-deb --raw-extract "$deb" "$repack/root"
dpkg-deb --root-owner-group -Zxz --build "$repack/root" "$repack/out.deb" >/dev/null
mv "$repack/out.deb" "$deb"
rm -rf "$repack"
dpkg-deb --info "$deb"
dpkg-deb --contents "$deb"
if command -v rpm >/dev/null; then
  rpm -qip "$rpm" 2>/dev/null
  rpm -qlp "$rpm" 2>/dev/null
fi
echo "install (Debian, Ubuntu): sudo apt install $deb"
echo "install (Fedora, openSUSE): sudo dnf install $rpm"
echo "deb: $deb"
echo "rpm: $rpm"
