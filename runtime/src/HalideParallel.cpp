//===- HalideParallel.cpp - Halide kernels' parallel loops on xf's pool ---===//
//
// A Halide kernel (xfc --kernels=halide) runs its parallel loops through
// halide_do_par_for, which Halide's runtime defines weakly with a thread
// pool of its own. This strong definition, in every model library, runs
// them on the library's pool instead (Parallel.h): one thread count for the
// whole library (xf_model_set_threads), no second set of spinning workers.
// The team takes tasks from a shared counter, so any team size gives the
// same result; a fork inside a region runs on its thread alone, as the
// pool does for nested regions.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Parallel.h"
#include <atomic>

extern "C" {
typedef int (*xf_halide_task)(void *userContext, int taskNumber,
                              uint8_t *closure);
int halide_do_par_for(void *userContext, xf_halide_task task, int min,
                      int size, uint8_t *closure);
}

namespace {

struct Tasks {
  void *userContext;
  xf_halide_task task;
  int min, size;
  uint8_t *closure;
  std::atomic<int> next{0};
  std::atomic<int> status{0};
};

void runTasks(int32_t *, int32_t *, Tasks *tasks) {
  for (int i = tasks->next++; i < tasks->size; i = tasks->next++) {
    int result = tasks->task(tasks->userContext, tasks->min + i,
                             tasks->closure);
    if (result != 0)
      tasks->status.store(result);
  }
}

} // namespace

extern "C" int
halide_do_par_for(void *userContext, xf_halide_task task, int min, int size,
                  uint8_t *closure) {
  Tasks tasks{userContext, task, min, size, closure};
  if (size <= 1) {
    runTasks(nullptr, nullptr, &tasks);
  } else {
    xf_parallel_fork(nullptr, 1,
                     reinterpret_cast<xf_parallel_region>(&runTasks), &tasks);
  }
  return tasks.status.load();
}
