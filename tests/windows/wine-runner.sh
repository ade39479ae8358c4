#!/usr/bin/env bash
# Runs one Windows exe under Debian's Wine for cargo:
#   CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=tests/windows/wine-runner.sh
# and passes its exit status through, so a failing test fails the run.
#
# - The Wine prefix is $WINEPREFIX when the caller made one (scripts/test-windows.sh
#   makes one per run and shares it between the test binaries: a prefix's first
#   start takes about 5 s); otherwise a temporary one, removed afterwards.
# - Wine 8.0 lacks bcryptprimitives.dll, which every Rust exe imports, so the
#   test-only stand-in (tests/windows/bcryptprimitives.c) is put beside the exe,
#   and beside the exes next to it in debug/ when the exe is a test in deps/
#   (the CLI's tests start debug/ringside.exe). Built here if the caller did not
#   (RINGSIDE_WINE_SHIM names a built one). Never shipped: Windows has the real DLL.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

if [ "$#" -lt 1 ]; then
  echo "usage: $0 program.exe [arguments...]" >&2
  exit 2
fi
exe=$1
shift
if ! command -v wine >/dev/null 2>&1; then
  echo "Wine is not installed: run scripts/setup-debian.sh (it installs wine and wine64)" >&2
  exit 2
fi

export WINEDEBUG=-all
if [ -z "${WINEPREFIX:-}" ]; then
  WINEPREFIX=$(mktemp -d)
  export WINEPREFIX
  trap 'wineserver -k >/dev/null 2>&1 || true; rm -rf "$WINEPREFIX"' EXIT
fi
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  wineboot -i >/dev/null 2>&1 || {
    echo "Wine could not create its prefix in $WINEPREFIX (wineboot -i failed)" >&2
    exit 2
  }
fi

shim=${RINGSIDE_WINE_SHIM:-}
if [ -z "$shim" ]; then
  shim=$(dirname "$exe")/bcryptprimitives.dll
  if [ ! -f "$shim" ]; then
    x86_64-w64-mingw32-gcc -shared -O2 -o "$shim" \
      "$HERE/bcryptprimitives.c" "$HERE/bcryptprimitives.def" -ladvapi32
  fi
fi
place_shim() {
  [ -f "$1/bcryptprimitives.dll" ] && cmp -s "$shim" "$1/bcryptprimitives.dll" && return
  cp "$shim" "$1/bcryptprimitives.dll"
}
dir=$(dirname "$exe")
place_shim "$dir"
if [ "$(basename "$dir")" = deps ]; then place_shim "$(dirname "$dir")"; fi

# Once in a fresh-clone CI run a test exe exited 1 under Wine without
# printing a byte (libtest always prints "running N tests" first, so its
# harness never started, and Wine said nothing either; the same exe passed
# on every rerun). Such a run, and only such a run, is started again once,
# saying so; a test that fails prints its failure and is never repeated.
out=$(mktemp)
err=$(mktemp)
run() {
  status=0
  wine "$exe" "$@" >"$out" 2>"$err" || status=$?
  cat "$out"
  cat "$err" >&2
}
run "$@"
if [ "$status" -ne 0 ] && [ ! -s "$out" ] && [ ! -s "$err" ]; then
  echo "wine-runner: $(basename "$exe") exited $status under Wine before printing anything; starting it again once" >&2
  run "$@"
fi
rm -f "$out" "$err"
exit "$status"
