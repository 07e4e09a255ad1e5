#!/usr/bin/env bash
# Analytics benchmark: the server-rendered /analytics page over a large history (100,000
# conversations and 1,000,000 messages, spread over 90 days, with their analytics facts, hourly
# counts and CSAT rows), on SQLite and PostgreSQL. Seeds with bulk SQL, then renders the page
# through HTTP (one request at a time) and prints the median and the max per period.
#   scripts/bench_analytics.sh [RENDERS]        (default 10 renders per period and database)
#   CONVS=2000 MSGS=20000 scripts/bench_analytics.sh 3    a small smoke run
# BATON_BIN picks the binary (default: a release build, built if missing; a debug build works
# and is slower). The page must render in under 300 ms server time.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
RENDERS="${1:-10}"
CONVS="${CONVS:-100000}"
MSGS="${MSGS:-1000000}"
DAYS="${DAYS:-90}"
PG="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PORT="${PORT:-8097}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$WORK"' EXIT

if [ -z "${BATON_BIN:-}" ]; then
  say "building the release binary"
  cargo build --release -p server
  BATON_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/baton"
fi
[ -f target/site/assets.txt ] || { ensure_rust_tools; build_site dev; }

# seed_sql BACKEND: SQL that fills a migrated Baton database. Rows come from a recursive CTE on
# SQLite and generate_series on PostgreSQL; every number follows from the row's index.
seed_sql() {
  python3 - "$1" "$CONVS" "$MSGS" "$DAYS" <<'PY'
import sys, time
backend, n, m, days = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def rows(k):
    if backend == "sqlite":
        return f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {k}) SELECT i FROM s) AS s"
    return f"generate_series(1, {k}) AS s(i)"
hour = 3_600_000
end = int(time.time() * 1000) // hour * hour
span = days * 86_400_000
created = f"({end} - CAST(i AS BIGINT) * {span // n})"
channel = "CASE i % 3 WHEN 0 THEN 'whatsapp' WHEN 1 THEN 'telegram' ELSE 'web' END"
handed = "i % 5 IN (0, 1)"
reason = "CASE i % 7 WHEN 0 THEN 'keyword' WHEN 1 THEN 'no_match' WHEN 2 THEN 'low_confidence' WHEN 3 THEN 'bot_failed' WHEN 4 THEN 'ai_off' WHEN 5 THEN 'paused' ELSE 'taken_over' END"
wait = "(CAST(i AS BIGINT) * 7919 % 600) * 1000"
op = "(i % 8) + 2"
out = []
out.append("INSERT INTO users (id, email, display_name, password_hash, role, created_at, updated_at) SELECT i + 1, 'op' || i || '@bench.local', 'Operator ' || i, 'x', 'operator', 0, 0 FROM " + rows(8) + ";")
out.append("INSERT INTO scenarios (id, name, triggers, response, created_at, updated_at) SELECT i, 'Scenario ' || i, '[]', 'ok', 0, 0 FROM " + rows(10) + ";")
out.append(f"INSERT INTO contacts (id, channel, external_id, name, created_at) SELECT i, {channel}, 'bench' || i, 'Cliente ' || i, {created} FROM {rows(n)};")
out.append(f"""INSERT INTO conversations (id, contact_id, channel, owner, ai_enabled, version, last_message_at,
    last_message_preview, created_at, updated_at, closed_at, stretch_at, stretch_handed)
  SELECT i, i, {channel}, 'closed', TRUE, 1, {created} + 600000, 'hola', {created}, {created},
    {created} + 600000, {created}, {handed} FROM {rows(n)};""")
# Messages: conversation c = (i % n) + 1, every other one the customer's.
mconv = f"((i % {n}) + 1)"
mat = f"({end} - CAST({mconv} AS BIGINT) * {span // n} + CAST(i / {n} AS BIGINT) * 30000)"
mchannel = f"CASE {mconv} % 3 WHEN 0 THEN 'whatsapp' WHEN 1 THEN 'telegram' ELSE 'web' END"
out.append(f"""INSERT INTO messages (conversation_id, channel, sender, body, context_used, platform_message_id, processed, created_at)
  SELECT {mconv}, {mchannel}, CASE WHEN i % 2 = 0 THEN 'customer' ELSE 'bot' END, 'mensaje de prueba ' || i,
    CASE WHEN i % 4 = 1 THEN 'scenario:' || (i % 10 + 1) END,
    CASE WHEN i % 2 = 0 THEN 'wamid.bench.' || i END, TRUE, {mat} FROM {rows(m)};""")
out.append(f"""INSERT INTO analytics_hours (hour, channel, customer_messages, bot_replies)
  SELECT created_at / {hour}, channel, SUM(CASE WHEN sender = 'customer' THEN 1 ELSE 0 END),
    SUM(CASE WHEN sender = 'bot' THEN 1 ELSE 0 END) FROM messages GROUP BY created_at / {hour}, channel;""")
facts = "INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel, reason, operator_id, scenario_id, confidence, duration_ms, handled_ms, first_handoff, handoff_after) "
out.append(facts + f"SELECT 'opened', {created}, i, {created}, {channel}, NULL, NULL, NULL, NULL, NULL, NULL, FALSE, FALSE FROM {rows(n)};")
out.append(facts + f"""SELECT 'scenario', created_at, conversation_id, {end} - CAST(conversation_id AS BIGINT) * {span // n}, channel,
    NULL, NULL, CAST(SUBSTR(context_used, 10) AS BIGINT), NULL, NULL, NULL, FALSE, conversation_id % 5 IN (0, 1)
  FROM messages WHERE context_used IS NOT NULL;""")
out.append(facts + f"""SELECT 'escalated', {created} + 60000, i, {created}, {channel}, {reason}, NULL, NULL,
    CASE WHEN i % 7 = 2 THEN 0.3 END, NULL, NULL, TRUE, FALSE FROM {rows(n)} WHERE {handed} AND i % 7 <> 6;""")
out.append(facts + f"""SELECT CASE WHEN i % 7 = 6 THEN 'taken_over' ELSE 'accepted' END, {created} + 60000 + {wait}, i, {created}, {channel},
    CASE WHEN i % 7 = 6 THEN 'taken_over' END, {op}, NULL, NULL, CASE WHEN i % 7 = 6 THEN NULL ELSE {wait} END, NULL,
    i % 7 = 6, FALSE FROM {rows(n)} WHERE {handed};""")
out.append(facts + f"""SELECT 'first_reply', {created} + 90000 + {wait}, i, {created}, {channel}, NULL, {op}, NULL, NULL,
    30000 + {wait}, 30000, FALSE, FALSE FROM {rows(n)} WHERE {handed};""")
out.append(facts + f"""SELECT 'closed', {created} + 600000, i, {created}, {channel}, NULL, CASE WHEN {handed} THEN {op} END, NULL, NULL,
    600000, CASE WHEN {handed} THEN 540000 - {wait} END, FALSE, FALSE FROM {rows(n)};""")
out.append(f"""INSERT INTO csat_surveys (conversation_id, operator_id, channel, scale, status, score, created_at, answered_at)
  SELECT i, {op}, {channel}, 'stars', CASE WHEN i % 3 = 0 THEN 'asked' ELSE 'answered' END,
    CASE WHEN i % 3 = 0 THEN NULL ELSE (i / 5 % 5) + 1 END, {created} + 600000,
    CASE WHEN i % 3 = 0 THEN NULL ELSE {created} + 700000 END FROM {rows(n)} WHERE {handed};""")
# What analytics read of them (storage::csat copies each survey as it is asked and answered).
out.append("""INSERT INTO analytics_csat (survey_id, created_at, channel, operator_id, status, score)
  SELECT id, created_at, channel, operator_id, status, score FROM csat_surveys;""")
if backend == "postgres":
    out += [f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}));" for t in ("users", "scenarios", "contacts", "conversations")]
out.append("ANALYZE;")
print("\n".join(out))
PY
}

seed() {
  if [ "$1" = sqlite ]; then
    python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.stdin.read()); c.commit()" "${2#sqlite://}" < <(seed_sql "$1")
  else
    seed_sql "$1" | psql -q -v ON_ERROR_STOP=1 "$2" >/dev/null
  fi
}

start_baton() {
  DATABASE_URL="$1" LEPTOS_SITE_ADDR=127.0.0.1:$PORT LEPTOS_SITE_ROOT="$ROOT/target/site" RUST_LOG=warn BATON_DEMO=0 \
    BATON_ADMIN_EMAIL=bench@baton.local BATON_ADMIN_PASSWORD=bench-password-1 "$BATON_BIN" &
  BATON_PID=$!
  wait_up http://127.0.0.1:$PORT/readyz
}

results=()
for backend in ${BACKENDS:-sqlite postgres}; do
  if [ "$backend" = sqlite ]; then db="sqlite://$WORK/analytics.db"; else db="$(fresh_pg bench_analytics)"; fi
  say "$backend: migrating, then seeding $CONVS conversations and $MSGS messages over $DAYS days"
  start_baton "$db"; kill $BATON_PID; wait $BATON_PID 2>/dev/null || true
  seed "$backend" "$db"
  start_baton "$db"
  cookie=$(curl -s -o /dev/null -D - -H "origin: http://127.0.0.1:$PORT" \
    --data-urlencode email=bench@baton.local --data-urlencode password=bench-password-1 \
    http://127.0.0.1:$PORT/api/sign_in | sed -n 's/^[Ss]et-[Cc]ookie: \(baton_session=[^;]*\).*/\1/p')
  [ -n "$cookie" ] || die "could not sign in to Baton"
  for range in 7d 30d; do
    url="http://127.0.0.1:$PORT/analytics?range=$range"
    page=$(curl -s -H "cookie: $cookie" "$url")
    grep -q 'data-chart="heatmap"' <<<"$page" || die "$backend: the page has no charts"
    n=$(python3 -c 'import re,sys; m=re.search(r"data-measure=\"conversations\".*?<td class=\"num now\">(?:<!--[^>]*-->)*([0-9][0-9,.]*)", sys.stdin.read(), re.S); print(m.group(1) if m else "?")' <<<"$page")
    times=()
    for _ in $(seq 1 "$RENDERS"); do
      times+=("$(curl -s -o /dev/null -w '%{time_total}' -H "cookie: $cookie" "$url")")
    done
    csv=$(curl -s -w '%{time_total}' -o /dev/null -H "cookie: $cookie" "http://127.0.0.1:$PORT/analytics/export/operators.csv?range=$range")
    results+=("$backend|$range|${n:-?}|$csv|${times[*]}")
  done
  kill $BATON_PID; wait $BATON_PID 2>/dev/null || true
done

python3 - "${results[@]}" <<'PY'
import statistics, sys
print(f"{'database':9} {'period':6} {'conversations':>13} | {'page median':>11} {'max':>8} | {'CSV':>8}")
for row in sys.argv[1:]:
    b, r, n, csv, times = row.split("|")
    ms = [float(t) * 1000 for t in times.split()]
    print(f"{b:9} {r:6} {n:>13} | {statistics.median(ms):>9.1f}ms {max(ms):>6.1f}ms | {float(csv)*1000:>6.1f}ms")
PY
