#!/usr/bin/env bash
# Runs each fuzz target for a fixed time, one at a time, and prints what it
# reached (executions, coverage edges "cov", features "ft", corpus size).
#
#   fuzz/run.sh [SECONDS_PER_TARGET=600] [TARGET...]
#
# Needs cargo-fuzz; installs it into fuzz/.tools if missing (from crates.io).
# Uses the machine's nightly toolchain if there is one, otherwise stable with
# RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags). Sanitizer: none (the
# product crates forbid unsafe code; throughput buys more coverage); debug
# assertions and overflow checks stay on. Seeds come from the AMI captures
# in tests/fixtures and a few examples below; corpora and crash artifacts
# stay in fuzz/corpus and fuzz/artifacts (gitignored). A summary line per
# target goes to fuzz/artifacts/summary.txt. In the status line, #N is the
# number of executions, cov the coverage edges, ft the features.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$PWD
ROOT=$(cd .. && pwd)
SECS=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(ami_decoder channel_name tracker_events import_csv import_vcard)

export PATH="$FUZZ/.tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked --root "$FUZZ/.tools"
fi
if rustup run nightly rustc --version >/dev/null 2>&1; then
  CARGO=(cargo +nightly)
else
  export RUSTC_BOOTSTRAP=1
  CARGO=(cargo)
fi

seed() {
  local t=$1 dir="$FUZZ/corpus/$1"
  mkdir -p "$dir"
  case $t in
    ami_decoder)
      for f in "$ROOT"/tests/fixtures/ami/*.ami "$ROOT"/tests/fixtures/ami-1.3/*.ami "$ROOT"/tests/fixtures/ami/*.sent; do
        [ -f "$f" ] && head -c 16384 "$f" > "$dir/seed-$(basename "$f")"
      done ;;
    channel_name)
      grep -haE '^(Channel|DestChannel|Destination|Channel1|Channel2|Newname): ' "$ROOT"/tests/fixtures/ami/*.ami "$ROOT"/tests/fixtures/ami-1.3/*.ami 2>/dev/null \
        | cut -d' ' -f2- | tr -d '\r' | sort -u | head -200 | while IFS= read -r c; do
          printf '%s' "$c" > "$dir/seed-$(printf '%s' "$c" | md5sum | cut -c1-12)"
        done ;;
    tracker_events)
      head -c 4096 /dev/urandom > "$dir/seed-random" ;;
    import_csv)
      printf 'Name,Organization Name,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value\nAlice Front Desk,Acme,a@example.com,Mobile,+44 7700 900123,Work,020 7946 0000\n"Bob, Sales",,,Work,01632 960001,,\n' > "$dir/seed-google.csv"
      printf 'First Name;Last Name;Company;Business Phone;Mobile Phone\nCarol;Support;Acme;+44 20 7946 0001;07700 900456\n' > "$dir/seed-outlook.csv"
      printf 'name,phone\nDave,1004\n' > "$dir/seed-min.csv" ;;
    import_vcard)
      printf 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Erin Manager\r\nN:Manager;Erin;;;\r\nORG:Acme\r\nTEL;TYPE=WORK,VOICE:+44 20 7946 0005\r\nTEL;TYPE=CELL:07700 900789\r\nEMAIL:erin@example.com\r\nEND:VCARD\r\n' > "$dir/seed-v3.vcf"
      printf 'BEGIN:VCARD\nVERSION:4.0\nFN;CHARSET=UTF-8:J\\u00f6rg\nTEL;VALUE=uri;TYPE="voice,home":tel:+44-20-7946-0006\nNOTE:line one\\nline two\n  folded\nEND:VCARD\n' > "$dir/seed-v4.vcf" ;;
  esac
}

mkdir -p "$FUZZ/artifacts"
# Build once, then run the binaries: other people's commits landing
# mid-sequence must not trigger rebuilds that eat into a target's time.
for t in "${TARGETS[@]}"; do "${CARGO[@]}" fuzz build -s none -O "$t"; done
BIN="$FUZZ/target/x86_64-unknown-linux-gnu/release"
for t in "${TARGETS[@]}"; do
  seed "$t"
  mkdir -p "$FUZZ/artifacts/$t"
  log="$FUZZ/artifacts/$t.log"
  echo "==> $t for ${SECS}s (log: fuzz/artifacts/$t.log)"
  # One worker process (-fork=1), which goes on after a crash
  # (-ignore_crashes=1) so a known bug does not end the run; every crash
  # input is kept in fuzz/artifacts/$t/.
  set +e
  "$BIN/$t" "$FUZZ/corpus/$t" -fork=1 -ignore_crashes=1 -max_total_time="$SECS" -timeout=10 \
    -rss_limit_mb=2048 -max_len=65536 -artifact_prefix="$FUZZ/artifacts/$t/" >"$log" 2>&1
  rc=$?
  set -e
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  crashes=$(find "$FUZZ/artifacts/$t" -name 'crash-*' | wc -l)
  line="$t: ${SECS}s, exit $rc; last status: ${last:-none}; crash inputs kept: $crashes"
  echo "$line" | tee -a "$FUZZ/artifacts/summary.txt"
done
