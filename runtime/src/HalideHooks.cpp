//===- HalideHooks.cpp - Halide's runtime hooks, taken over by xf's -------===//
//
// A Halide kernel (xfc --kernels=halide) calls two runtime functions that
// Halide's own runtime defines weakly; these strong definitions, in every
// model library, replace them:
// - halide_do_par_for runs Halide's parallel loops on the library's pool
//   (Parallel.h): one thread count for the whole library, no second set of
//   spinning workers. The team takes tasks from a shared counter, so any
//   team size gives the same result; a fork inside a region runs on its
//   thread alone, as the pool does for nested regions.
// - halide_error keeps the message for the runtime (xf_kernel_error, abi.h),
//   which turns it into the call's status: Halide's default prints it and
//   aborts the process.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Parallel.h"
#include "xf/runtime.h"
#include <atomic>
#include <mutex>
#include <string>

extern "C" {
typedef int (*xf_halide_task)(void *userContext, int taskNumber,
                              uint8_t *closure);
int halide_do_par_for(void *userContext, xf_halide_task task, int min,
                      int size, uint8_t *closure);
void halide_error(void *userContext, const char *message);
XF_API const char *xf_kernel_error(void);
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

/// A region of the pool: called through the pool's (int32_t *, int32_t *,
/// void *) region type, so it has exactly that type.
void runTasks(int32_t *, int32_t *, void *arg) {
  auto *tasks = static_cast<Tasks *>(arg);
  for (int i = tasks->next++; i < tasks->size; i = tasks->next++) {
    int result =
        tasks->task(tasks->userContext, tasks->min + i, tasks->closure);
    if (result != 0)
      tasks->status.store(result);
  }
}

std::mutex errorMutex;
std::string pendingError; ///< the first message since the last take
std::atomic<bool> failed{false};

} // namespace

extern "C" int halide_do_par_for(void *userContext, xf_halide_task task,
                                 int min, int size, uint8_t *closure) {
  Tasks tasks{userContext, task, min, size, closure};
  if (size <= 1)
    runTasks(nullptr, nullptr, &tasks);
  else
    xf_parallel_fork(nullptr, 1,
                     reinterpret_cast<xf_parallel_region>(&runTasks),
                     static_cast<void *>(&tasks));
  return tasks.status.load();
}

extern "C" void halide_error(void *, const char *message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (!failed.exchange(true)) {
    pendingError = message ? message : "unknown error";
    while (!pendingError.empty() && (pendingError.back() == '\n'))
      pendingError.pop_back();
  }
}

extern "C" const char *xf_kernel_error(void) {
  if (!failed.load())
    return nullptr;
  thread_local std::string taken;
  std::lock_guard<std::mutex> lock(errorMutex);
  taken.swap(pendingError);
  pendingError.clear();
  failed.store(false);
  return taken.c_str();
}
