#!/usr/bin/env bash
# The README's test command: set up a fresh machine, build, run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir "${XF_BUILD_DIR:-build}" --output-on-failure -j2
