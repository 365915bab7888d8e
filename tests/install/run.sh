#!/usr/bin/env bash
# Installs the build into a temporary prefix and proves the installed tree
# stands alone: an application built with find_package(xfc) and
# xfc_add_model compiles the seed model and translates with it, and an xfc
# whose install tree was moved elsewhere still compiles a model (it finds
# its runtime relative to itself).
# Usage: run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$2" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

cmake --install "$BUILD" --prefix "$T/prefix" > "$T/install.log"
for f in bin/xfc bin/xf-run bin/xf-bench bin/xf-opt include/xf/runtime.h \
         include/xf/abi.h lib/xfc/libXfRuntime.a lib/xfc/libXfRuntimeIO.a \
         lib/cmake/xfc/xfcConfig.cmake share/doc/xfc/XfDialect.md; do
  [[ -e "$T/prefix/$f" ]] || { echo "install: $f missing"; exit 1; }
done

cmake -G Ninja -S "$SRC/tests/install/consumer" -B "$T/consumer" \
  -Dxfc_DIR="$T/prefix/lib/cmake/xfc" -DXF_EXAMPLES="$SRC/examples" \
  -DCMAKE_C_COMPILER="${CC:-cc}" > "$T/configure.log"
cmake --build "$T/consumer" > "$T/build.log" || { cat "$T/build.log"; exit 1; }
out=$("$T/consumer/translate" "$T/consumer/seed/libseed_transformer.so" \
  "$SRC/examples/weights/seed_toy.safetensors" "ich mochte ein bier")
echo "consumer: $out"
[[ "$out" == *"-> i want a beer ."* ]] || { echo "install: wrong translation"; exit 1; }

# The whole tree moved: xfc and the runtime it links travel together.
mv "$T/prefix" "$T/moved"
D="$SRC/tests/data/seed_small"
"$T/moved/bin/xfc" "$SRC/examples/seed_transformer.xf" --set d_model=32 \
  --set d_ff=64 --set heads=4 --set d_k=8 --set d_v=8 --set layers=2 \
  --set max_len=64 -o "$T/moved-out"
cmp "$T/moved-out/xf/runtime.h" "$SRC/runtime/include/xf/runtime.h"
cmp "$T/moved-out/xf/abi.h" "$SRC/runtime/include/xf/abi.h"
"$T/moved/bin/xf-run" "$T/moved-out" --weights "$D/weights.safetensors" \
  --input src=@"$D/padded_src.npy" --input tgt=@"$D/padded_tgt.npy" \
  --output logits=@"$T/logits.npy"
echo -n "moved xfc, padded case vs PyTorch: "
python3 "$SRC/scripts/compare_npy.py" "$T/logits.npy" "$D/padded_logits.npy" 1e-4

# Without its tree, xfc says what is missing instead of writing a library
# with an empty header.
cp "$T/moved/bin/xfc" "$T/lonely-xfc"
if "$T/lonely-xfc" "$SRC/examples/seed_transformer.xf" -o "$T/lonely-out" 2> "$T/lonely.err"; then
  echo "install: an xfc without its runtime compiled a library"; exit 1
fi
grep -q "the xfc runtime is incomplete: .*libXfRuntime.a is missing" "$T/lonely.err" \
  || { cat "$T/lonely.err"; exit 1; }
echo "lonely xfc: $(cat "$T/lonely.err")"
echo "install: ok"
