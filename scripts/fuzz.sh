#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz / libFuzzer) of the parsers that read what outsiders send:
# WhatsApp webhook bodies, Telegram updates, widget socket frames and the scenario editor's
# trigger lines. Each target also checks invariants, not only "no panic" (see fuzz/fuzz_targets/).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     default: 600 s, all four targets
#   scripts/fuzz.sh 20                                   smoke run (what CI may run)
#
# Environment:
#   FUZZ_JOBS=2          targets fuzzed at the same time (default 1; keep it at 2 or less on a
#                        shared machine)
#   FUZZ_SANITIZER=none  libFuzzer build without AddressSanitizer (default: address). The targets
#                        are safe Rust, so ASan mostly guards the unsafe code in dependencies;
#                        `none` builds and runs faster.
#   FUZZ_NICE=15         nice level of the build and the fuzzers
#
# How it runs on the stable toolchain: cargo fuzz needs nightly-only rustc flags (-Zsanitizer,
# SanitizerCoverage options), so the script sets RUSTC_BOOTSTRAP=1 and uses the project's stable
# compiler; no nightly toolchain is needed. Builds go to fuzz/target/ (release, debug assertions
# on); new corpus entries to fuzz/corpus/<target>/ (git ignores all but the seed-* files); crashes
# to fuzz/artifacts/<target>/ (reproduce one with `RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz
# <target> <file>`); logs to fuzz/target/logs/. Exit status 1 when any target found a crash.
# AddressSanitizer works on stable this way. Running a built binary directly (without cargo fuzz)
# needs ASAN_OPTIONS=detect_odr_violation=0: the bundled SQLite amalgamation trips a harmless ODR
# report at start-up (cargo fuzz sets that option itself).
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(whatsapp_payload telegram_update widget_frame scenario_trigger)
[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || die "SECONDS_PER_TARGET must be a positive whole number"
JOBS="${FUZZ_JOBS:-1}"
SANITIZER="${FUZZ_SANITIZER:-address}"
NICE="${FUZZ_NICE:-15}"
SAMPLES="$ROOT/../shared/notes/samples"
LOGS="$ROOT/fuzz/target/logs"
export RUSTC_BOOTSTRAP=1

command -v cargo >/dev/null || die "cargo is missing: install Rust with rustup first (https://rustup.rs)."
if ! cargo fuzz --version >/dev/null 2>&1; then
  say "installing cargo-fuzz (crates.io, about a minute)"
  cargo install cargo-fuzz --locked
fi

started=$(date +%s)
say "building ${TARGETS[*]} (sanitizer: $SANITIZER)"
for t in "${TARGETS[@]}"; do
  nice -n "$NICE" cargo fuzz build --fuzz-dir fuzz -O -s "$SANITIZER" "$t"
done
built=$(date +%s)
say "built in $((built - started)) s"

# seeds TARGET: the checked-in seeds plus the matching real-shaped payloads from the repository's
# test fixtures and the shared samples, all in the target's corpus directory.
seeds() {
  local dir="fuzz/corpus/$1" prefix=""
  mkdir -p "$dir"
  case "$1" in
    whatsapp_payload) prefix="whatsapp-" ;;
    telegram_update) prefix="telegram-" ;;
  esac
  [ -n "$prefix" ] || return 0
  for f in server/tests/fixtures/"$prefix"*.json "$SAMPLES"/"$prefix"*.json; do
    [ -f "$f" ] && cp "$f" "$dir/fixture-$(basename "$f")"
  done
  return 0
}

# run TARGET: fuzzes for SECONDS_PER_TARGET; the log keeps libFuzzer's final statistics.
run() {
  local t="$1" max_len=8192
  # The widget's limit is 4096 characters of up to 4 bytes: longer inputs reach past it.
  [ "$t" = widget_frame ] && max_len=20000
  seeds "$t"
  rm -rf "fuzz/artifacts/$t"
  nice -n "$NICE" cargo fuzz run --fuzz-dir fuzz -O -s "$SANITIZER" "$t" -- \
    -max_total_time="$SECONDS_PER_TARGET" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$LOGS/$t.log" 2>&1 || true
}

mkdir -p "$LOGS"
say "fuzzing each target for $SECONDS_PER_TARGET s, $JOBS at a time"
for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  run "$t" &
done
wait

crashed=0
printf '\n%-18s %14s %10s %8s  %s\n' target executions exec/s corpus result
for t in "${TARGETS[@]}"; do
  log="$LOGS/$t.log"
  execs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log" | tail -n1)
  rate=$(awk '/stat::average_exec_per_sec:/ {print $2}' "$log" | tail -n1)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  found=$(find "fuzz/artifacts/$t" -type f 2>/dev/null | head -n1)
  if [ -n "$found" ]; then
    result="CRASH: $found (log: $log)"
    crashed=1
  elif [ -z "$execs" ]; then
    result="did not run: see $log"
    crashed=1
  else
    result="no crash"
  fi
  printf '%-18s %14s %10s %8s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "$corpus" "$result"
done
say "total $(($(date +%s) - started)) s (build $((built - started)) s)"
exit "$crashed"
