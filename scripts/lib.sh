#!/usr/bin/env bash
# Shared helpers for run.sh and test.sh: install what a fresh machine lacks, build the site.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WASM_BINDGEN_VERSION="0.2.130"   # must equal the wasm-bindgen crate version pinned in Cargo.toml
BINARYEN_VERSION="132"           # npm's build of wasm-opt (Debian's older one breaks hydration)
TOOLS="$ROOT/.tools"
# Where cargo puts what it builds: several checkouts may share one (CARGO_TARGET_DIR), while each
# keeps its own site under its own target/site.
BUILD="${CARGO_TARGET_DIR:-$ROOT/target}"
export PATH="$HOME/.cargo/bin:$TOOLS/node_modules/.bin:$PATH"

# Each step says how long the run has taken so far (minutes:seconds), so a slow step shows in CI logs.
say() { printf '\033[1;34m==>\033[0m [%d:%02d] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
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

# The tool that splits the bundle at Leptos' lazy routes (tools/wasm-split, its own workspace).
SPLIT_TOOL="$ROOT/target/tools/release/baton-wasm-split"
ensure_split_tool() {
  cargo build --release --locked --quiet --manifest-path "$ROOT/tools/wasm-split/Cargo.toml" \
    --target-dir "$ROOT/target/tools"
}

# What the browser runs: the app crate's hydrate build for WebAssembly.
HYDRATE_BUILD=(-p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate)

# The release bundle is built with the standard library compiled for it (`-Zbuild-std`): a panic
# stops the module at once (`-Cpanic=immediate-abort`: no panic messages, no formatting machinery
# for them; with `panic = "abort"` the module stopped anyway, after printing), no source locations
# are kept (`-Zlocation-detail=none`), and the standard library picks its smaller algorithms
# (`optimize_for_size`). About 39 KB less to download (brotli), so a phone on a mobile network
# gets the console sooner. A panic still ends the page's code as before, only silently; a
# developer who needs its message builds the dev bundle (`build_site dev`). These are unstable
# options: the machine's stable toolchain takes them with RUSTC_BOOTSTRAP=1, as scripts/fuzz.sh
# does, so no second toolchain is needed, only the standard library's source (`rust-src`). The
# flags repeat .cargo/config.toml's, which RUSTFLAGS replaces. Clippy lints this build when the
# caller set RUSTC_WORKSPACE_WRAPPER, as for every other build.
build_release_wasm() {
  if ! rustup component list --installed | grep -q '^rust-src'; then
    say "adding the standard library's source (rust-src, for the release bundle)"
    rustup component add rust-src
  fi
  RUSTC_BOOTSTRAP=1 CARGO_PROFILE_WASM_RELEASE_PANIC=unwind \
    RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none" \
    cargo build -Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size "${HYDRATE_BUILD[@]}" --profile "$1"
}

# build_site PROFILE: the hydrate WASM bundle, CSS and public assets into target/site.
# PROFILE is "dev" (quick, used by the tests) or "wasm-release" (size-optimised, used by run.sh).
#
# One build's bundle lives in a folder named after its content, `pkg/<hash>/` (the hash is in
# `assets.txt`, which Baton reads at start): `baton.js`, `baton_bg.wasm`, `baton.css`, and the
# lazily loaded chunks of the admin pages with their loader and manifest. Files refer to each
# other by relative names, so browsers keep the whole folder for a year (Cache-Control:
# immutable) and a deploy never pairs one version's page with another's code.
build_site() {
  local profile="$1" site="$ROOT/target/site" out
  say "building the browser bundle ($profile)"
  ensure_split_tool
  if [ "$profile" = dev ]; then
    cargo build "${HYDRATE_BUILD[@]}" --profile dev
  else
    build_release_wasm "$profile"
  fi
  case "$profile" in dev) out=debug ;; *) out="$profile" ;; esac
  rm -rf "$site" && mkdir -p "$site/pkg"
  cp -r "$ROOT/public/." "$site/"
  local dir="$site/pkg/build" chunks
  mkdir -p "$dir"
  # Split at the lazy routes (needs the `--emit-relocs` link flag of .cargo/config.toml), then
  # let wasm-bindgen make the main module's JS glue; the chunks are loaded by the split loader.
  chunks=$("$SPLIT_TOOL" "$BUILD/wasm32-unknown-unknown/$out/app.wasm" "$dir" baton)
  wasm-bindgen --target web --no-typescript --keep-lld-exports --out-dir "$dir" --out-name baton \
    "$dir/baton_split.wasm"
  rm "$dir/baton_split.wasm"
  # Leptos' hydration script loads <output-name>_bg.wasm: keep wasm-bindgen's name.
  if [ "$profile" != dev ]; then
    say "optimising the WASM for size (wasm-opt -Oz)"
    local f
    for f in "$dir/baton_bg.wasm" $chunks; do
      wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
        --enable-mutable-globals --enable-reference-types --enable-multivalue -o "$f" "$f"
    done
  fi
  cp "$ROOT/style/main.css" "$dir/baton.css"
  local hash
  hash="$(cd "$dir" && find . -type f | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-12)"
  mv "$dir" "$site/pkg/$hash"
  echo "$hash" > "$site/assets.txt"
  # Precompressed copies, sent as they are to browsers that accept them (brotli, else gzip).
  local quality=11; [ "$profile" = dev ] && quality=5
  find "$site/pkg/$hash" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' -o -name '*.json' \) |
    while read -r f; do gzip -9 -k -f "$f"; brotli -q "$quality" -k -f "$f"; done
}

# What a phone downloads before the console works, brotli as sent: the main module
# (`baton_bg.wasm`) and every script it imports (`baton.js`, the split loader, wasm-bindgen's
# snippets), not the admin pages' chunks. Fails when the last build_site is over `max_bytes`
# (default: BUNDLE_BUDGET). The goal is 350 KB; the budget holds today's 441 KB (2% margin) so
# the bundle cannot grow unnoticed. The browser test `end2end/tests/bundle.test.mjs` measures
# the same bytes as a browser transfers them, against the same budget.
export BUNDLE_BUDGET="${BUNDLE_BUDGET:-449000}"
initial_bundle_bytes() {
  local dir="$ROOT/target/site/pkg/$(asset_name)"
  find "$dir" -type f \( -name '*.js.br' -o -name 'baton_bg.wasm.br' \) -printf '%s\n' | awk '{ s += $1 } END { print s }'
}
check_bundle_budget() {
  local max="${1:-$BUNDLE_BUDGET}" total
  total=$(initial_bundle_bytes)
  if [ "$total" -gt "$max" ]; then
    die "the initial bundle is $total bytes (brotli, JS + WASM), over its budget of $max bytes"
  fi
  say "initial bundle: $total bytes (brotli, JS + WASM), budget $max bytes"
}

# The bundle's folder name (its content hash), from the last build_site.
asset_name() { cat "$ROOT/target/site/assets.txt"; }

# Prints the bundle's files and sizes: raw, gzip, brotli (as sent).
report_wasm_size() {
  local f dir="$ROOT/target/site/pkg/$(asset_name)"
  find "$dir" -type f \( -name '*.js' -o -name '*.wasm' -o -name '*.css' \) | LC_ALL=C sort | while read -r f; do
    printf '%s: %s bytes raw, %s gzip, %s brotli (as sent)\n' "${f#"$dir"/}" \
      "$(stat -c %s "$f")" "$(stat -c %s "$f.gz")" "$(stat -c %s "$f.br")"
  done
  printf 'initial bundle (main module and its scripts, brotli): %s bytes\n' "$(initial_bundle_bytes)"
}

# Benchmarks: wait for a URL to answer; recreate a PostgreSQL database and print its URL.
wait_up() { for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; die "$1 did not come up"; }
fresh_pg() { psql "$PG" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" && psql "$PG" -qc "CREATE DATABASE $1"; echo "${PG%/*}/$1"; }
