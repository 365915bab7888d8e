#!/usr/bin/env bash
# The README's main command: set up, build, and run the main job:
#  1. compile the seed Transformer (examples/seed_transformer.xf, with the
#     toy task's small hyperparameters) to a native library with xfc;
#  2. build the C translator (examples/translate) against it;
#  3. translate the notes' sentences greedily over a key/value cache, with
#     weights trained by scripts/train_seed.py, no Python at run time; then
#     generate from a small decoder-only GPT-2-style model (random weights);
#  4. check the compiled library against PyTorch reference data;
#  5. the same for the model compiled with --target=vulkan, run on the
#     machine's Vulkan device (Mesa's lavapipe on a CPU-only machine), and
#     the translation with the Vulkan library (its caches in device memory).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
B=${XF_BUILD_DIR:-build}
XFC=$B/bin/xfc

echo "== xfc: compile the seed Transformer (toy-task size) to $B/seed_toy/"
TOY=(--set d_model=64 --set d_ff=128 --set heads=4 --set d_k=16 --set d_v=16
     --set layers=2 --set max_len=16)
"$XFC" examples/seed_transformer.xf "${TOY[@]}" -o "$B/seed_toy" --timings
ls "$B/seed_toy"

echo "== cc: build the translator against lib/seed_transformer.so"
cc -O2 -Wall -I "$B/seed_toy" examples/translate/translate.c \
  -L "$B/seed_toy" -lseed_transformer -Wl,-rpath,"$PWD/$B/seed_toy" \
  -o "$B/translate"

echo "== translate (greedy over the key/value cache: encode once, a token per step)"
"$B/translate" "$B/seed_toy/libseed_transformer.so" \
  examples/weights/seed_toy.safetensors "ich mochte ein bier" "ich mochte ein cola"

echo "== decoder-only generation: a small GPT-2-style model (random weights, so arbitrary ids), 2 prompts of 5 tokens, 8 new tokens each"
GPT=(--set d_model=64 --set d_ff=128 --set heads=4 --set layers=2 --set vocab=50
     --set max_len=32 --set end_token=49)
"$XFC" examples/gpt2_small.xf "${GPT[@]}" -o "$B/gpt2_toy"
/usr/bin/python3 bench/make_inputs.py "$B/gpt2_toy_in" --model gpt2 --d_model 64 --d_ff 128 \
  --layers 2 --vocab 50 --max_len 32 --batch 2 --tgt_len 5
"$B/bin/xf-run" "$B/gpt2_toy" --weights "$B/gpt2_toy_in/weights.safetensors" \
  --input ids=@"$B/gpt2_toy_in/tgt.npy" --generate 8 --end none

# Runs the library in $1 on each reference case and compares with PyTorch.
parity() {
  for c in padded length1 allpad; do
    "$B/bin/xf-run" "$1" --weights $DATA/weights.safetensors \
      --input src=@$DATA/${c}_src.npy --input tgt=@$DATA/${c}_tgt.npy \
      --output logits=@"$1/${c}_logits.npy" 2>/dev/null
    echo -n "$c$2: "
    python3 scripts/compare_npy.py "$1/${c}_logits.npy" $DATA/${c}_logits.npy 1e-4
  done
}
SMALL=(--set d_model=32 --set d_ff=64 --set heads=4 --set d_k=8 --set d_v=8
       --set layers=2 --set max_len=64)
DATA=tests/data/seed_small

echo "== compiled seed model vs PyTorch reference data (tests/data/seed_small)"
"$XFC" examples/seed_transformer.xf "${SMALL[@]}" -o "$B/seed_small"
parity "$B/seed_small" ""

echo "== the same model compiled for Vulkan, run on this machine's Vulkan device (lavapipe: a functional check)"
"$XFC" examples/seed_transformer.xf "${SMALL[@]}" --target=vulkan -o "$B/seed_small_vulkan"
parity "$B/seed_small_vulkan" " (vulkan)"
"$XFC" examples/seed_transformer.xf "${TOY[@]}" --target=vulkan -o "$B/seed_toy_vulkan"
echo "translate with the Vulkan library:"
"$B/translate" "$B/seed_toy_vulkan/libseed_transformer.so" \
  examples/weights/seed_toy.safetensors "ich mochte ein bier" "ich mochte ein cola"
