#!/usr/bin/env bash
# The real app end to end: the built `ringside-app` (UI embedded) under Xvfb,
# driven by tauri-driver + WebKitWebDriver, against the simulated PBX
# replaying tests/fixtures/ami/incoming-answered.ami, inside a private
# session D-Bus with an unlocked gnome-keyring and a notification daemon.
# Checks: popup with the caller, transfer reaches the PBX, history, desktop
# notification, keyring round trip, no secret in files (SQLite and WAL
# included, while running and after) or logs, an SMS through a simulated
# OpenVox gateway, the attendant console (park from the popup, retrieve from
# the Parked calls panel, a blind transfer nobody answers coming back after
# the recall time saved in Settings), and kill -9 during a burst of calls
# (the busy-hour capture) losing no call the app had logged as saved.
# Screenshots and logs land in artifacts/e2e/. Exits non-zero on any failure.
#
# Standalone: `bash scripts/test-e2e.sh` (builds what is missing).
# From scripts/test.sh it runs inside the session test.sh already set up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
# The app's UI speaks the OS locale's language (ui/src/i18n.ts) and this test
# reads English words: the locale is pinned, whatever the machine's LANG is.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset LANGUAGE

if [ -z "${RINGSIDE_E2E_INNER:-}" ]; then
  # Build first (outside the display session): the UI, then the app with it embedded.
  # RINGSIDE_APP_BIN / RINGSIDE_PBXSIM_BIN may point at binaries built elsewhere.
  if [ -z "${RINGSIDE_APP_BIN:-}" ]; then
    npm --prefix ui run build
    cargo build -p ringside --features custom-protocol --bin ringside-app
    export RINGSIDE_APP_BIN=$TARGET_DIR/debug/ringside-app
  fi
  if [ -z "${RINGSIDE_PBXSIM_BIN:-}" ]; then
    cargo build -p ringside-pbxsim --bin ringside-pbxsim
    export RINGSIDE_PBXSIM_BIN=$TARGET_DIR/debug/ringside-pbxsim
  fi
  if [ -z "${RINGSIDE_GATEWAY_BIN:-}" ]; then
    cargo build -p ringside-gateway --bin ringside-gateway
    export RINGSIDE_GATEWAY_BIN=$TARGET_DIR/debug/ringside-gateway
  fi
  # tauri-driver 2.x into a project-local root (crates.io also has 3.0 alphas).
  TOOLS=$ROOT/target/tools
  if [ ! -x "$TOOLS/bin/tauri-driver" ]; then
    cargo install tauri-driver --version "^2" --locked --root "$TOOLS"
  fi
  export RINGSIDE_E2E_INNER=1
  export TAURI_DRIVER_BIN=$TOOLS/bin/tauri-driver
  if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && [ -n "${DISPLAY:-}" ] && [ "${RINGSIDE_TEST_INNER:-}" = 1 ]; then
    # Already inside scripts/test.sh's Xvfb + session bus + keyring + dunst.
    exec bash "$0" "$@"
  fi
  TMP_SESSION=$(mktemp -d)
  trap 'rm -rf "$TMP_SESSION"' EXIT
  export XDG_RUNTIME_DIR="$TMP_SESSION/run" XDG_DATA_HOME="$TMP_SESSION/data" \
         XDG_CONFIG_HOME="$TMP_SESSION/config" XDG_CACHE_HOME="$TMP_SESSION/cache"
  mkdir -p "$XDG_RUNTIME_DIR" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  chmod 700 "$XDG_RUNTIME_DIR"
  export RINGSIDE_E2E_OWN_SESSION=1
  exec xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash "$0" "$@"
fi

# --- inside Xvfb and a session bus ---
if [ -n "${RINGSIDE_E2E_OWN_SESSION:-}" ]; then
  eval "$(printf 'ringside-e2e-keyring\n' | gnome-keyring-daemon --unlock --components=secrets)"
  (dunst >/dev/null 2>&1 &)
fi
SCRIPT=${RINGSIDE_E2E_NODE_SCRIPT:-tests/e2e/run.mjs}
if [ "$SCRIPT" = tests/e2e/run.mjs ]; then
  rm -rf "$ROOT/artifacts/e2e"
  mkdir -p "$ROOT/artifacts/e2e"
fi
exec node "$SCRIPT"
