#!/usr/bin/env bash
# Shared helpers for run.sh and test.sh: install what a fresh machine lacks, build the site.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN_VERSION="0.2.130"   # must equal the wasm-bindgen crate version pinned in Cargo.toml
BINARYEN_VERSION="132"           # npm's build of wasm-opt (Debian's older one breaks hydration)
TOOLS="$ROOT/.tools"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

ensure_rust_tools() {
  command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first (https://rustup.rs)."
  # Web Push encryption (the `ece` crate) links OpenSSL.
  if ! pkg-config --exists openssl 2>/dev/null; then
    say "installing libssl-dev and pkg-config (Debian packages)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libssl-dev pkg-config >/dev/null
  fi
  if ! command -v brotli >/dev/null; then
    say "installing brotli (Debian package: precompressed assets)"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null
  fi
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
    say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (once, about 3 minutes)"
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
    command -v npm >/dev/null || die "npm is missing: install Node.js 18 or newer."
    say "installing wasm-opt (npm binaryen@$BINARYEN_VERSION)"
    mkdir -p "$TOOLS"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" "binaryen@$BINARYEN_VERSION"
  fi
}

# build_site PROFILE: the hydrate WASM bundle, CSS and public assets into target/site.
# PROFILE is "dev" (quick, used by the tests) or "wasm-release" (size-optimised, used by run.sh).
build_site() {
  local profile="$1" site="$ROOT/target/site" out
  say "building the browser bundle ($profile)"
  cargo build -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate --profile "$profile"
  case "$profile" in dev) out=debug ;; *) out="$profile" ;; esac
  rm -rf "$site" && mkdir -p "$site/pkg"
  cp -r "$ROOT/public/." "$site/"
  wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name baton \
    "$ROOT/target/wasm32-unknown-unknown/$out/app.wasm"
  # Leptos' hydration script loads <output-name>_bg.wasm: keep wasm-bindgen's name.
  if [ "$profile" != dev ]; then
    say "optimising the WASM for size (wasm-opt -Oz)"
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
      --enable-mutable-globals --enable-reference-types --enable-multivalue \
      -o "$site/pkg/baton_bg.wasm" "$site/pkg/baton_bg.wasm"
  fi
  cp "$ROOT/style/main.css" "$site/pkg/baton.css"
  # Content-hashed names: a deploy never pairs one version's page with another's bundle, and
  # browsers keep each file for a year (Cache-Control: immutable). Baton reads the name from
  # `assets.txt` at start; the service worker is served with it.
  local name
  name="baton.$(cat "$site/pkg/baton.js" "$site/pkg/baton_bg.wasm" "$site/pkg/baton.css" | sha256sum | cut -c1-12)"
  mv "$site/pkg/baton.js" "$site/pkg/$name.js"
  mv "$site/pkg/baton_bg.wasm" "$site/pkg/${name}_bg.wasm"
  mv "$site/pkg/baton.css" "$site/pkg/$name.css"
  echo "$name" > "$site/assets.txt"
  # Precompressed copies, sent as they are to browsers that accept them (brotli, else gzip).
  local quality=11; [ "$profile" = dev ] && quality=5
  for f in "$site/pkg/$name.js" "$site/pkg/${name}_bg.wasm" "$site/pkg/$name.css"; do
    gzip -9 -k -f "$f"
    brotli -q "$quality" -k -f "$f"
  done
}

# The size budget of what a phone downloads before the console works (the bundle's JS and WASM,
# brotli, as sent). Fails when the last build_site is over `max_bytes` (default: BUNDLE_BUDGET).
# The issue's goal is 350 KB; the budget holds today's size until code splitting reaches it, so
# the bundle cannot grow unnoticed.
BUNDLE_BUDGET="${BUNDLE_BUDGET:-550000}"
check_bundle_budget() {
  local max="${1:-$BUNDLE_BUDGET}" name total
  name="$(asset_name)"
  total=$(( $(stat -c %s "$ROOT/target/site/pkg/$name.js.br") + $(stat -c %s "$ROOT/target/site/pkg/${name}_bg.wasm.br") ))
  if [ "$total" -gt "$max" ]; then
    die "the initial bundle is $total bytes (brotli, JS + WASM), over its budget of $max bytes"
  fi
  say "initial bundle: $total bytes (brotli, JS + WASM), budget $max bytes"
}

# The bundle's file name stem (baton.<hash>), from the last build_site.
asset_name() { cat "$ROOT/target/site/assets.txt"; }

# Prints the bundle size, raw and gzipped.
report_wasm_size() {
  local f
  for f in "$ROOT/target/site/pkg/$(asset_name)"{_bg.wasm,.js,.css}; do
    printf '%s: %s bytes raw, %s gzip, %s brotli (as sent)\n' "$(basename "$f")" \
      "$(stat -c %s "$f")" "$(stat -c %s "$f.gz")" "$(stat -c %s "$f.br")"
  done
}

# Benchmarks: wait for a URL to answer; recreate a PostgreSQL database and print its URL.
wait_up() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; die "$1 did not come up"; }
fresh_pg() { psql "$PG" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" && psql "$PG" -qc "CREATE DATABASE $1"; echo "${PG%/*}/$1"; }
