//===- HalideHooksTest.cpp - Halide's runtime hooks in the xf runtime -----===//
//
// halide_do_par_for runs every task once on the library's pool and returns
// a task's failure; halide_error is kept for xf_kernel_error (once, the
// first message) instead of aborting.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Parallel.h"
#include <atomic>
#include <gtest/gtest.h>
#include <string>
#include <vector>

extern "C" {
typedef int (*xf_halide_task)(void *, int, uint8_t *);
int halide_do_par_for(void *, xf_halide_task, int, int, uint8_t *);
void halide_error(void *, const char *);
const char *xf_kernel_error(void);
}

namespace {

int countTask(void *, int task, uint8_t *closure) {
  auto *hits = reinterpret_cast<std::vector<std::atomic<int>> *>(closure);
  (*hits)[task - 10]++;
  return task == 25 ? -7 : 0;
}

TEST(HalideHooks, ParForRunsEveryTaskOnceOnThePool) {
  xf_parallel_set_threads(2);
  for (int size : {0, 1, 2, 37}) {
    std::vector<std::atomic<int>> hits(size);
    int status = halide_do_par_for(nullptr, countTask, 10, size,
                                   reinterpret_cast<uint8_t *>(&hits));
    for (int i = 0; i < size; ++i)
      EXPECT_EQ(hits[i].load(), 1) << "task " << i + 10 << " of " << size;
    EXPECT_EQ(status, size > 15 ? -7 : 0) << size;
  }
}

TEST(HalideHooks, ErrorsAreKeptForTheRuntimeNotFatal) {
  EXPECT_EQ(xf_kernel_error(), nullptr);
  halide_error(nullptr, "Input buffer x is accessed at 9, beyond 8\n");
  halide_error(nullptr, "a second message");
  const char *message = xf_kernel_error();
  ASSERT_NE(message, nullptr);
  EXPECT_EQ(std::string(message), "Input buffer x is accessed at 9, beyond 8");
  EXPECT_EQ(xf_kernel_error(), nullptr);
}

} // namespace
