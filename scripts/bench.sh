#!/usr/bin/env bash
# Ingest benchmark: Baton's signed WhatsApp webhook against the shared ceiling program doing the
# same storage work, side by side in one run, on SQLite and PostgreSQL.
#   scripts/bench.sh [SECONDS]   (default 10 s per measurement, 32 connections)
# BENCH_BACKENDS=postgres (or sqlite) measures one database only.
# Needs ../shared/bench/ceiling (the workspace's shared folder) and a PostgreSQL on 127.0.0.1.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SECS="${1:-10}"
CEILING_SRC="${CEILING_SRC:-$ROOT/../shared/bench/ceiling}"
PG="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECRET=bench-secret
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT

BATON_BIN="${BATON_BIN:-$BUILD/release/baton}"   # another build of Baton, to compare
say "building release binaries (Baton, load generator, ceiling)"
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --release -p server -p baton-bench
cargo build --release --manifest-path "$CEILING_SRC/Cargo.toml" --target-dir "$ROOT/target/ceiling" --bin server
BENCH="$BUILD/release/baton-bench"
CEIL="$ROOT/target/ceiling/release/server"


"$BENCH" sink 8099 & wait_up http://127.0.0.1:8099/

# Customer messages the bot has not decided on yet (the webhook answers before the bot runs).
backlog() {
  if [ "$backend" = sqlite ]; then
    python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM messages WHERE processed = 0').fetchone()[0])" "$WORK/baton.db"
  else
    psql "$baton_db" -Atc "SELECT COUNT(*) FROM messages WHERE processed = FALSE"
  fi
}

results=()
for backend in ${BENCH_BACKENDS:-sqlite postgres}; do
  if [ "$backend" = sqlite ]; then
    ceil_db="sqlite://$WORK/ceiling.db?mode=rwc"; baton_db="sqlite://$WORK/baton.db"
  else
    ceil_db="$(fresh_pg bench_ceiling)"; baton_db="$(fresh_pg bench_baton)"
  fi

  say "$backend: ceiling"
  DATABASE_URL="$ceil_db" PORT=8095 "$CEIL" 2>/dev/null & pid=$!
  wait_up http://127.0.0.1:8095/conversations
  c_ing=$("$BENCH" ingest http://127.0.0.1:8095/webhook $SECRET "$SECS" 32 10)
  c_dup=$("$BENCH" dup http://127.0.0.1:8095/webhook $SECRET "$SECS" 32)
  kill $pid; wait $pid 2>/dev/null || true
  # The ceiling's leftovers (PostgreSQL vacuuming and checkpointing what it wrote) are done now,
  # not during Baton's measurement.
  [ "$backend" = sqlite ] || { psql "$ceil_db" -qc "VACUUM ANALYZE" && psql "$PG" -qc "CHECKPOINT"; }

  say "$backend: Baton"
  DATABASE_URL="$baton_db" LEPTOS_SITE_ADDR=127.0.0.1:8096 RUST_LOG=warn \
    BATON_WHATSAPP_VERIFY_TOKEN=v BATON_WHATSAPP_APP_SECRET=$SECRET BATON_WHATSAPP_ACCESS_TOKEN=t \
    BATON_WHATSAPP_API_BASE=http://127.0.0.1:8099 "$BATON_BIN" & pid=$!
  wait_up http://127.0.0.1:8096/healthz
  b_ing=$("$BENCH" ingest http://127.0.0.1:8096/webhooks/whatsapp $SECRET "$SECS" 32 10)
  left=$(backlog); t0=$(date +%s%N)
  while [ "$(backlog)" != 0 ]; do sleep 0.05; done
  drained=$(( ($(date +%s%N) - t0) / 1000000 ))
  b_dup=$("$BENCH" dup http://127.0.0.1:8096/webhooks/whatsapp $SECRET "$SECS" 32)
  kill $pid; wait $pid 2>/dev/null || true
  results+=("$backend|$c_ing|$b_ing|$c_dup|$b_dup|$left|$drained")
done

python3 - "${results[@]}" <<'PY'
import json, sys
print(f"{'':10} {'ceiling req/s':>14} {'p99':>8} {'Baton req/s':>12} {'ratio':>6} {'Baton p50':>10} {'Baton p99':>10} {'5xx':>4}   storm: ceiling / Baton req/s, Baton rows stored")
for row in sys.argv[1:]:
    b, ci, bi, cd, bd, left, drained = row.split("|")
    ci, bi, cd, bd = map(json.loads, (ci, bi, cd, bd))
    print(f"{b:10} {ci['rps']:>14.0f} {ci['p99_ms']:>6.1f}ms {bi['rps']:>12.0f} {bi['rps']/ci['rps']:>6.2f} {bi['p50_ms']:>8.1f}ms {bi['p99_ms']:>8.1f}ms {bi['server_errors']+bd['server_errors']:>4}   "
          f"{cd['rps']:.0f} / {bd['rps']:.0f} (ratio {bd['rps']/cd['rps']:.2f}), stored {bd['stored']}")
    if left == "0":
        print(f"{'':10} bot: up to date when the load stopped ({bi['stored']} messages)")
    else:
        print(f"{'':10} bot: {left} of {bi['stored']} messages undecided when the load stopped, all decided {drained} ms later")
PY
