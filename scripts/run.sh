#!/usr/bin/env bash
# The README's main command: set up, build, and run the main job.
# Until the frontend and codegen land, the main job canonicalizes the seed
# model's embedding + positional-encoding IR with xf-opt.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=${XF_BUILD_DIR:-build}
"$BUILD_DIR/tools/xf-opt/xf-opt" --canonicalize examples/positional_transposes.mlir
