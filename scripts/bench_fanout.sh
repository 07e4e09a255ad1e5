#!/usr/bin/env bash
# Escalation fan-out benchmark: 1,000 operator sockets on Baton's /ws, escalating WhatsApp
# webhooks, and a local Web Push receiver. Reports the time from the webhook to the
# conversation_updated event at every socket and to the Web Push request, Baton's memory with the
# sockets open, and the shared ceiling's bare broadcast to as many sockets in the same run.
#   scripts/bench_fanout.sh [CLIENTS] [ESCALATIONS]   (default 1000 and 50; SQLite)
#   BENCH_CLUSTER=1 scripts/bench_fanout.sh ...        also one Baton on PostgreSQL and two Batons
#       on one PostgreSQL database joined through RabbitMQ (sockets split across both, webhooks
#       posted to both), all in the same run beside the ceiling.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
CLIENTS="${1:-1000}"
ESCALATIONS="${2:-50}"
CEILING_SRC="${CEILING_SRC:-$ROOT/../shared/bench/ceiling}"
SECRET=bench-secret
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

say "building release binaries (Baton, load generator, ceiling)"
cargo build --release -p server -p baton-bench
cargo build --release --manifest-path "$CEILING_SRC/Cargo.toml" --target-dir "$ROOT/target/ceiling" --bin server --bin fanout
BENCH="$BUILD/release/baton-bench"

say "ceiling: broadcast to $CLIENTS sockets"
DATABASE_URL="sqlite://$WORK/ceiling.db?mode=rwc" PORT=8095 "$ROOT/target/ceiling/release/server" 2>/dev/null & cpid=$!
wait_up http://127.0.0.1:8095/conversations
ceiling=$("$ROOT/target/ceiling/release/fanout" "$CLIENTS" "$ESCALATIONS" 8095 2>&1 | tail -3)
kill $cpid; wait $cpid 2>/dev/null || true

"$BENCH" sink 8099 & wait_up http://127.0.0.1:8099/
PG="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
BROKER="${BATON_BENCH_BROKER_URL:-amqp://guest:guest@127.0.0.1:5672/%2f}"

# start_baton PORT DATABASE_URL [EXTRA VAR=VALUE...]: a release Baton in the background ($!).
# The Web Push receiver is plain http on loopback (BATON_PUSH_ALLOW_INSECURE, tests only).
start_baton() {
  local port="$1" db="$2"; shift 2
  env DATABASE_URL="$db" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn BATON_DEMO=0 \
    BATON_ADMIN_EMAIL=bench@baton.local BATON_ADMIN_PASSWORD=bench-password-1 \
    BATON_WHATSAPP_VERIFY_TOKEN=v BATON_WHATSAPP_APP_SECRET=$SECRET BATON_WHATSAPP_ACCESS_TOKEN=t \
    BATON_WHATSAPP_API_BASE=http://127.0.0.1:8099 BATON_PUSH_ALLOW_INSECURE=1 "$@" "$BUILD/release/baton" &
}

# run_fanout LABEL BASE[,BASE...] PID...: signs in, runs the fan-out, prints the result line.
run_fanout() {
  local label="$1" bases="$2"; shift 2
  local first="${bases%%,*}" pids="$*"
  for b in ${bases//,/ }; do wait_up "$b/readyz"; done
  local cookie
  cookie=$(curl -s -o /dev/null -D - -H "origin: $first" \
    --data-urlencode email=bench@baton.local --data-urlencode password=bench-password-1 \
    "$first/api/sign_in" | sed -n 's/^[Ss]et-[Cc]ookie: \(baton_session=[^;]*\).*/\1/p')
  [ -n "$cookie" ] || die "could not sign in to Baton ($label)"
  local idle=0 open=0 peak=0 p
  for p in $pids; do idle=$((idle + $(awk '/VmRSS/ {print $2}' /proc/$p/status))); done
  "$BENCH" fanout "$bases" "$cookie" "$SECRET" "$CLIENTS" "$ESCALATIONS" 8097 > "$WORK/fanout.json" 2> "$WORK/fanout.log" & local fpid=$!
  for _ in $(seq 1 600); do grep -q "sockets connected" "$WORK/fanout.log" 2>/dev/null && break; sleep 0.1; done
  sleep 1
  for p in $pids; do open=$((open + $(awk '/VmRSS/ {print $2}' /proc/$p/status))); done
  wait $fpid || die "fan-out run failed ($label): $(cat "$WORK/fanout.log")"
  for p in $pids; do peak=$((peak + $(awk '/VmHWM/ {print $2}' /proc/$p/status))); done
  for p in $pids; do kill $p; wait $p 2>/dev/null || true; done
  RESULTS+=("Baton, $label: $(cat "$WORK/fanout.json")"
            "  memory (all instances): idle ${idle} kB, with $CLIENTS sockets ${open} kB, peak ${peak} kB")
}

RESULTS=()
say "Baton, one instance (SQLite): $CLIENTS sockets, $ESCALATIONS escalations"
start_baton 8096 "sqlite://$WORK/baton.db"; p1=$!
run_fanout "one instance (SQLite)" http://127.0.0.1:8096 $p1

if [ "${BENCH_CLUSTER:-0}" = 1 ]; then
  say "Baton, one instance (PostgreSQL)"
  start_baton 8096 "$(fresh_pg baton_bench_fanout1)"; p1=$!
  run_fanout "one instance (PostgreSQL)" http://127.0.0.1:8096 $p1

  say "Baton, two instances (PostgreSQL + RabbitMQ), sockets split across both"
  db="$(fresh_pg baton_bench_fanout2)"
  start_baton 8096 "$db" BATON_BROKER_URL="$BROKER" BATON_INSTANCE_ID=bench-a; p1=$!
  wait_up http://127.0.0.1:8096/readyz
  start_baton 8098 "$db" BATON_BROKER_URL="$BROKER" BATON_INSTANCE_ID=bench-b; p2=$!
  run_fanout "two instances (PostgreSQL + RabbitMQ)" http://127.0.0.1:8096,http://127.0.0.1:8098 $p1 $p2
fi

echo "ceiling (bare broadcast, $CLIENTS sockets):"
echo "$ceiling" | sed 's/^/  /'
printf '%s\n' "${RESULTS[@]}"
