#!/usr/bin/env bash
# Measures the real app (release build) the way issue 5 states its targets:
# start → Connected against a local simulated PBX, DialBegin → popup UI
# event latency with the busy-hour capture streamed at 5,000 events/s, the
# RSS of the app and of its whole process tree (WebKit included) after it,
# and (issue 16) the Queues panel with 200 callers waiting and 50 agents in
# that stream: each snapshot's arrival in the page → the frame showing it
# painted. Same session set-up as the end-to-end test (Xvfb, private session
# bus, keyring, dunst). Prints a JSON summary, also kept in
# artifacts/measure/summary.json. RINGSIDE_MEASURE_RATE changes the rate,
# RINGSIDE_MEASURE_PARTS picks parts (start,background,stress,queues,deaddir: the
# stress run with a company directory that never answers) and
# RINGSIDE_MEASURE_SECONDS sets how long the background and queues runs last.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if [ -z "${RINGSIDE_APP_BIN:-}" ]; then
  npm --prefix ui run build
  cargo build --release -p ringside --features custom-protocol --bin ringside-app
  export RINGSIDE_APP_BIN=$TARGET_DIR/release/ringside-app
fi
if [ -z "${RINGSIDE_PBXSIM_BIN:-}" ]; then
  cargo build --release -p ringside-pbxsim --bin ringside-pbxsim
  export RINGSIDE_PBXSIM_BIN=$TARGET_DIR/release/ringside-pbxsim
fi
export RINGSIDE_E2E_NODE_SCRIPT=tests/e2e/measure.mjs
exec bash scripts/test-e2e.sh
