#!/usr/bin/env bash
# Builds Baton (release) and starts it at http://127.0.0.1:3000 in demo mode.
# Production: BATON_DEMO=0 BATON_ADMIN_EMAIL=... BATON_ADMIN_PASSWORD=... scripts/run.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
ensure_rust_tools
build_site wasm-release
report_wasm_size
say "building the server (release)"
cargo build -p server --release
export BATON_DEMO="${BATON_DEMO:-1}"
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
mkdir -p "$ROOT/data"
exec "$BUILD/release/baton"
