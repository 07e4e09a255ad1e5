#!/usr/bin/env bash
# Runs every test: formatting, clippy (ssr and hydrate), unit and integration tests against SQLite
# and PostgreSQL, and the browser tests in Chromium. One build serves all of them.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PG_ADMIN_URL="${BATON_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 1; done
  fi
  return 1
}

ensure_browser() {
  if ! command -v chromium >/dev/null; then
    say "installing Chromium (Debian package)"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
  fi
  if [ ! -d end2end/node_modules/playwright-core ]; then
    say "installing the browser test driver (playwright-core)"
    (cd end2end && npm ci --silent --no-audit --no-fund)
  fi
}

broker_up() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }

ensure_rabbitmq() {
  if broker_up; then return 0; fi
  # A node whose application was stopped (rabbitmqctl stop_app) only needs starting again.
  if command -v rabbitmqctl >/dev/null && rabbitmqctl -q start_app >/dev/null 2>&1; then
    for _ in $(seq 1 30); do broker_up && return 0; sleep 1; done
  fi
  if command -v rabbitmq-server >/dev/null; then
    say "starting RabbitMQ"
    rabbitmq-server -detached || true
    for _ in $(seq 1 60); do broker_up && rabbitmqctl -q await_startup >/dev/null 2>&1 && return 0; sleep 1; done
  fi
  return 1
}

# The cluster tests' streams are named after their test databases (their signal exchanges go
# away with their last instance).
drop_test_queues() {
  # No leftover queue is the usual case: grep's "no match" must not end the run (pipefail).
  rabbitmqctl -q list_queues name 2>/dev/null | { grep '^baton\.baton_t_' || true; } |
    while read -r q; do rabbitmqctl -q delete_queue "$q" </dev/null >/dev/null 2>&1 || true; done
}

drop_test_databases() {
  psql "$PG_ADMIN_URL" -Atqc "SELECT datname FROM pg_database WHERE datname LIKE 'baton_t_%'" 2>/dev/null |
    while read -r db; do psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null || true; done
}

ensure_rust_tools
ensure_browser
if ensure_postgres; then
  export BATON_TEST_POSTGRES_URL="$PG_ADMIN_URL"
  drop_test_databases
elif [ "${CI:-}" = "true" ]; then
  die "PostgreSQL is not reachable at 127.0.0.1:5432 and CI=true: the PostgreSQL tests must run in CI."
else
  printf '\033[1;33mnotice:\033[0m PostgreSQL is not reachable; its tests are SKIPPED on this machine.\n'
  export BATON_TEST_POSTGRES_URL=""
fi

if ensure_rabbitmq; then
  export BATON_TEST_BROKER_URL="amqp://guest:guest@127.0.0.1:5672/%2f"
  drop_test_queues
elif [ "${CI:-}" = "true" ]; then
  die "RabbitMQ is not reachable at 127.0.0.1:5672 and CI=true: the cluster tests must run in CI."
else
  printf '\033[1;33mnotice:\033[0m RabbitMQ is not reachable; the cluster tests are SKIPPED on this machine.\n'
  export BATON_TEST_BROKER_URL=""
fi

say "cargo fmt --check"
cargo fmt --all -- --check

# Clippy runs inside the builds: clippy-driver compiles the workspace's own crates with its lints
# denied, as `cargo clippy -- -D warnings` does with `cargo check`, so each crate is compiled once
# rather than once to lint and again to run (about a quarter of a cold run's compiling). The
# browser build is linted as the release bundle is built (`hydrate`), the server's with the tests
# (`ssr`, all targets). Everything below uses these builds; nothing builds again.
export RUSTC_WORKSPACE_WRAPPER="$(rustup which clippy-driver)"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"

# The site first, the release bundle phones download: integration and browser tests serve its
# files (`/widget.js`, the bundle) as production does. It must stay within its size budget.
say "clippy and the browser build (hydrate)"
build_site wasm-release
check_bundle_budget

say "clippy and the server build (ssr: Baton, its tests, the benchmark tools)"
# One feature resolution for everything (the tests' dev-dependencies included), so the smoke
# scripts below and the browser tests use exactly these binaries (BATON_BUILT).
cargo build --workspace --all-targets
export BATON_BUILT=1

say "unit and integration tests (SQLite and PostgreSQL)"
# In parallel: every integration test starts a whole Baton in this one process. They used to stall
# now and then, because each Baton generated Leptos' route list, which switches resource loading
# off for the whole process while it runs; Baton now generates it once per process
# (`server::startup::route_list`). The timeout still turns any stall into a failure.
timeout 1200 cargo test --workspace
if [ -n "${BATON_TEST_BROKER_URL:-}" ]; then
  say "broker restart (RabbitMQ is stopped and started, so this test runs alone)"
  timeout 300 cargo test --workspace --tests -- --ignored cluster::
  drop_test_queues
fi
[ -n "${BATON_TEST_POSTGRES_URL:-}" ] && drop_test_databases

say "page-render smoke load (no panic, no 5xx, nothing over 5 s; scripts/load_pages.sh for the full run)"
LOAD_PROFILE=debug scripts/load_pages.sh 800 16

say "crash smoke (kill -9 mid-ingest on SQLite and mid-reply on PostgreSQL; scripts/crash_test.sh for more runs)"
BATON_BIN="$BUILD/debug/baton" scripts/crash_test.sh 1000 1

say "browser tests (Chromium, phone and desktop, hydrated and without JavaScript)"
BATON_BIN="$BUILD/debug/baton" node --test --test-concurrency=1 end2end/tests/
