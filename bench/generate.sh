#!/usr/bin/env bash
# Generation benchmarks, one run on this machine, fp32, B=1, 2 threads (or
# $THREADS), engines alternated per context: per-token step latency at
# context 16, 128 and 512 of the cached step (xf-bench --generate-context),
# the recompute path without a cache (the seed's `decode` on the whole
# prefix; GPT-2's `forward` on it) and PyTorch eager with its own key/value
# cache (bench/pytorch_generate.py), for the seed model at its defaults
# (32-token source) and a GPT-2 small-sized model (d_model 768, 12 layers,
# random weights); each cached step against the roofline: bytes it must
# read (weights + caches) / the triad bandwidth bench/stream_triad.c
# measures in the same run (DRAM), and / the read-only bandwidth
# bench/read_bandwidth.c measures over an array of the step's size (its
# median pass; a cache level where the weights fit in one: the bound a
# warm step meets). Then a whole greedy generation of 128 tokens, cached
# vs the encode + per-step decode loop (bench/greedy_e2e.c). Prints
# Markdown tables. Run by bench/run.sh, or alone after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${XF_BUILD_DIR:-build}
T=${THREADS:-2}
W=$B/bench/generate
mkdir -p "$W"
source bench/common.sh
need_pytorch
py=/usr/bin/python3

cc -O2 -fopenmp bench/stream_triad.c -o "$W/stream_triad"
BW=$("$W/stream_triad" "$T" | json triad_gb_per_s)
cc -O2 -mavx2 -fopenmp bench/read_bandwidth.c -o "$W/read_bandwidth"
# The read bandwidth over MB megabytes, GB/s.
readbw() { "$W/read_bandwidth" "$T" "$1" | json read_gb_per_s; }
# "roofline ms (x)" for a step of $1 ms reading $2 MB at $3 GB/s.
roofline() { python3 -c "r = $2 / $3; print(f'{r:.2f} ({$1 / r:.2f}x)')"; }
clang-19 -O2 -mavx512f -mfma bench/fma_peak.c -o "$W/fma_peak" -lpthread
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), L3 $(lscpu | awk -F: '/L3 cache/{print $2}' | xargs); memory bandwidth" \
  "(STREAM-like triad, $T threads): $BW GB/s; FMA peak: $("$W/fma_peak" "$T" 5 | json gflops) GFLOP/s"
echo
echo "| model, context | cached step ms | MB read | roofline ms at the triad's GB/s (step ×) | read GB/s over MB (median pass) | roofline ms at it (step ×) | recompute ms | speedup | PyTorch eager + cache ms | speedup |"
echo "|---|---|---|---|---|---|---|---|---|---|"

# The seed model at its defaults; decoder bytes per step: its weights but
# the cross-attention key/value projections (applied once, by encode), the
# self caches up to the context and the cross caches of the 32-token source.
"$B/bin/xfc" examples/seed_transformer.xf -o "$W/seed"
$py bench/make_inputs.py "$W/seed_in" --batch 1 --src_len 32 --tgt_len 16 >/dev/null
"$B/bin/xf-run" "$W/seed" --entry encode --weights "$W/seed_in/weights.safetensors" \
  --input src=@"$W/seed_in/src.npy" --output memory=@"$W/seed_in/memory.npy" 2>/dev/null
seed_mb() { python3 -c "
d, f, L, S, C = 512, 2048, 6, 32, $1
w = L * (6 * d * d + 2 * d * f) + 9 * d
kv = L * 2 * d * (C + S)
print(round(4 * (w + kv) / 1e6, 1))"; }
for C in 16 128 512; do
  $py bench/make_inputs.py "$W/seed_t$C" --batch 1 --src_len 32 --tgt_len "$C" >/dev/null
  ours=$("$B/bin/xf-bench" "$W/seed" --weights "$W/seed_in/weights.safetensors" \
    --input src=@"$W/seed_in/src.npy" --generate-context "$C" --reps 20 --threads "$T" | json step_median_ms)
  old=$("$B/bin/xf-bench" "$W/seed" --entry decode --weights "$W/seed_in/weights.safetensors" \
    --input tgt=@"$W/seed_t$C/tgt.npy" --input memory=@"$W/seed_in/memory.npy" \
    --input src=@"$W/seed_in/src.npy" --reps 10 --threads "$T" | json median_ms)
  torch=$($py bench/pytorch_generate.py seed "$W/seed_in" --context "$C" --threads "$T" --reps 10 | json step_median_ms)
  mb=$(seed_mb "$C")
  rb=$(readbw "$mb")
  echo "| seed (d_model 512, 6 layers), $C | $ours | $mb | $(roofline "$ours" "$mb" "$BW") | $rb | $(roofline "$ours" "$mb" "$rb") | $old | $(python3 -c "print(round($old / $ours, 1))")x | $torch | $(python3 -c "print(round($torch / $ours, 1))")x |"
done

# GPT-2 small's sizes, random weights: every weight is read per step (the
# tied embedding as the head; one row of each position table).
"$B/bin/xfc" examples/gpt2_small.xf -o "$W/gpt2"
$py bench/make_inputs.py "$W/gpt2_in" --model gpt2 --d_model 768 --d_ff 3072 --heads 12 --layers 12 >/dev/null
gpt2_mb() { python3 -c "
d, f, L, V, C = 768, 3072, 12, 50257, $1
w = L * (4 * d * d + 2 * d * f + 4 * d + 2 * d + f + 4 * d) + V * d + 2 * d
kv = L * 2 * d * C
print(round(4 * (w + kv) / 1e6, 1))"; }
for C in 16 128 512; do
  $py bench/make_inputs.py "$W/ids_$C" --batch 1 --src_len 1 --tgt_len "$((C + 1))" --d_model 8 --d_ff 8 \
    --heads 1 --d_k 8 --d_v 8 --layers 1 >/dev/null
  ours=$("$B/bin/xf-bench" "$W/gpt2" --weights "$W/gpt2_in/weights.safetensors" \
    --generate-context "$C" --reps 10 --threads "$T" | json step_median_ms)
  old=$("$B/bin/xf-bench" "$W/gpt2" --weights "$W/gpt2_in/weights.safetensors" \
    --input ids=@"$W/ids_$C/tgt.npy" --reps 5 --threads "$T" | json median_ms)
  torch=$($py bench/pytorch_generate.py gpt2 "$W/gpt2_in" --context "$C" --threads "$T" --reps 10 \
    --d_model 768 --heads 12 --layers 12 | json step_median_ms)
  mb=$(gpt2_mb "$C")
  rb=$(readbw "$mb")
  echo "| GPT-2 small size (d_model 768, 12 layers), $C | $ours | $mb | $(roofline "$ours" "$mb" "$BW") | $rb | $(roofline "$ours" "$mb" "$rb") | $old | $(python3 -c "print(round($old / $ours, 1))")x | $torch | $(python3 -c "print(round($torch / $ours, 1))")x |"
done

# A whole greedy generation of 128 tokens. The cached path reads the
# decoder's weights once per token, so its floor is 128 x the bytes of a
# step at the mean context (64) / the read bandwidth, measured just before
# and after the run (their mean): the recompute loop over that floor is the
# most any cached path could gain at the machine's bandwidth of the moment.
cc -O2 -I "$B/include" bench/greedy_e2e.c -L "$W/seed" -lseed_transformer \
  -Wl,-rpath,"$PWD/$W/seed" -o "$W/greedy_e2e"
mb=$(seed_mb 64)
before=$(readbw "$mb")
e2e=$("$W/greedy_e2e" "$W/seed/libseed_transformer.so" "$W/seed_in/weights.safetensors" 128 32 5 "$T" 2>/dev/null)
after=$(readbw "$mb")
recompute=$(echo "$e2e" | json recompute_ms)
floor=$(python3 -c "print(round(128 * $mb / (($before + $after) / 2), 1))")
echo
echo "| seed, greedy generation of 128 tokens (32-token source), median of 5 | cached | encode + per-step decode | speedup | read GB/s over $mb MB, before / after | cached floor at their mean, ms | recompute / floor |"
echo "|---|---|---|---|---|---|---|"
echo "| end to end ms | $(echo "$e2e" | json cached_ms) | $recompute | $(echo "$e2e" | json speedup)x | $before / $after | $floor | $(python3 -c "print(round($recompute / $floor, 1))")x |"
