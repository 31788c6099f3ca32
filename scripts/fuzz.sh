#!/usr/bin/env bash
# libFuzzer targets for the parsers that read hostile input (SECURITY.md, Fuzz/).
#   scripts/fuzz.sh list              the targets
#   scripts/fuzz.sh build             build every target with -sanitize=fuzzer,address (into .build-fuzz)
#   scripts/fuzz.sh TARGET SECONDS    build, then fuzz TARGET for SECONDS from its seed corpus
#   scripts/fuzz.sh all SECONDS       each target in turn, SECONDS each (what CI runs)
# Crashes are written to .build-fuzz/crashes/TARGET/; new inputs go to .build-fuzz/corpus/TARGET/ (the committed
# seeds in Fuzz/corpus/TARGET/ are only read). Exit status 1 when a target crashed or broke an invariant.
# FUZZ_NO_BUILD=1 skips the build (to run several targets at once from one build).
set -uo pipefail
cd "$(dirname "$0")/.."
# One target per folder of Fuzz/Sources/ but the support modules (Fuzz/Package.swift builds the same list).
mapfile -t targets < <(find Fuzz/Sources -mindepth 1 -maxdepth 1 -type d ! -name CFuzzerDriver ! -name FuzzSupport ! -name '.*' -printf '%f\n' | LC_ALL=C sort)
scratch=.build-fuzz

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

build() {
  # The fuzz package resolves the same versions as the main one, offline when the main build already has them.
  if [ -f Package.resolved ]; then cp Package.resolved Fuzz/Package.resolved; fi
  swift build --package-path Fuzz --scratch-path "$scratch" -c debug \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' | tail -40
  return "${PIPESTATUS[0]}"
}

run() {
  local target=$1 seconds=$2
  local bin="$scratch/debug/fuzz-$target"
  [ -x "$bin" ] || { echo "fuzz: $bin is not built"; return 1; }
  local work="$scratch/corpus/$target" crashes="$scratch/crashes/$target"
  mkdir -p "$work" "$crashes"
  # A small ASan quarantine keeps a long run's memory flat; leaks still fail the run.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32:malloc_context_size=8}
  # libFuzzer and ASan print the stack of a crash; Swift's own backtracer, started by the abort of a broken
  # invariant, cannot read the sanitized process and keeps the pipe below open until killed.
  export SWIFT_BACKTRACE=enable=no
  local dict=()
  [ -f "Fuzz/dictionaries/$target.dict" ] && dict=(-dict="Fuzz/dictionaries/$target.dict")
  echo "fuzz: $target for ${seconds}s"
  # -rss_limit_mb and -max_len keep one input from eating the shared machine; -timeout flags a hang.
  "$bin" "$work" "Fuzz/corpus/$target" "${dict[@]}" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes/" 2>&1 | grep -E '^(#[0-9]+.*(DONE|pulse|INITED)|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|invariant|Fatal|.*crash-|.*timeout-|.*oom-|Test unit written)' | tail -20
  local status=${PIPESTATUS[0]}
  if [ "$status" -ne 0 ]; then echo "fuzz: $target FAILED (status $status); see $crashes"; return 1; fi
  echo "fuzz: $target ok"
}

case "${1:-}" in
  list) printf '%s\n' "${targets[@]}" ;;
  build) build ;;
  all)
    [ $# -eq 2 ] || usage
    build || exit 1
    failed=0
    for t in "${targets[@]}"; do run "$t" "$2" || failed=1; done
    exit $failed ;;
  "") usage ;;
  *)
    [ $# -eq 2 ] || usage
    printf '%s\n' "${targets[@]}" | grep -qx "$1" || { echo "fuzz: unknown target $1 (scripts/fuzz.sh list)"; exit 2; }
    [ "${FUZZ_NO_BUILD:-}" = 1 ] || build || exit 1
    run "$1" "$2" ;;
esac
