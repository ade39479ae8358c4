#!/usr/bin/env bash
# The headless crates on Windows, tested here under Debian's Wine (issue 18):
#   1. `cargo test --target x86_64-pc-windows-gnu` for the headless crates, each test
#      exe run under Wine by tests/windows/wine-runner.sh (one Wine prefix for the run);
#   2. `ringside.exe watch --replay FILE --json` under Wine for every capture in
#      tests/fixtures/ami*/, compared byte for byte (after CRLF -> LF) with what the
#      Linux `ringside` prints, exit status included.
# A test that cannot run under Wine is skipped by name in the test itself
# (`#[cfg_attr(windows, ignore = "why")]`), never here.
#
# Standalone: `bash scripts/test-windows.sh` (runs setup-debian.sh's Windows part
# only if something is missing). From scripts/test.sh, RINGSIDE_LINUX_CLI names the
# Linux `ringside` that run already built, so nothing is built twice.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TRIPLE=x86_64-pc-windows-gnu
WIN_DIR=$TARGET_DIR/$TRIPLE/debug
CRATES=(ringside-ami ringside-calls ringside-config ringside-store ringside-elastix
        ringside-pbxsim ringside-cli ringside-gateway)

for tool in wine wineboot wineserver x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "$tool is missing: run scripts/setup-debian.sh (it installs Wine and mingw-w64)" >&2
    exit 1
  }
done
rustup target list --installed 2>/dev/null | grep -qx "$TRIPLE" || {
  echo "Rust's standard library for $TRIPLE is missing: run scripts/setup-debian.sh" >&2
  exit 1
}

# The test-only bcryptprimitives.dll (see tests/windows/bcryptprimitives.c): built once
# into the target dir, never beside anything shipped.
SHIM_DIR=$TARGET_DIR/$TRIPLE/wine-shim
mkdir -p "$SHIM_DIR"
export RINGSIDE_WINE_SHIM=$SHIM_DIR/bcryptprimitives.dll
if [ ! -f "$RINGSIDE_WINE_SHIM" ] || [ tests/windows/bcryptprimitives.c -nt "$RINGSIDE_WINE_SHIM" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$RINGSIDE_WINE_SHIM" \
    tests/windows/bcryptprimitives.c tests/windows/bcryptprimitives.def -ladvapi32
fi

# One Wine prefix for the whole run, its server kept up between the test exes.
WINEPREFIX=$(mktemp -d)
export WINEPREFIX WINEDEBUG=-all
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$WINEPREFIX"' EXIT
started=$SECONDS
# The server first, told to stay up between the test exes (it would otherwise
# stop 3 s after each one and start again with the next). Its stderr is dropped: when
# killed at the end it lists the objects still open, which is noise here.
wineserver -p 2>/dev/null || {
  echo "Wine's server could not start for the prefix in $WINEPREFIX" >&2
  exit 1
}
wineboot -i >/dev/null 2>&1 || {
  echo "Wine could not create its prefix (wineboot -i failed in $WINEPREFIX)" >&2
  exit 1
}
echo "windows: Wine prefix ready in $((SECONDS - started)) s"

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$ROOT/tests/windows/wine-runner.sh
PKG_ARGS=()
for c in "${CRATES[@]}"; do PKG_ARGS+=(-p "$c"); done
started=$SECONDS
cargo test --target "$TRIPLE" --locked "${PKG_ARGS[@]}" --no-fail-fast
echo "windows: the headless crates' tests under Wine took $((SECONDS - started)) s"

# The replays: the Windows exe must print what the Linux one prints.
LINUX_CLI=${RINGSIDE_LINUX_CLI:-}
if [ -z "$LINUX_CLI" ]; then
  cargo build --locked -p ringside-cli --bin ringside
  LINUX_CLI=$TARGET_DIR/debug/ringside
fi
WIN_CLI=$WIN_DIR/ringside.exe
cp "$RINGSIDE_WINE_SHIM" "$WIN_DIR/bcryptprimitives.dll"
OUT=$(mktemp -d)
trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$WINEPREFIX" "$OUT"' EXIT
started=$SECONDS
checked=0
failed=0
for f in tests/fixtures/ami/*.ami tests/fixtures/ami/*.ami.gz \
         tests/fixtures/ami-1.3/*.ami tests/fixtures/ami-1.3/*.ami.gz; do
  [ -e "$f" ] || continue
  linux_rc=0
  "$LINUX_CLI" watch --replay "$f" --json >"$OUT/linux" 2>/dev/null || linux_rc=$?
  win_rc=0
  wine "$WIN_CLI" watch --replay "$f" --json >"$OUT/windows.crlf" 2>/dev/null || win_rc=$?
  tr -d '\r' <"$OUT/windows.crlf" >"$OUT/windows"
  checked=$((checked + 1))
  if [ "$linux_rc" != "$win_rc" ] || ! cmp -s "$OUT/linux" "$OUT/windows"; then
    failed=$((failed + 1))
    echo "windows: replay of $f differs (exit status Linux $linux_rc, Windows $win_rc):" >&2
    diff "$OUT/linux" "$OUT/windows" | head -20 >&2 || true
  fi
done
echo "windows: $checked replays compared in $((SECONDS - started)) s, $failed differ"
if [ "$checked" -eq 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
