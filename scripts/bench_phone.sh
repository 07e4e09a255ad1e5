#!/usr/bin/env bash
# Phone benchmark: the release site and server in demo mode, then Chromium with a 4x CPU slowdown
# and "Fast 3G" at 390x844 (end2end/bench/phone.mjs): time until the conversation list and a chat
# are interactive, cold (fresh profile) and warm (service worker cache), and the bytes a first
# visit to /conversations transfers.
#   scripts/bench_phone.sh [RUNS]   (default 5)
# BENCH_SITE=dev measures the tests' dev bundle instead of the release bundle (a smoke run).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
RUNS="${1:-5}"
PORT="${BENCH_PORT:-8093}"
WORK="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

ensure_rust_tools
if [ "${BENCH_SITE:-release}" = dev ]; then
  [ -f target/site/assets.txt ] || build_site dev
  cargo build -p server
  BIN="$BUILD/debug/baton"
else
  build_site wasm-release
  cargo build --release -p server
  BIN="$BUILD/release/baton"
fi
report_wasm_size
[ -d end2end/node_modules/playwright-core ] || (cd end2end && npm ci --silent --no-audit --no-fund)
DATABASE_URL="sqlite://$WORK/baton.db" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$ROOT/target/site" \
  BATON_DEMO=1 RUST_LOG=warn "$BIN" >/dev/null 2>&1 &
wait_up "http://127.0.0.1:$PORT/readyz"
say "Chromium: 4x CPU slowdown, Fast 3G, 390x844, $RUNS runs"
node end2end/bench/phone.mjs "http://127.0.0.1:$PORT" "$RUNS"
