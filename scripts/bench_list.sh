#!/usr/bin/env bash
# Conversation-list benchmark: 100,000 conversations and 1,000,000 messages, Baton's server-rendered
# /conversations page against the shared ceiling's bare list query over
# the same volume, side by side in one run, on SQLite and PostgreSQL.
#   scripts/bench_list.sh [SECONDS]   (default 10 s per measurement)
# One connection measures latency (server time plus loopback); eight measure throughput.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
SECS="${1:-10}"
CONVS="${CONVS:-100000}"
MSGS="${MSGS:-1000000}"
CEILING_SRC="${CEILING_SRC:-$ROOT/../shared/bench/ceiling}"
PG="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT

say "building release binaries (Baton, load generator, ceiling) and the site"
cargo build --release -p server -p baton-bench
cargo build --release --manifest-path "$CEILING_SRC/Cargo.toml" --target-dir "$ROOT/target/ceiling" --bin server
[ -f target/site/assets.txt ] || { ensure_rust_tools; build_site dev; }
BENCH="$BUILD/release/baton-bench"
CEIL="$ROOT/target/ceiling/release/server"


# seed_sql BACKEND TARGET: SQL that fills Baton's (TARGET=baton) or the ceiling's schema.
# Rows come from a recursive CTE on SQLite and generate_series on PostgreSQL.
seed_sql() {
  python3 - "$1" "$2" "$CONVS" "$MSGS" <<'PY'
import sys
backend, target, convs, msgs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def rows(n):
    if backend == "sqlite":
        return f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) SELECT i FROM n) AS n"
    return f"generate_series(1, {n}) AS n(i)"
t0 = 1_763_700_000_000
owner = "CASE WHEN i % 500 = 0 THEN 'waiting' WHEN i % 333 = 0 THEN 'assigned' WHEN i % 3 = 0 THEN 'closed' ELSE 'bot' END"
out = []
if target == "baton":
    out.append(f"INSERT INTO contacts (id, channel, external_id, name, phone, created_at) SELECT i, 'whatsapp', '57300' || i, 'Cliente ' || i, '+57300' || i, {t0} FROM {rows(convs)};")
    out.append(f"""INSERT INTO conversations (id, contact_id, channel, owner, ai_enabled, assignee_id, waiting_since, assigned_at,
        escalation_reason, version, last_message_at, last_message_preview, created_at, updated_at, closed_at)
      SELECT i, i, 'whatsapp', {owner}, {owner} = 'bot', CASE WHEN {owner} = 'assigned' THEN 1 END,
        CASE WHEN {owner} = 'waiting' THEN {t0} + i * 10 END, CASE WHEN {owner} = 'assigned' THEN {t0} + i * 10 END,
        CASE WHEN {owner} = 'waiting' THEN 'keyword' END, 1, {t0} + i * 1000, 'mensaje de prueba ' || i, {t0}, {t0},
        CASE WHEN {owner} = 'closed' THEN {t0} + i * 1000 END
      FROM {rows(convs)};""")
    out.append(f"""INSERT INTO messages (conversation_id, channel, sender, body, platform_message_id, processed, created_at)
      SELECT (i % {convs}) + 1, 'whatsapp', CASE WHEN i % 2 = 0 THEN 'customer' ELSE 'bot' END, 'mensaje de prueba ' || i,
        CASE WHEN i % 2 = 0 THEN 'wamid.seed.' || i END, TRUE, {t0} + i * 100 FROM {rows(msgs)};""")
    if backend == "postgres":
        out += [f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}));" for t in ("contacts", "conversations")]
else:
    status = "CASE WHEN i % 500 = 0 THEN 'pending_human' ELSE 'bot' END"
    out.append(f"INSERT INTO conversations (id, phone, name, status, last_message_at, waiting_since) SELECT i, '57300' || i, 'Cliente ' || i, {status}, {t0} + i * 1000, CASE WHEN i % 500 = 0 THEN {t0} + i * 10 END FROM {rows(convs)};")
    out.append(f"INSERT INTO messages (conversation_id, platform_msg_id, sender, body, created_at) SELECT (i % {convs}) + 1, CASE WHEN i % 2 = 0 THEN 'wamid.seed.' || i END, CASE WHEN i % 2 = 0 THEN 'customer' ELSE 'bot' END, 'mensaje de prueba ' || i, {t0} + i * 100 FROM {rows(msgs)};")
out.append("ANALYZE;")
print("\n".join(out))
PY
}

# seed BACKEND TARGET DB_URL
seed() {
  if [ "$1" = sqlite ]; then
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()" "${3#sqlite://}" < <(seed_sql "$1" "$2")
  else
    seed_sql "$1" "$2" | psql -q "$3" >/dev/null
  fi
}

start_baton() {
  DATABASE_URL="$1" LEPTOS_SITE_ADDR=127.0.0.1:8096 LEPTOS_SITE_ROOT="$ROOT/target/site" RUST_LOG=warn BATON_DEMO=0 \
    BATON_ADMIN_EMAIL=bench@baton.local BATON_ADMIN_PASSWORD=bench-password-1 "$BUILD/release/baton" &
  BATON_PID=$!
  wait_up http://127.0.0.1:8096/readyz
}

results=()
for backend in sqlite postgres; do
  if [ "$backend" = sqlite ]; then
    ceil_db="sqlite://$WORK/ceiling.db?mode=rwc"; baton_db="sqlite://$WORK/baton.db"
  else
    ceil_db="$(fresh_pg bench_list_ceiling)"; baton_db="$(fresh_pg bench_list_baton)"
  fi

  say "$backend: seeding $CONVS conversations and $MSGS messages for the ceiling"
  DATABASE_URL="$ceil_db" PORT=8095 "$CEIL" 2>/dev/null & pid=$!
  wait_up http://127.0.0.1:8095/conversations
  kill $pid; wait $pid 2>/dev/null || true
  seed "$backend" ceiling "${ceil_db%%\?*}"
  DATABASE_URL="$ceil_db" PORT=8095 "$CEIL" 2>/dev/null & pid=$!
  wait_up http://127.0.0.1:8095/conversations
  c_list=$("$BENCH" get http://127.0.0.1:8095/conversations "" "$SECS" 1)
  c_list8=$("$BENCH" get http://127.0.0.1:8095/conversations "" "$SECS" 8)
  kill $pid; wait $pid 2>/dev/null || true

  say "$backend: seeding the same volume for Baton"
  start_baton "$baton_db"; kill $BATON_PID; wait $BATON_PID 2>/dev/null || true
  seed "$backend" baton "$baton_db"
  start_baton "$baton_db"
  cookie=$(curl -s -o /dev/null -D - -H 'origin: http://127.0.0.1:8096' \
    --data-urlencode email=bench@baton.local --data-urlencode password=bench-password-1 \
    http://127.0.0.1:8096/api/sign_in | sed -n 's/^[Ss]et-[Cc]ookie: \(baton_session=[^;]*\).*/\1/p')
  [ -n "$cookie" ] || die "could not sign in to Baton"
  rows=$(curl -s -H "cookie: $cookie" http://127.0.0.1:8096/conversations | grep -o 'class="row"' | wc -l)
  [ "$rows" -gt 0 ] || die "the list page shows no rows"
  b_page=$("$BENCH" get http://127.0.0.1:8096/conversations "$cookie" "$SECS" 1)
  b_page8=$("$BENCH" get http://127.0.0.1:8096/conversations "$cookie" "$SECS" 8)
  kill $BATON_PID; wait $BATON_PID 2>/dev/null || true
  results+=("$backend|$rows|$c_list|$c_list8|$b_page|$b_page8")
done

python3 - "${results[@]}" <<'PY'
import json, sys
print(f"{'':9} {'rows':>5} | {'ceiling JSON 1c':>15} {'p99':>8} {'8c req/s':>9} | {'Baton SSR 1c p50':>16} {'p99':>8} {'8c req/s':>9} {'ratio':>6} | 5xx")
for row in sys.argv[1:]:
    b, rows, *rest = row.split("|")
    c1, c8, p1, p8 = map(json.loads, rest)
    errs = sum(x["server_errors"] + x["non_200"] for x in (p1, p8))
    print(f"{b:9} {rows:>5} | {c1['p50_ms']:>13.1f}ms {c1['p99_ms']:>6.1f}ms {c8['rps']:>9.0f} | {p1['p50_ms']:>14.1f}ms {p1['p99_ms']:>6.1f}ms {p8['rps']:>9.0f} {p8['rps']/c8['rps']:>6.2f} | {errs}")
PY
