#!/usr/bin/env bash
# xfc against ONNX Runtime (CPU execution provider, the npm package
# onnxruntime-node) and PyTorch eager on the seed model at B=1 S=T=128 and
# B=4 S=T=256: fp32, 2 threads (or $THREADS), the same weights and inputs,
# the engines alternated in each of $ROUNDS rounds (5) of $REPS calls (5)
# after a warm-up; the median of the rounds' medians, and each round's
# ratio. ONNX Runtime runs the model bench/onnx_seed.py exports (checked
# against PyTorch there, and its logits against PyTorch's before timing).
# Then the same for the BERT-base-sized encoder (examples/bert_base.xf,
# random weights, bench/onnx_bert.py) at B=8 S=128 (rows padded to
# different lengths), xfc and ONNX Runtime both checked against PyTorch.
# Prints the CPU, the FMA peak measured in the same run and Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${XF_BUILD_DIR:-build}
T=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
REPS=${REPS:-5}
ORT_VERSION=1.31.1
W=$B/bench/ort
mkdir -p "$W"
source bench/common.sh
need_pytorch
med() { python3 -c "import statistics, sys; print(round(statistics.median(map(float, sys.argv[1:])), 2))" "$@"; }

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi
# The package carries ONNX Runtime's CPU binaries; its install script would
# download GPU ones, which nothing here uses.
if [ ! -d "$W/npm/node_modules/onnxruntime-node" ]; then
  npm install --prefix "$W/npm" --ignore-scripts --no-audit --no-fund \
    "onnxruntime-node@$ORT_VERSION" >/dev/null
fi
export NODE_PATH=$W/npm/node_modules

"$B/bin/xfc" examples/seed_transformer.xf -o "$W/seed"
clang-19 -O2 -mavx512f -mfma bench/fma_peak.c -o "$W/fma_peak" -lpthread
PEAK=$("$W/fma_peak" "$T" 5 | json gflops)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs) (LLVM: $(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['cpu'])" "$W/seed/seed_transformer.json")); $T threads; FMA peak (bench/fma_peak.c, same run): $PEAK GFLOP/s; ONNX Runtime $ORT_VERSION (onnxruntime-node); PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
echo
echo "| seed forward, median of $ROUNDS rounds' medians ($REPS calls) | xfc ms | ONNX Runtime ms | PyTorch eager ms | xfc speedup vs ONNX Runtime (per round) | vs PyTorch |"
echo "|---|---|---|---|---|---|"
for cfg in "1 128" "4 256"; do
  set -- $cfg
  D="$W/in_b$1_s$2"
  /usr/bin/python3 bench/make_inputs.py "$D" --batch "$1" --src_len "$2" --tgt_len "$2" >/dev/null
  /usr/bin/python3 bench/onnx_seed.py "$D"
  xs=(); os=(); ps=(); ratios=()
  for _ in $(seq "$ROUNDS"); do
    x=$("$B/bin/xf-bench" "$W/seed" --weights "$D/weights.safetensors" \
      --input src=@"$D/src.npy" --input tgt=@"$D/tgt.npy" --reps "$REPS" --threads "$T" | json median_ms)
    o=$(node bench/ort_run.js "$D" --threads "$T" --reps "$REPS" | json median_ms)
    p=$(/usr/bin/python3 bench/pytorch_seed.py "$D" --threads "$T" --reps "$REPS" | json median_ms)
    xs+=("$x"); os+=("$o"); ps+=("$p")
    ratios+=("$(python3 -c "print(round($o / $x, 2))")")
  done
  x=$(med "${xs[@]}"); o=$(med "${os[@]}"); p=$(med "${ps[@]}")
  echo "| B=$1 S=T=$2 | $x | $o | $p | $(python3 -c "print(round($o / $x, 2))")x ($(IFS=,; echo "${ratios[*]}" | sed 's/,/, /g')) | $(python3 -c "print(round($p / $x, 2))")x |"
done

# BERT-base-sized encoder, B=8 S=128 ($BERT_BATCH, $BERT_LEN).
D="$W/bert_b${BERT_BATCH:-8}_s${BERT_LEN:-128}"
/usr/bin/python3 bench/onnx_bert.py "$D" --batch "${BERT_BATCH:-8}" --len "${BERT_LEN:-128}"
"$B/bin/xfc" examples/bert_base.xf -o "$W/bert"
"$B/bin/xf-run" "$W/bert" --weights "$D/weights.safetensors" --input ids=@"$D/ids.npy" \
  --output hidden=@"$D/xfc_hidden.npy" >/dev/null
# xfc against PyTorch on the real tokens (a padded row's padding positions
# are not a model output anyone reads).
err=$(/usr/bin/python3 -c "
import sys, numpy as np
d = sys.argv[1]
ids, ref, got = (np.load(f'{d}/{n}.npy') for n in ('ids', 'torch_hidden', 'xfc_hidden'))
real = ids != 0
print(f'{np.abs(got - ref)[real].max() / np.abs(ref[real]).max():.2e}')" "$D")
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 1e-4 else 1)" "$err" ||
  { echo "ort.sh: xfc's BERT hidden states differ from PyTorch's by $err" >&2; exit 1; }
echo
echo "| BERT-base encoder (d 768, 12 layers), median of $ROUNDS rounds' medians ($REPS calls) | xfc ms | ONNX Runtime ms | xfc speedup vs ONNX Runtime (per round) | xfc vs PyTorch (real tokens) |"
echo "|---|---|---|---|---|"
xs=(); os=(); ratios=()
for _ in $(seq "$ROUNDS"); do
  x=$("$B/bin/xf-bench" "$W/bert" --weights "$D/weights.safetensors" \
    --input ids=@"$D/ids.npy" --reps "$REPS" --threads "$T" | json median_ms)
  o=$(node bench/ort_run.js "$D" --model bert.onnx --inputs ids --output hidden \
    --expected torch_hidden.npy --threads "$T" --reps "$REPS" | json median_ms)
  xs+=("$x"); os+=("$o")
  ratios+=("$(python3 -c "print(round($o / $x, 2))")")
done
x=$(med "${xs[@]}"); o=$(med "${os[@]}")
echo "| B=${BERT_BATCH:-8} S=${BERT_LEN:-128} | $x | $o | $(python3 -c "print(round($o / $x, 2))")x ($(IFS=,; echo "${ratios[*]}" | sed 's/,/, /g')) | $err |"
