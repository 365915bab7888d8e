#!/usr/bin/env bash
# The CUDA figures in the README, taken on a GPU machine where xfc itself is
# not installed. Here (with xfc): compile the libraries into build/gpu_dev:
#   bench/gpu/run_device.sh compile
# There (NumPy; PyTorch with CUDA for the comparison), from a copy of the
# repository with build/gpu_dev:
#   bench/gpu/run_device.sh measure
# Prints a markdown table: xfc (CUDA, sm_90) vs PyTorch eager on the GPU,
# median ms, achieved TFLOP/s of the model's matmuls and attention.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=${XF_BUILD_DIR:-build}
G=$B/gpu_dev
ARCH=${GPU_ARCH:-sm_90}
if [[ ${1:-} == compile ]]; then
  # Host code for any x86-64 (the GPU machine's CPU is not this one).
  X=("$B/bin/xfc" --target=cuda --gpu-arch="$ARCH" --cpu=x86-64-v2)
  "${X[@]}" examples/seed_transformer.xf -o "$G/seed"
  "${X[@]}" bench/attention.mlir -o "$G/attention"
  "${X[@]}" examples/seed_transformer.xf --set d_model=32 --set d_ff=64 \
    --set heads=4 --set d_k=8 --set d_v=8 --set layers=2 --set max_len=64 \
    -o "$G/seed_small"
  exit 0
fi
PY=${PYTHON:-python3}
REPS=${REPS:-20}
json() { $PY -c "import json,sys; print(json.loads(sys.stdin.read())['$1'])"; }
tflops() { $PY -c "print(round($1 / ($2 * 1e-3) / 1e12, 2))"; }  # FLOPS MS
DATA=tests/data/seed_small
echo "parity (compiled for CUDA vs PyTorch reference data, max|a-b|/max|ref|):"
for c in padded length1 allpad; do
  echo -n "  $c: "
  $PY bench/gpu/xf_run.py "$G/seed_small" --weights $DATA/weights.safetensors \
    --input src=$DATA/${c}_src.npy --input tgt=$DATA/${c}_tgt.npy \
    --reference $DATA/${c}_logits.npy | json max_rel_err
done
echo
echo "| CUDA ($(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)) | xfc ms | TFLOP/s | PyTorch eager ms | TFLOP/s |"
echo "|---|---|---|---|---|"
for cfg in "1 128" "4 256"; do
  set -- $cfg
  D=$G/in_b$1_s$2
  $PY bench/make_inputs.py "$D" --batch "$1" --src_len "$2" --tgt_len "$2" >/dev/null
  ours=$($PY bench/gpu/xf_run.py "$G/seed" --weights "$D/weights.safetensors" \
    --input src="$D/src.npy" --input tgt="$D/tgt.npy" --reps "$REPS" | json median_ms)
  theirs=$($PY bench/pytorch_seed.py "$D" --device cuda --reps "$REPS" | json median_ms)
  # Matmul + attention FLOPs of the seed model (d 512, ff 2048, 6+6 layers).
  flops=$($PY -c "
b,s,d,f,L=$1,$2,512,2048,6
enc=L*(2*b*s*d*d*4 + 2*b*s*d*f*2 + 2*2*b*s*s*d)
dec=L*(2*b*s*d*d*4 + 2*2*b*s*s*d + 2*b*s*d*d*4 + 2*2*b*s*s*d + 2*b*s*d*f*2)
print(enc+dec)")
  echo "| seed forward B=$1 S=T=$2 | $ours | $(tflops "$flops" "$ours") | $theirs | $(tflops "$flops" "$theirs") |"
done
for S in 512 2048; do
  D=$G/att_s$S
  mkdir -p "$D"
  $PY bench/make_attention_inputs.py "$D" "$S"
  ours=$($PY bench/gpu/xf_run.py "$G/attention" --weights "$D/none.safetensors" \
    --input q="$D/q.npy" --input k="$D/k.npy" --input v="$D/v.npy" \
    --input ids="$D/ids.npy" --reps "$REPS" | json median_ms)
  theirs=$($PY bench/pytorch_attention.py "$D" --device cuda --reps "$REPS" | json median_ms)
  flops=$((2 * 2 * 8 * S * S * 64))
  echo "| attention heads 8 d_k 64 S=$S (flash kernel) | $ours | $(tflops "$flops" "$ours") | $theirs | $(tflops "$flops" "$theirs") |"
done
