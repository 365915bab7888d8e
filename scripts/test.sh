#!/usr/bin/env bash
# The README's test command: set up a fresh machine, build, run every test.
#   scripts/test.sh           everything CI runs: the suite (ctest), each
#                             fuzz target for XF_FUZZ_SECONDS (30), the
#                             ASan+UBSan and TSan suites
#   scripts/test.sh --quick   the suite alone (ctest in build/)
# Every suite prints what it skipped; set XF_REQUIRE_VULKAN=1 and
# XF_REQUIRE_PTXAS=1 (CI does) to make a missing lavapipe or ptxas fail.
# The suite's Vulkan runs go through the Khronos validation layer with
# synchronization validation (XF_VULKAN_VALIDATION=1; set it to 0 to run
# without): any validation error fails the test that caused it.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-all}
case "$MODE" in all | --quick) ;; *) echo "usage: scripts/test.sh [--quick]" >&2; exit 1 ;; esac
scripts/setup.sh
B=${XF_BUILD_DIR:-build}

# Skipped and unsupported tests of the last ctest in build dir $1, by name.
report_skips() {
  local log=$1/Testing/Temporary/LastTest.log
  local gtest lit
  gtest=$( (grep -o '^\[  SKIPPED \] [0-9]* test' "$log" || true) | awk '{s += $4} END {print s + 0}')
  lit=$(grep -c '^UNSUPPORTED: ' "$log" || true)
  echo "== skipped in $1: $gtest GoogleTest tests, $lit lit tests"
  grep -h -A1 ': Skipped$' "$log" | grep -v ': Skipped$\|^--$' | sort | uniq -c || true
  grep -h '^UNSUPPORTED: ' "$log" || true
}

echo "== the suite ($B), Vulkan validation ${XF_VULKAN_VALIDATION:-1}"
XF_VULKAN_VALIDATION=${XF_VULKAN_VALIDATION:-1} \
  ctest --test-dir "$B" --output-on-failure -j2
report_skips "$B"
[[ "$MODE" == --quick ]] && exit 0

scripts/sanitize.sh
report_skips "${XF_ASAN_DIR:-build-asan}"
echo "== fuzzing, ${XF_FUZZ_SECONDS:-30} s per target"
scripts/fuzz.sh "${XF_FUZZ_SECONDS:-30}"
echo "test.sh: all passed"
