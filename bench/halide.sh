#!/usr/bin/env bash
# The Halide kernels against the MLIR kernels, in one run on this machine,
# fp32, 2 threads (or $THREADS), backends alternated per benchmark: the
# largest linear layer ([1024, 512] · [2048, 512]ᵀ, median of 50),
# attention (heads 8, d_k 64, padding mask; S = 512 and 2048), the seed's
# LayerNorm with its residual (1024 rows of 512), and the seed model's
# forward at B=1 S=T=128 and B=4 S=T=256; each for `--kernels=mlir`,
# `--kernels=halide` (the hand-written schedules in halide/) and
# `--kernels=halide --halide-autoschedule` (Mullapudi2016), with the FMA
# peak bench/fma_peak.c measures in the same run; then the seed model's
# compile time per backend (median of 3). Prints Markdown tables. Run
# alone after scripts/setup.sh, or with bench/run.sh's PyTorch set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${XF_BUILD_DIR:-build}
T=${THREADS:-2}
W=$B/bench/halide
mkdir -p "$W"
source bench/common.sh
py=/usr/bin/python3
BACKENDS=(mlir halide auto)
flags() {
  case $1 in
    mlir) echo "--kernels=mlir" ;;
    halide) echo "--kernels=halide" ;;
    auto) echo "--kernels=halide --halide-autoschedule" ;;
  esac
}
gf() { python3 -c "print(round($1 / $2 / 1e6, 1))"; }  # flops, ms -> GFLOP/s

# Compile each benchmark once per backend.
for b in "${BACKENDS[@]}"; do
  "$B/bin/xfc" bench/linear.mlir -o "$W/linear_$b" $(flags "$b")
  "$B/bin/xfc" bench/attention.mlir -o "$W/attention_$b" $(flags "$b")
  "$B/bin/xfc" bench/layer_norm.mlir -o "$W/layer_norm_$b" $(flags "$b")
  "$B/bin/xfc" examples/seed_transformer.xf -o "$W/seed_$b" $(flags "$b")
done

clang-19 -O2 -mavx512f -mfma bench/fma_peak.c -o "$W/fma_peak" -lpthread
PEAK=$("$W/fma_peak" "$T" 5 | json gflops)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) (LLVM: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['cpu'])" "$W/seed_mlir/seed_transformer.json")); $T threads; FMA peak (bench/fma_peak.c, same run): $PEAK GFLOP/s"
echo
echo "| benchmark | MLIR kernels | Halide, hand schedules | Halide, autoscheduled | Halide / MLIR time (hand; auto) |"
echo "|---|---|---|---|---|"

# One row: $1 label, $2 flops (0: none), then "backend ms" pairs.
row() {
  local label=$1 flops=$2; shift 2
  declare -A ms
  while (($#)); do ms[$1]=$2; shift 2; done
  cell() {
    if [ "$flops" != 0 ]; then
      local g; g=$(gf "$flops" "${ms[$1]}")
      echo "${ms[$1]} ms ($g GFLOP/s, $(python3 -c "print(round(100 * $g / $PEAK))")% of peak)"
    else
      echo "${ms[$1]} ms"
    fi
  }
  echo "| $label | $(cell mlir) | $(cell halide) | $(cell auto) | $(python3 -c "print(f'{${ms[halide]} / ${ms[mlir]}:.2f}x; {${ms[auto]} / ${ms[mlir]}:.2f}x')") |"
}

# The largest linear layer.
$py - "$W" <<'PY'
import json, struct, sys
import numpy as np
d = sys.argv[1]
w = np.random.default_rng(0).standard_normal((2048, 512)).astype("<f4")
h = json.dumps({"w": {"dtype": "F32", "shape": [2048, 512], "data_offsets": [0, w.nbytes]}}).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open(f"{d}/w.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + w.tobytes())
open(f"{d}/none.safetensors", "wb").write(struct.pack("<Q", 8) + b"{}      ")
r = np.random.default_rng(1)
np.save(f"{d}/x.npy", r.standard_normal((1024, 512)).astype("<f4"))
np.save(f"{d}/r.npy", r.standard_normal((1024, 512)).astype("<f4"))
PY
args=()
for b in "${BACKENDS[@]}"; do
  args+=("$b" "$("$B/bin/xf-bench" "$W/linear_$b" --weights "$W/w.safetensors" \
    --input x=@"$W/x.npy" --reps 50 --threads "$T" | json median_ms)")
done
row "linear [1024,512]·[2048,512]ᵀ, median of 50" $((2 * 1024 * 2048 * 512)) "${args[@]}"

# Attention with a padding mask.
for S in 512 2048; do
  mkdir -p "$W/s$S"
  $py bench/make_attention_inputs.py "$W/s$S" "$S"
  args=()
  for b in "${BACKENDS[@]}"; do
    args+=("$b" "$("$B/bin/xf-bench" "$W/attention_$b" --weights "$W/s$S/none.safetensors" \
      --input q=@"$W/s$S/q.npy" --input k=@"$W/s$S/k.npy" --input v=@"$W/s$S/v.npy" \
      --input ids=@"$W/s$S/ids.npy" --reps 5 --threads "$T" | json median_ms)")
  done
  row "attention, heads 8, d_k 64, S=$S, padding, median of 5" $((4 * S * S * 64 * 8)) "${args[@]}"
done

# LayerNorm with its residual: memory-bound (3 × 2 MiB per call).
args=()
for b in "${BACKENDS[@]}"; do
  args+=("$b" "$("$B/bin/xf-bench" "$W/layer_norm_$b" --weights "$W/none.safetensors" \
    --input x=@"$W/x.npy" --input r=@"$W/r.npy" --reps 50 --threads "$T" | json median_ms)")
done
row "LayerNorm + residual, 1024 rows of 512, median of 50" 0 "${args[@]}"

# The seed model end to end.
for cfg in "1 128" "4 256"; do
  set -- $cfg
  D="$W/in_b$1_s$2"
  $py bench/make_inputs.py "$D" --batch "$1" --src_len "$2" --tgt_len "$2" >/dev/null
  args=()
  for b in "${BACKENDS[@]}"; do
    args+=("$b" "$("$B/bin/xf-bench" "$W/seed_$b" --weights "$D/weights.safetensors" \
      --input src=@"$D/src.npy" --input tgt=@"$D/tgt.npy" --reps 5 --threads "$T" | json median_ms)")
  done
  row "seed forward B=$1 S=T=$2, median of 5" 0 "${args[@]}"
done

# Compile time of the seed model (d_model 512, 6+6 layers), median of 3,
# backends alternated.
declare -A times
for _ in 1 2 3; do
  for b in "${BACKENDS[@]}"; do
    start=$(date +%s.%N)
    "$B/bin/xfc" examples/seed_transformer.xf -o "$W/seed_$b" $(flags "$b")
    times[$b]="${times[$b]:-} $(python3 -c "print($(date +%s.%N) - $start)")"
  done
done
med() { python3 -c "import statistics, sys; print(round(statistics.median(map(float, sys.argv[1:])), 2))" $1; }
echo "| compile the seed model to a .so, median of 3 | $(med "${times[mlir]}") s | $(med "${times[halide]}") s | $(med "${times[auto]}") s | $(python3 -c "print(f'{$(med "${times[halide]}") / $(med "${times[mlir]}"):.2f}x; {$(med "${times[auto]}") / $(med "${times[mlir]}"):.2f}x')") |"
