#!/usr/bin/env bash
# The README's main command: set up, build, and run the main job.
#
# Until codegen lands, the main job compiles the seed Transformer
# (examples/seed_transformer.xf) to unfused xf IR, and runs it with the xf
# interpreter on PyTorch-made reference data (tests/data/seed_small: a small
# configuration of the same architecture), checking the logits match.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
B=${XF_BUILD_DIR:-build}
DATA=tests/data/seed_small
SMALL=(--set d_model=32 --set d_ff=64 --set heads=4 --set d_k=8 --set d_v=8
       --set layers=2 --set max_len=64)

echo "== xfc: the seed Transformer (default hyperparameters) as unfused xf IR"
"$B/tools/xfc/xfc" examples/seed_transformer.xf -o "$B/seed_transformer.mlir"
echo "ops in @forward:"
sed -n '/func.func @forward/,/return/p' "$B/seed_transformer.mlir" |
  grep -o ' xf\.[a-z_]*' | sort | uniq -c | sort -rn

for c in padded length1 allpad; do
  echo "== xf-run --interpret, case $c"
  "$B/tools/xf-run/xf-run" examples/seed_transformer.xf "${SMALL[@]}" --interpret \
    --weights $DATA/weights.safetensors \
    --input src=@$DATA/${c}_src.npy --input tgt=@$DATA/${c}_tgt.npy \
    --output logits=@"$B/${c}_logits.npy"
  python3 scripts/compare_npy.py "$B/${c}_logits.npy" $DATA/${c}_logits.npy 1e-5
done
