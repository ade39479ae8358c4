#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine and starts Ringside. With no PBX configured it
# starts the built-in demo PBX, so calls ring in within seconds. Extra arguments go
# to the app, e.g. `scripts/run.sh --pbx pbx.local:5038 --user ringside --extension 1001`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-debian.sh
npm --prefix ui run build
exec cargo run --release -p ringside --features custom-protocol --bin ringside-app -- "$@"
