#!/usr/bin/env bash
# Runs every libFuzzer target of the ASan build (scripts/sanitize.sh builds
# it) for SECONDS seconds each (default 30), from its seed corpus and
# dictionary, in a scratch corpus; a crash, leak, timeout or sanitizer
# report fails, and its input is left in build-asan/fuzz/<target>/ to
# become a regression test (tests/fuzz/regressions/<target>/).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
# XF_FUZZ_RUNS=N runs each target for N inputs instead (no time limit).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-30}
shift || true
A=${XF_ASAN_DIR:-build-asan}
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(description mlirgen safetensors npy manifest run_inputs mlir)
export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=1
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-22/bin/llvm-symbolizer
# run_inputs loads the small seed model, linked with the ASan runtime.
LIB=$A/fuzz/seed-small-$$ # per run: campaigns may run side by side
trap 'rm -rf "$LIB"' EXIT
if [[ " ${TARGETS[*]} " == *" run_inputs "* ]]; then
  "$A/bin/xfc" examples/seed_transformer.xf --set d_model=32 --set d_ff=64 \
    --set heads=4 --set d_k=8 --set d_v=8 --set layers=2 --set max_len=64 -o "$LIB"
fi
export XF_FUZZ_LIBRARY=$LIB/libseed_transformer.so
export XF_FUZZ_WEIGHTS=$PWD/tests/data/seed_small/weights.safetensors
limit=(-max_total_time="$SECONDS_EACH")
[[ -n ${XF_FUZZ_RUNS:-} ]] && limit=(-runs="$XF_FUZZ_RUNS")
for t in "${TARGETS[@]}"; do
  dict=tests/fuzz/json.dict
  [[ $t == description || $t == mlirgen ]] && dict=tests/fuzz/xf.dict
  [[ $t == run_inputs || $t == npy || $t == mlir ]] && dict=""
  work=$A/fuzz/$t
  rm -rf "$work" && mkdir -p "$work/corpus"
  seeds=$t
  [[ $t == mlirgen ]] && seeds=description
  cp tests/fuzz/corpus/$seeds/* "$work/corpus/"
  [[ -d tests/fuzz/regressions/$t ]] && cp tests/fuzz/regressions/$t/* "$work/corpus/" 2>/dev/null || true
  log=$work/log.txt
  if ! "$A/bin/xf-fuzz-$t" "$work/corpus" ${dict:+-dict=$dict} \
      "${limit[@]}" -timeout=20 -rss_limit_mb=4096 \
      -max_len=4096 -artifact_prefix="$work/" -print_final_stats=1 > "$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $t FAILED (input in $work/)"
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  echo "fuzz: $t: $runs runs, $cov, no crash, $(grep -o 'exec/s: [0-9]*' "$log" | tail -1)"
done
