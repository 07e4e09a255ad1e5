#!/usr/bin/env bash
# Escalation fan-out benchmark: 1,000 operator sockets on Baton's /ws, escalating WhatsApp
# webhooks, and a local Web Push receiver. Reports the time from the webhook to the
# conversation_updated event at every socket and to the Web Push request, Baton's memory with the
# sockets open, and the shared ceiling's bare broadcast to as many sockets in the same run.
#   scripts/bench_fanout.sh [CLIENTS] [ESCALATIONS]   (default 1000 and 50; SQLite)
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
BENCH="$ROOT/target/release/baton-bench"

say "ceiling: broadcast to $CLIENTS sockets"
DATABASE_URL="sqlite://$WORK/ceiling.db?mode=rwc" PORT=8095 "$ROOT/target/ceiling/release/server" 2>/dev/null & cpid=$!
wait_up http://127.0.0.1:8095/conversations
ceiling=$("$ROOT/target/ceiling/release/fanout" "$CLIENTS" "$ESCALATIONS" 8095 2>&1 | tail -3)
kill $cpid; wait $cpid 2>/dev/null || true

say "Baton: $CLIENTS sockets, $ESCALATIONS escalations"
"$BENCH" sink 8099 & wait_up http://127.0.0.1:8099/
DATABASE_URL="sqlite://$WORK/baton.db" LEPTOS_SITE_ADDR=127.0.0.1:8096 RUST_LOG=warn BATON_DEMO=0 \
  BATON_ADMIN_EMAIL=bench@baton.local BATON_ADMIN_PASSWORD=bench-password-1 \
  BATON_WHATSAPP_VERIFY_TOKEN=v BATON_WHATSAPP_APP_SECRET=$SECRET BATON_WHATSAPP_ACCESS_TOKEN=t \
  BATON_WHATSAPP_API_BASE=http://127.0.0.1:8099 "$ROOT/target/release/baton" & bpid=$!
wait_up http://127.0.0.1:8096/readyz
cookie=$(curl -s -o /dev/null -D - -H 'origin: http://127.0.0.1:8096' \
  --data-urlencode email=bench@baton.local --data-urlencode password=bench-password-1 \
  http://127.0.0.1:8096/api/sign_in | sed -n 's/^[Ss]et-[Cc]ookie: \(baton_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || die "could not sign in to Baton"
idle_kb=$(awk '/VmRSS/ {print $2}' /proc/$bpid/status)
"$BENCH" fanout http://127.0.0.1:8096 "$cookie" "$SECRET" "$CLIENTS" "$ESCALATIONS" 8097 > "$WORK/fanout.json" 2> "$WORK/fanout.log" & fpid=$!
for _ in $(seq 1 600); do grep -q "sockets connected" "$WORK/fanout.log" 2>/dev/null && break; sleep 0.1; done
sleep 1
open_kb=$(awk '/VmRSS/ {print $2}' /proc/$bpid/status)
wait $fpid || die "fan-out run failed: $(cat "$WORK/fanout.log")"
peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$bpid/status)
kill $bpid; wait $bpid 2>/dev/null || true

echo "ceiling (bare broadcast, $CLIENTS sockets):"
echo "$ceiling" | sed 's/^/  /'
echo "Baton: $(cat "$WORK/fanout.json")"
echo "Baton memory: idle ${idle_kb} kB, with $CLIENTS sockets ${open_kb} kB, peak ${peak_kb} kB"
