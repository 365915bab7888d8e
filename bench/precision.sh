#!/usr/bin/env bash
# Reduced precision, one run on this machine, 2 threads (or $THREADS): fp32,
# bf16 and int8 libraries (xfc --precision) alternated in each of $ROUNDS
# rounds (default 5), the median of the rounds' medians: the seed model's
# largest linear layer (d_model 512 -> d_ff 2048) at 128 rows (100 calls)
# and at 1 row (a generation step's shape, 200 calls), the seed forward at
# B=1 S=T=128, and the seed's cached generation step at context 128. Names
# the CPU, its bf16/VNNI instructions and the FMA peak measured now. Prints
# a Markdown table. Accuracy is measured by the e2e tests (PrecisionTest).
set -euo pipefail
cd "$(dirname "$0")/.."
B=${XF_BUILD_DIR:-build}
T=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
W=$B/bench/precision
mkdir -p "$W"
source bench/common.sh
median() { python3 -c "import statistics, sys; print(round(statistics.median(map(float, sys.argv[1:])), 3))" "$@"; }
py=/usr/bin/python3

clang-19 -O2 -mavx512f -mfma bench/fma_peak.c -o "$W/fma_peak" -lpthread
flags=$(grep -m1 '^flags' /proc/cpuinfo)
has() { [[ " $flags " == *" $1 "* ]] && echo yes || echo no; }
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); avx512_vnni: $(has avx512_vnni)," \
  "avx512_bf16: $(has avx512_bf16); FMA peak ($T threads): $("$W/fma_peak" "$T" 5 | json gflops) GFLOP/s"
echo

P=(fp32 bf16 int8)
for p in "${P[@]}"; do
  rm -rf "$W/linear_$p" "$W/seed_$p"
  "$B/bin/xfc" bench/linear.mlir --precision="$p" -o "$W/linear_$p"
  "$B/bin/xfc" examples/seed_transformer.xf --precision="$p" -o "$W/seed_$p"
done
$py bench/make_inputs.py "$W/in" --batch 1 --src_len 128 --tgt_len 128 >/dev/null
$py - "$W" <<'PY'
import json, struct, sys
import numpy as np
w = sys.argv[1]
rng = np.random.default_rng(0)
weight = rng.uniform(-1, 1, (2048, 512)).astype(np.float32) / np.sqrt(512)
header = json.dumps({"w": {"dtype": "F32", "shape": [2048, 512], "data_offsets": [0, weight.nbytes]}}).encode()
header += b" " * (-len(header) % 8)
with open(f"{w}/linear.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header + weight.tobytes())
for rows in (1, 128):
    np.save(f"{w}/x{rows}.npy", rng.standard_normal((rows, 512)).astype(np.float32))
PY

declare -A t
for _ in $(seq "$ROUNDS"); do
  for p in "${P[@]}"; do
    for rows in 128 1; do
      reps=$((rows == 1 ? 200 : 100))
      t[lin$rows$p]+=" $("$B/bin/xf-bench" "$W/linear_$p" --weights "$W/linear.safetensors" \
        --input x=@"$W/x$rows.npy" --reps "$reps" --threads "$T" | json median_ms)"
    done
    t[fwd$p]+=" $("$B/bin/xf-bench" "$W/seed_$p" --weights "$W/in/weights.safetensors" \
      --input src=@"$W/in/src.npy" --input tgt=@"$W/in/tgt.npy" --reps 10 --threads "$T" | json median_ms)"
    t[gen$p]+=" $("$B/bin/xf-bench" "$W/seed_$p" --weights "$W/in/weights.safetensors" \
      --input src=@"$W/in/src.npy" --generate-context 128 --reps 20 --threads "$T" | json step_median_ms)"
  done
done

row() { # name key
  local f b i
  f=$(median ${t[$2fp32]}); b=$(median ${t[$2bf16]}); i=$(median ${t[$2int8]})
  echo "| $1 | $f | $b | $(python3 -c "print(round($f / $b, 2))")x | $i | $(python3 -c "print(round($f / $i, 2))")x |"
}
echo "| benchmark (median ms, $T threads) | fp32 | bf16 | bf16 speedup | int8 | int8 speedup |"
echo "|---|---|---|---|---|---|"
row "largest linear layer (512 -> 2048), 128 rows" lin128
row "largest linear layer (512 -> 2048), 1 row" lin1
row "seed forward B=1 S=T=128" fwd
row "seed generation step, context 128" gen
