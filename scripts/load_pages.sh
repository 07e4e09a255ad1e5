#!/usr/bin/env bash
# Page-render load: a release Baton in demo mode, on SQLite and then on a fresh PostgreSQL
# database, signed in as the demo admin, renders every page (conversation list, a chat,
# monitoring, scenarios, operators, settings, account) REQUESTS times in total over CONNECTIONS
# connections. Reports responses per status, p99 and max latency, responses over 5 s and the
# "panicked" lines in Baton's log; exits non-zero on any panic, 5xx, broken response or one over 5 s.
#   scripts/load_pages.sh [REQUESTS] [CONNECTIONS]   (defaults 20000 and 16; 800 16 is a smoke run)
# LOAD_PROFILE=debug uses the debug build (CI's smoke run: BATON_BUILT=1, test.sh built it) instead
# of a release build. LOAD_ABANDON_MS=N hangs up on every request after N ms (most renders are then
# abandoned midway): broken responses are expected and not counted as failures; panics, 5xx and a
# Baton that stops answering still are.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
REQUESTS="${1:-20000}"
CONNECTIONS="${2:-16}"
PORT="${LOAD_PORT:-8097}"
PG="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

PROFILE="${LOAD_PROFILE:-release}"
say "building $PROFILE binaries (Baton and the load generator)"
if [ -n "${BATON_BUILT:-}" ]; then
  say "(built by scripts/test.sh)"
elif [ "$PROFILE" = debug ]; then
  cargo build -p server -p baton-bench
else
  cargo build --release -p server -p baton-bench
fi
BENCH="$BUILD/$PROFILE/baton-bench"
mkdir -p "$WORK/site"   # pages render without the browser bundle

failed=0
summary=()
for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then
    db="sqlite://$WORK/baton.db"
  else
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
      printf '\033[1;33mnotice:\033[0m PostgreSQL is not reachable; its run is SKIPPED.\n'
      [ "${CI:-}" = true ] && failed=1
      continue
    fi
    db="$(fresh_pg baton_load_pages)"
  fi
  log="$WORK/$backend.log"
  DATABASE_URL="$db" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$WORK/site" RUST_LOG=warn BATON_DEMO=1 \
    "$BUILD/$PROFILE/baton" >"$log" 2>&1 &
  pid=$!
  wait_up "$BASE/readyz"
  cookie=$(curl -s -o /dev/null -D - -H "origin: $BASE" \
    --data-urlencode email=admin@baton.demo --data-urlencode password=baton-admin-demo \
    "$BASE/api/sign_in" | sed -n 's/^[Ss]et-[Cc]ookie: \(baton_session=[^;]*\).*/\1/p')
  [ -n "$cookie" ] || die "$backend: could not sign in as the demo admin"
  chat=$(curl -s -H "cookie: $cookie" "$BASE/conversations" | grep -o 'href="/conversations/[0-9]*' | head -n1 | cut -d'"' -f2)
  [ -n "$chat" ] || die "$backend: the conversation list shows no conversation"
  say "$backend: $REQUESTS renders over $CONNECTIONS connections"
  result=$(PAGES_ABANDON_MS="${LOAD_ABANDON_MS:-}" nice -n 10 "$BENCH" pages "$BASE" "$cookie" "$REQUESTS" "$CONNECTIONS" \
    /conversations "$chat" /monitoring /scenarios /operators /settings /account)
  # Still answering after whatever was abandoned.
  alive=$(curl -s -o /dev/null -w '%{http_code}' -H "cookie: $cookie" "$BASE/conversations")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  panics=$(grep -c panicked "$log" || true)
  grep -m3 -A2 panicked "$log" || true
  line=$(python3 - "$backend" "$result" "$panics" "${LOAD_ABANDON_MS:-}" "$alive" <<'PY'
import json, sys
backend, r, panics, abandon, alive = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
bad5 = sum(n for s, n in r["statuses"].items() if s.startswith("5"))
broken_ok = bool(abandon) or r["transport_errors"] == 0
ok = panics == 0 and bad5 == 0 and broken_ok and r["over_5s"] == 0 and alive == "200"
print(f"{backend:9} {r['requests']:>7} in {r['seconds']:6.1f}s  statuses {json.dumps(r['statuses'])}  broken {r['transport_errors']}"
      f"  p99 {r['p99_ms']:.0f} ms  max {r['max_ms']:.0f} ms  over 5 s {r['over_5s']}  panics {panics}  after: {alive}  {'OK' if ok else 'FAIL'}")
PY
)
  summary+=("$line")
  case "$line" in *FAIL) failed=1 ;; esac
done

printf '%s\n' "${summary[@]}"
[ "$failed" = 0 ] || die "page renders panicked, failed or were slow (see above)"
