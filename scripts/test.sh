#!/usr/bin/env bash
# The one command that sets up a fresh Debian 12 machine and runs every test:
#   1. system packages and npm packages (scripts/setup-debian.sh)
#   2. the web UI build (embedded into the app binary)
#   3. the Rust formatting check, then one cargo build of the whole workspace, app included,
#      clippy over it with warnings as errors, and its tests (headless crates, simulated PBX,
#      CLI replays, fault matrix, the app's own tests); bindings the tests rewrote fail the run
#   4. the headless crates cross-built for Windows, their tests and every capture's
#      replay run under Wine (scripts/test-windows.sh); then the app cross-built and
#      its installer made and checked, installed and uninstalled under Wine
#      (scripts/build-windows.sh)
#   5. the UI in real Chromium with mocked IPC (screenshots in artifacts/screenshots/)
#   6. the real app end to end under Xvfb + tauri-driver (artifacts/e2e/)
# Everything runs inside a private session D-Bus with an unlocked gnome-keyring and a
# notification daemon, and with XDG dirs pointed at a temp dir, so nothing touches $HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

if [ "${RINGSIDE_TEST_INNER:-}" != 1 ]; then
  bash scripts/setup-debian.sh
  # The CardDAV tests' Radicale, where setup put it (XDG_CACHE_HOME changes below).
  export RINGSIDE_RADICALE="${RINGSIDE_RADICALE:-${XDG_CACHE_HOME:-$HOME/.cache}/ringside/radicale-3.9.0/bin/radicale}"
  echo "==> building the web UI"
  npm --prefix ui run build
  export RINGSIDE_TEST_INNER=1
  TMP_SESSION=$(mktemp -d)
  trap 'rm -rf "$TMP_SESSION"' EXIT
  export XDG_RUNTIME_DIR="$TMP_SESSION/run" XDG_DATA_HOME="$TMP_SESSION/data" \
         XDG_CONFIG_HOME="$TMP_SESSION/config" XDG_CACHE_HOME="$TMP_SESSION/cache"
  mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  chmod 700 "$XDG_RUNTIME_DIR"
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash "$0" "$@"
fi

# --- inside Xvfb and a private session bus ---
# Secret Service: gnome-keyring needs a non-empty password to create the login collection.
eval "$(printf 'ringside-test-keyring\n' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL SSH_AUTH_SOCK 2>/dev/null || true
# A notification daemon answers org.freedesktop.Notifications (tests observe the bus).
(dunst >/dev/null 2>&1 &)

# One feature set for every cargo step, so the app and simulator binaries built here
# are the very ones the end-to-end test drives, and nothing is compiled twice.
CARGO_FLAGS=(--workspace --features ringside/custom-protocol --locked)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
# Formatting is checked first: it takes a second and fails before any build.
echo "==> cargo fmt --check"
for tool in rustfmt clippy; do
  if ! cargo "${tool/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$tool" || {
      echo "cargo $tool is missing and rustup could not add it: install the $tool component of the toolchain" >&2
      exit 1
    }
  fi
done
cargo fmt --all --check
echo "==> cargo build (workspace, app included)"
cargo build "${CARGO_FLAGS[@]}" --bins --tests
# Clippy with the same features, every target, warnings as errors. It checks
# rather than builds, so it shares the dependency metadata, not the binaries;
# about a minute on a warm target dir.
echo "==> cargo clippy (warnings are errors)"
cargo clippy "${CARGO_FLAGS[@]}" --all-targets -- -D warnings
echo "==> cargo test"
BINDINGS_BEFORE=$(git status --porcelain -- ui/src/bindings 2>/dev/null || echo "not a git checkout")
cargo test "${CARGO_FLAGS[@]}" --no-fail-fast
# The UI's TypeScript types are written by a test from the Rust types and the
# IPC table: bindings that were clean before the tests and changed by them were
# out of date in the commit (a fresh clone is always clean).
if [ -z "$BINDINGS_BEFORE" ] && [ -n "$(git status --porcelain -- ui/src/bindings 2>/dev/null)" ]; then
  git status --short -- ui/src/bindings
  echo "ui/src/bindings was out of date: the tests rewrote it; commit the new files" >&2
  exit 1
fi
echo "==> the office gateway's .deb (built from the debug binary, checked)"
bash scripts/gateway-deb.sh --check "$TARGET_DIR/debug/ringside-gateway" >/dev/null
export RINGSIDE_APP_BIN=$TARGET_DIR/debug/ringside-app
export RINGSIDE_PBXSIM_BIN=$TARGET_DIR/debug/ringside-pbxsim
export RINGSIDE_GATEWAY_BIN=$TARGET_DIR/debug/ringside-gateway

echo "==> Windows: the headless crates' tests and the replays under Wine"
# Same target dir, other triple; the replays compare with the Linux CLI built above.
RINGSIDE_LINUX_CLI=$TARGET_DIR/debug/ringside bash scripts/test-windows.sh
echo "==> Windows: the app cross-built, its installer made and checked under Wine"
# The UI was built above; the release build for Windows is the one new
# compile here (about 9 min cold on 2 cores, seconds when cached).
RINGSIDE_UI_BUILT=1 bash scripts/build-windows.sh

echo "==> UI tests in Chromium"
npm --prefix ui test

echo "==> app end to end (tauri-driver + WebKitWebDriver)"
bash scripts/test-e2e.sh

echo "==> all tests passed"
