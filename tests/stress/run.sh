#!/usr/bin/env bash
# Compiles the small seed model with XFC and runs STRESS_BIN on it (8
# threads, SECONDS seconds). Usage: run.sh XFC STRESS_BIN SOURCE_DIR OUT [SECONDS]
set -euo pipefail
XFC=$1 BIN=$2 SRC=$3 OUT=$4 SECONDS_=${5:-5}
"$XFC" "$SRC/examples/seed_transformer.xf" --set d_model=32 --set d_ff=64 \
  --set heads=4 --set d_k=8 --set d_v=8 --set layers=2 --set max_len=64 -o "$OUT"
"$BIN" "$OUT/libseed_transformer.so" "$SRC/tests/data/seed_small/weights.safetensors" 8 "$SECONDS_"
