#!/usr/bin/env bash
# Crash test: 1,000 signed WhatsApp messages from as many phones over 16 connections, `kill -9`
# of Baton at a random moment (mid-ingest or mid-reply), a restart on the same database and the
# platform's redelivery of what did not get a 200. Checks that every message is stored exactly
# once, every phone is answered within 20 s of the restart, and at most 1% are answered twice.
#   scripts/crash_test.sh [PHONES] [RUNS]   (defaults 1000 phones, 2 runs per database)
# Runs on SQLite and PostgreSQL (127.0.0.1, BATON_TEST_POSTGRES_URL); exits non-zero on failure.
# Uses the release build of Baton when present (or BATON_BIN), else builds the debug binary.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
PHONES="${1:-1000}"
RUNS="${2:-2}"
PG="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if [ -z "${BATON_BIN:-}" ] && [ -x "$BUILD/release/baton" ] && [ -x "$BUILD/release/baton-bench" ]; then
  BATON_BIN="$BUILD/release/baton"; BENCH="$BUILD/release/baton-bench"
else
  # scripts/test.sh built them already (BATON_BUILT).
  if [ -z "${BATON_BUILT:-}" ]; then
    say "building the debug binaries (Baton, the crash driver)"
    cargo build -q -p server -p baton-bench
  fi
  BATON_BIN="${BATON_BIN:-$BUILD/debug/baton}"; BENCH="$BUILD/debug/baton-bench"
fi

failed=0
shift_by=0
for backend in sqlite postgres; do
  for run in $(seq 1 "$RUNS"); do
    # Alternate the moment of the kill (one run per database still covers both); the exact
    # point within it is random.
    phase=$([ $(((run + shift_by) % 2)) = 1 ] && echo ingest || echo reply)
    if [ "$backend" = sqlite ]; then db="sqlite://$WORK/crash-$run.db"; else db="$(fresh_pg baton_crash_test)"; fi
    say "$backend run $run: $PHONES phones, kill -9 $phase"
    if ! "$BENCH" crash "$BATON_BIN" "$db" "$PHONES" "$phase"; then failed=1; fi
  done
  shift_by=1
done
[ "$failed" = 0 ] || die "the crash test failed (see the lines above)"
say "crash test passed"
