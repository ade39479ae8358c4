#!/usr/bin/env bash
# Builds Ringside's Linux packages with the Tauri CLI that ships prebuilt in
# npm (@tauri-apps/cli, a devDependency of ui/), so no 20-minute
# `cargo install tauri-cli` is needed:
#   - a .deb (binary, .desktop file with the tel:/sip: handlers, icons);
#   - an .rpm with the same files for Fedora (Tauri's RPM bundler is pure
#     Rust: it needs no rpmbuild and downloads nothing);
#   - the office gateway's own .deb, ringside-gateway (scripts/gateway-deb.sh);
#   - an AppImage only with RINGSIDE_BUNDLE_APPIMAGE=1: Tauri's bundler
#     downloads AppRun, linuxdeploy and its plugins from GitHub at bundle
#     time (checked with tauri-cli 2.12.5: it fails with "failed to lookup
#     address" where github.com is unreachable), so it needs that network
#     access or those tools already in ~/.cache/tauri.
# The .desktop file comes from src-tauri/ringside.desktop: Tauri's default
# one lists the tel:/sip: MimeType but has no %u, so a clicked link would
# start the app without its number.
# Timing on 2 cores: about 7 min for the dist build (its own target/dist), seconds for the packages.
# Not part of scripts/test.sh (CI stays lean); run it to make a release.
#
#   scripts/bundle.sh            release build, .deb and .rpm
#   RINGSIDE_BUNDLE_DEBUG=1 ...  bundle the debug build instead (fast, for checking the package)
#
# Prints where the packages are and what they hold (dpkg-deb -I / -c; for the
# .rpm `rpm -qpi`, `--requires` and `-l` when Debian's `rpm` package is installed).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

if [ ! -x ui/node_modules/.bin/tauri ]; then
  npm --prefix ui ci
fi
echo "==> building the web UI"
npm --prefix ui run build

bundles=deb,rpm
if [ "${RINGSIDE_BUNDLE_APPIMAGE:-}" = 1 ]; then
  bundles=deb,rpm,appimage
fi
flags=(--bundles "$bundles" --ci)
profile=dist
cargo_args=(--profile dist)
if [ "${RINGSIDE_BUNDLE_DEBUG:-}" = 1 ]; then
  flags+=(--debug)
  profile=debug
  cargo_args=()
fi

echo "==> tauri build ${flags[*]} ($(ui/node_modules/.bin/tauri --version))"
started=$(date +%s)
# The CLI builds with the custom-protocol feature (UI embedded) and reads
# src-tauri/tauri.conf.json: icons from icons/, deep-link schemes for MimeType.
# The `dist` profile (Cargo.toml) is release without debug info.
(cd src-tauri && ../ui/node_modules/.bin/tauri build "${flags[@]}" -- "${cargo_args[@]}")
echo "==> bundled in $(( $(date +%s) - started )) s"

out=$TARGET_DIR/$profile/bundle
deb=$(ls -t "$out"/deb/*.deb | grep -v '/ringside-gateway_' | head -n 1)
echo "==> $deb"
dpkg-deb -I "$deb"
dpkg-deb -c "$deb"
desktop=$(mktemp -d)
trap 'rm -rf "$desktop"' EXIT
dpkg-deb -x "$deb" "$desktop"
find "$desktop" -name '*.desktop' -exec sh -c 'echo "==> $1"; cat "$1"' _ {} \;
rpm_file=$(ls -t "$out"/rpm/*.rpm | head -n 1)
echo "==> $rpm_file"
if command -v rpm >/dev/null; then
  rpm -qpi "$rpm_file"
  echo "==> requires"
  rpm -qp --requires "$rpm_file"
  echo "==> files"
  rpm -qpl "$rpm_file"
else
  echo "(install Debian's rpm package to see what the .rpm holds)"
fi
if [ "${RINGSIDE_BUNDLE_APPIMAGE:-}" = 1 ]; then
  ls -l "$out"/appimage/*.AppImage
fi

# The office gateway's own .deb, beside the app's (scripts/gateway-deb.sh):
# its binary from the same profile, checked with dpkg-deb -I / -c.
echo "==> the office gateway's .deb"
cargo build --locked "${cargo_args[@]}" -p ringside-gateway --bin ringside-gateway
gateway_deb=$(bash scripts/gateway-deb.sh "$TARGET_DIR/$profile/ringside-gateway" "$out/deb")
bash scripts/gateway-deb.sh --check "$TARGET_DIR/$profile/ringside-gateway" >/dev/null
echo "==> $gateway_deb"
dpkg-deb -I "$gateway_deb"
dpkg-deb -c "$gateway_deb"
