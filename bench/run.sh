#!/usr/bin/env bash
# The benchmark suite, in one run on this machine, fp32, 2 threads (or
# $THREADS): the compiled seed model against PyTorch eager at B=1, S=T=128
# and B=4, S=T=256, and one greedy decoding step; the largest linear layer
# against OpenBLAS sgemm and the FMA peak (measured in the same run by
# bench/fma_peak.c, and the nominal one: FMA flops per cycle of the CPU the
# seed library was compiled for × the measured clock), and compiled for
# AVX2 machines (--cpu=x86-64-v3) run on this one; the seed model's
# compile time; attention (heads 8,
# d_k 64) fused vs --no-fuse=attention vs PyTorch at S = 128, 512, 2048, 8192
# with a padding mask and at S = 512, 2048 with padding ∪ causal (time and
# peak memory); generation (bench/generate.sh). Prints Markdown tables.
# Needs Debian's python3-torch and OpenBLAS, which it installs if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null
source bench/common.sh
need_pytorch
B=${XF_BUILD_DIR:-build}
T=${THREADS:-2}
REPS=${REPS:-5}
W=$B/bench
mkdir -p "$W"

echo "| benchmark | xfc | reference | speedup (reference / xfc) |"
echo "|---|---|---|---|"

# 1. Compile time of the default seed model: the median of 3 compiles.
times=()
for _ in 1 2 3; do
  start=$(date +%s.%N)
  "$B/bin/xfc" examples/seed_transformer.xf -o "$W/seed"
  times+=("$(python3 -c "print($(date +%s.%N) - $start)")")
done
compile=$(python3 -c "import statistics, sys; print(round(statistics.median(map(float, sys.argv[1:])), 2))" "${times[@]}")
echo "| compile seed model (d_model 512, 6+6 layers) to .so, median of 3 | ${compile} s | target 5 s | |"

# 2. The seed model end to end.
for cfg in "1 128" "4 256"; do
  set -- $cfg
  D="$W/in_b$1_s$2"
  /usr/bin/python3 bench/make_inputs.py "$D" --batch "$1" --src_len "$2" --tgt_len "$2"
  ours=$("$B/bin/xf-bench" "$W/seed" --weights "$D/weights.safetensors" \
    --input src=@"$D/src.npy" --input tgt=@"$D/tgt.npy" --reps "$REPS" --threads "$T" | json median_ms)
  theirs=$(/usr/bin/python3 bench/pytorch_seed.py "$D" --threads "$T" --reps "$REPS" | json median_ms)
  ratio=$(python3 -c "print(round($theirs / $ours, 2))")
  echo "| seed forward B=$1 S=T=$2, median ms | $ours | PyTorch eager $theirs | ${ratio}x |"
done

# 2b. One step of greedy decoding, as a translator calls it: `decode` on a
# 16-token prefix given the encoder's output for a 32-token source (the
# same memory for both, computed by the compiled `encode`).
D="$W/decode_s32_t16"
/usr/bin/python3 bench/make_inputs.py "$D" --batch 1 --src_len 32 --tgt_len 16
"$B/bin/xf-run" "$W/seed" --entry encode --weights "$D/weights.safetensors" \
  --input src=@"$D/src.npy" --output memory=@"$D/memory.npy"
ours=$("$B/bin/xf-bench" "$W/seed" --entry decode --weights "$D/weights.safetensors" \
  --input tgt=@"$D/tgt.npy" --input memory=@"$D/memory.npy" --input src=@"$D/src.npy" \
  --reps 20 --threads "$T" | json median_ms)
theirs=$(/usr/bin/python3 bench/pytorch_seed.py "$D" --entry decode --threads "$T" --reps 20 | json median_ms)
echo "| seed decode step B=1 S=32 T=16, median ms of 20 | $ours | PyTorch eager $theirs | $(python3 -c "print(round($theirs / $ours, 2))")x |"

# 3. The largest linear layer: [1024, 512] · [2048, 512]ᵀ.
L="$W/linear"
"$B/bin/xfc" bench/linear.mlir -o "$L"
/usr/bin/python3 - "$L" <<'PY'
import json, struct, sys
import numpy as np
d = sys.argv[1]
w = np.random.default_rng(0).standard_normal((2048, 512)).astype("<f4")
h = json.dumps({"w": {"dtype": "F32", "shape": [2048, 512], "data_offsets": [0, w.nbytes]}}).encode()
h += b" " * ((8 - len(h) % 8) % 8)
open(f"{d}/w.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + w.tobytes())
np.save(f"{d}/x.npy", np.random.default_rng(1).standard_normal((1024, 512)).astype("<f4"))
PY
linear=$("$B/bin/xf-bench" "$L" --weights "$L/w.safetensors" --input x=@"$L/x.npy" \
  --reps 50 --threads "$T")
ours=$(echo "$linear" | json median_ms)
ours_min=$(echo "$linear" | json min_ms)
cc -O2 bench/sgemm_openblas.c -o "$W/sgemm" -I/usr/include/x86_64-linux-gnu/openblas-pthread \
  -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas -Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-pthread
clang-19 -O2 -mavx512f -mfma bench/fma_peak.c -o "$W/fma_peak" -lpthread
fma=$("$W/fma_peak" "$T" 5)   # measured now, same threads
PEAK=$(echo "$fma" | json gflops)
GHZ=$(echo "$fma" | json ghz)
# fp32 FMA flops per cycle per core (lanes x 2 x FMA pipes) of the CPUs with
# AVX-512 that LLVM names; the CPU is the one xfc compiled the seed for.
CPU=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['cpu'])" "$W/seed/seed_transformer.json")
case "$CPU" in
  znver4|tigerlake|icelake-client|cannonlake) FLOPS=32 ;;  # one 512-bit FMA per cycle (Zen 4: two 256-bit pipes)
  znver5|skylake-avx512|cascadelake|cooperlake|icelake-server|sapphirerapids|emeraldrapids|graniterapids) FLOPS=64 ;;
  rocketlake) FLOPS=64 ;;  # the VMs LLVM names so here measured 140-175 GFLOP/s per core, above one port's 121
  *) FLOPS="" ;;
esac
blas=$("$W/sgemm" 1024 2048 512 "$T" 20)
blas_ms=$(echo "$blas" | json median_ms)
blas_gf=$(echo "$blas" | json gflops)
ours_gf=$(python3 -c "print(round(2 * 1024 * 2048 * 512 / $ours / 1e6, 1))")
pct=$(python3 -c "print(round(100 * $ours_gf / $PEAK, 1))")
if [ -n "$FLOPS" ]; then
  NOMINAL=$(python3 -c "print(round($FLOPS * $GHZ * $T, 1))")
  nominal="$(python3 -c "print(round(100 * $ours_gf / $NOMINAL, 1))")% of the nominal $NOMINAL = $FLOPS flops/cycle × $GHZ GHz × $T cores, $CPU"
else
  nominal="no nominal peak known for CPU $CPU"
fi
echo "| linear 1024x512 · (2048x512)ᵀ, median ms (min) | $ours ($ours_gf GFLOP/s; min $ours_min) | OpenBLAS $blas_ms ($blas_gf GFLOP/s) | $(python3 -c "print(round($blas_ms / $ours, 2))")x |"
echo "| the same against the FMA peak | $pct% of $PEAK GFLOP/s measured by bench/fma_peak.c ($nominal) | | |"
# The same layer compiled for AVX2 machines (x86-64-v3: the kernel's
# AVX2 tiling, KernelConfig.h), run here.
"$B/bin/xfc" bench/linear.mlir --cpu=x86-64-v3 -o "$L/avx2"
avx2=$("$B/bin/xf-bench" "$L/avx2" --weights "$L/w.safetensors" --input x=@"$L/x.npy" \
  --reps 50 --threads "$T" | json median_ms)
avx2_gf=$(python3 -c "print(round(2 * 1024 * 2048 * 512 / $avx2 / 1e6, 1))")
echo "| the same compiled --cpu=x86-64-v3 (AVX2), median ms | $avx2 ($avx2_gf GFLOP/s) | this CPU's own build $ours | $(python3 -c "print(round($ours / $avx2, 2))")x |"

# 4. Attention: fused (flash-style kernel) vs unfused xfc vs PyTorch eager,
# with the padding mask (bench/attention.mlir) and with padding ∪ causal
# (bench/attention_causal.mlir, the decoder's), on the same inputs.
A="$W/attention"
for model in attention attention_causal; do
  "$B/bin/xfc" "bench/$model.mlir" -o "$A/$model/fused"
  "$B/bin/xfc" "bench/$model.mlir" -o "$A/$model/unfused" --no-fuse=attention
done
echo
echo "| attention, heads 8, d_k 64, B=1 | mask | fused xfc ms (peak RSS MB) | unfused xfc ms (MB) | PyTorch eager ms (MB) | fused speedup vs unfused / PyTorch |"
echo "|---|---|---|---|---|---|"
runs=()
for S in ${ATTENTION_LENGTHS:-128 512 2048 8192}; do runs+=("attention $S"); done
for S in ${CAUSAL_LENGTHS:-512 2048}; do runs+=("attention_causal $S"); done
for S in $(printf "%s\n" "${runs[@]}" | cut -d" " -f2 | sort -un); do
  mkdir -p "$A/s$S"
  /usr/bin/python3 bench/make_attention_inputs.py "$A/s$S" "$S"
done
for run in "${runs[@]}"; do
  set -- $run
  model=$1 S=$2
  D="$A/s$S"
  reps=$([ "$S" -ge 4096 ] && echo 1 || echo 3)
  args=(--weights "$D/none.safetensors" --input q=@"$D/q.npy" --input k=@"$D/k.npy"
        --input v=@"$D/v.npy" --input ids=@"$D/ids.npy" --reps "$reps" --threads "$T")
  causal=(); mask=padding
  [ "$model" = attention_causal ] && causal=(--causal) && mask="padding ∪ causal"
  f=$("$B/bin/xf-bench" "$A/$model/fused" "${args[@]}")
  u=$("$B/bin/xf-bench" "$A/$model/unfused" "${args[@]}")
  p=$(/usr/bin/python3 bench/pytorch_attention.py "$D" --threads "$T" --reps "$reps" "${causal[@]}")
  fm=$(echo "$f" | json median_ms); um=$(echo "$u" | json median_ms); pm=$(echo "$p" | json median_ms)
  echo "| S=$S | $mask | $fm ($(echo "$f" | json peak_rss_mb)) | $um ($(echo "$u" | json peak_rss_mb)) | $pm ($(echo "$p" | json peak_rss_mb)) | $(python3 -c "print(round($um/$fm,1))")x / $(python3 -c "print(round($pm/$fm,1))")x |"
done

# 5. Generation: cached steps vs recompute vs PyTorch eager with a cache,
# against the memory roofline; a whole greedy generation.
echo
THREADS=$T bench/generate.sh
