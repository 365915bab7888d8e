#!/usr/bin/env bash
# The sanitizer suites, each in a build folder of its own (set up by
# scripts/setup.sh's packages; called by scripts/test.sh):
#  1. build-asan: everything built with AddressSanitizer +
#     UndefinedBehaviorSanitizer (+ libFuzzer's coverage, for
#     scripts/fuzz.sh); lit, runtime, unit, e2e and stress tests run there,
#     generated libraries linked with the instrumented runtime. Leaks fail.
#  2. build-tsan: the runtime with ThreadSanitizer; its unit tests (the
#     thread pool) and the stress test (8 threads on one model, a library
#     whose runtime is the TSan one) run there.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
A=${XF_ASAN_DIR:-build-asan}
T=${XF_TSAN_DIR:-build-tsan}
configure() { # DIR SANITIZERS [extra cmake args]
  local dir=$1 sanitize=$2
  shift 2
  if [[ ! -f "$dir/build.ninja" ]]; then
    cmake -G Ninja -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
      -DLLVM_DIR=/usr/lib/llvm-22/lib/cmake/llvm \
      -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
      -DXF_SANITIZE="$sanitize" "$@" > "$dir-configure.log" && mv "$dir-configure.log" "$dir/configure.log"
  fi
}

# Debian's libLLVM/libMLIR are not instrumented: their inline allocator
# code poisons memory that the library's own (uninstrumented) code then
# touches, which ASan reports as use-after-poison; user poisoning is off.
# Leaks that belong to those libraries or the Vulkan driver are suppressed
# by name in tests/sanitizers/lsan.supp; ours are not.
export ASAN_OPTIONS=allow_user_poisoning=0:detect_leaks=1:abort_on_error=0:halt_on_error=1
export LSAN_OPTIONS=suppressions=$SRC/tests/sanitizers/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-22/bin/llvm-symbolizer
# The thread-pool tests fork a multi-threaded process on purpose (a child
# gets its own workers), which TSan refuses unless told.
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:die_after_fork=0

echo "== ASan+UBSan build ($A)"
configure "$A" address,undefined -DXF_FUZZ=ON
cmake --build "$A"
echo "== ASan+UBSan tests"
# install: the installed consumer program is not instrumented, so it
# cannot load instrumented libraries; it runs in the plain build.
# The reduced-precision accuracy measurement (fp32 against bf16/int8
# libraries over 1116 positions, the seed at its defaults) runs no code the
# other precision tests do not: it is the plain suite's alone.
GTEST_FILTER='-*PrecisionAccuracy*' \
  ctest --test-dir "$A" --output-on-failure -j2 -E '^install$'

echo "== TSan build ($T)"
configure "$T" thread
cmake --build "$T" --target xf-runtime-tests xf-stress-test XfRuntime XfRuntimeIO
echo "== TSan tests"
"$T/bin/xf-runtime-tests" --gtest_brief=1
# An xfc tree whose runtime is the TSan one: the plain build's xfc, the
# TSan build's archives and headers (xfc finds them next to itself).
TREE=$T/xfc-tree
rm -rf "$TREE" && mkdir -p "$TREE/bin"
cp "${XF_BUILD_DIR:-build}/bin/xfc" "$TREE/bin/"
cp -r "$T/lib" "$T/include" "$TREE/"
tests/stress/run.sh "$TREE/bin/xfc" "$T/bin/xf-stress-test" "$SRC" "$T/stress-lib" 5
echo "sanitizers: ok"
