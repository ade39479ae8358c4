#!/usr/bin/env bash
# Ringside for Windows, built here on Debian (issue 18):
#   1. the web UI, then the app cross-built for x86_64-pc-windows-gnu (release, UI
#      embedded) with Debian's mingw-w64, its debug info stripped;
#   2. WebView2Loader.dll (from the webview2-com-sys crate's build) beside it;
#   3. the installer from packaging/windows/ringside.nsi with Debian's makensis 3.08.
# Then it checks what it built, and fails if:
#   - the exe imports a DLL that is neither a Windows system DLL nor shipped;
#   - the installer's file list (7z l) is not what the .nsi's File lines say;
#   - the installer is 15 MB or more;
#   - under Wine (packaging/windows/check-installer.sh has the details): the silent
#     installs, plain and with /DESKTOP /AUTOSTART, do not put the files, shortcuts,
#     AppUserModelID and HKCU entries in place; the installed app, with no WebView2
#     there, does not stop with status 3 and a plain-words message; or the silent
#     uninstalls, plain and with /REMOVEHISTORY, leave them or mishandle the history.
# Prints the installer's path. RINGSIDE_UI_BUILT=1 skips the UI build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TRIPLE=x86_64-pc-windows-gnu
NSI=packaging/windows/ringside.nsi
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAX_BYTES=$((15 * 1024 * 1024))

for tool in makensis 7z x86_64-w64-mingw32-objdump x86_64-w64-mingw32-strip wine; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing: run scripts/setup-debian.sh (it installs mingw-w64, NSIS, 7-Zip and Wine)" >&2
    exit 1
  }
done

if [ "${RINGSIDE_UI_BUILT:-}" != 1 ]; then
  echo "==> windows: the web UI"
  npm --prefix ui run build
fi
echo "==> windows: cross-building the app"
started=$SECONDS
cargo build --release --locked -p ringside --features custom-protocol --target "$TRIPLE" \
  --bin ringside-app
echo "windows: the app built in $((SECONDS - started)) s"

BUILD=$TARGET_DIR/$TRIPLE/release
STAGE=$TARGET_DIR/$TRIPLE/installer/files
OUT=$TARGET_DIR/$TRIPLE/installer
rm -rf "$STAGE"
mkdir -p "$STAGE"
x86_64-w64-mingw32-strip --strip-all -o "$STAGE/ringside-app.exe" "$BUILD/ringside-app.exe"
# The newest build of webview2-com-sys copies Microsoft's loader into its out dir.
loader=$(ls -t "$BUILD"/build/webview2-com-sys-*/out/x64/WebView2Loader.dll 2>/dev/null | head -1)
if [ -z "$loader" ]; then
  echo "WebView2Loader.dll not found under $BUILD/build/webview2-com-sys-*/out/x64" >&2
  exit 1
fi
cp "$loader" "$STAGE/WebView2Loader.dll"
cp icons/icon.ico "$STAGE/ringside.ico"

INSTALLER=$OUT/Ringside-$VERSION-setup.exe
makensis -V2 -DVERSION="$VERSION" -DSRCDIR="$STAGE" -DOUTFILE="$INSTALLER" "$NSI"

bash "$ROOT/packaging/windows/check-installer.sh" "$NSI" "$STAGE" "$INSTALLER" "$MAX_BYTES"
echo "windows: installer $INSTALLER ($(stat -c %s "$INSTALLER") bytes)"
