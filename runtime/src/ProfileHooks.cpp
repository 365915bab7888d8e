//===- ProfileHooks.cpp - The timers a --profile library calls ------------===//
//
// `xfc --profile` brackets each kernel of an entry with these two calls
// (xf-cpu-profile-regions); they add the kernel's time, one call and its
// flops to its
// slot of the library's `xf_profile_slots` (abi.h), atomically: several
// threads may run the model at once. Every library links the whole runtime;
// the slots are a weak reference, defined in --profile libraries only, the
// only ones that call these.
//
//===----------------------------------------------------------------------===//

#include "xf/runtime.h"
#include <atomic>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <vector>

namespace {
/// The trace: each timed call (region, thread, start, end) while on.
std::atomic<bool> tracing{false};
std::mutex traceMutex;
std::vector<xf_profile_event> events;
/// A trace keeps at most this many calls (1.5 MB of events a million).
constexpr size_t kMaxEvents = 1 << 20;
std::atomic<int32_t> threads{0};
thread_local int32_t thread = -1;
} // namespace

extern "C" {
extern int64_t xf_profile_slots[][3] __attribute__((weak));
XF_API void xf_profile_trace(int32_t on);
XF_API size_t xf_profile_trace_events(xf_profile_event *out, size_t capacity);

int64_t xf_profile_begin(void) {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
}

void xf_profile_end(int64_t start, int32_t region, int64_t flops) {
  int64_t elapsed = xf_profile_begin() - start;
  __atomic_fetch_add(&xf_profile_slots[region][0], elapsed, __ATOMIC_RELAXED);
  __atomic_fetch_add(&xf_profile_slots[region][1], 1, __ATOMIC_RELAXED);
  if (flops)
    __atomic_fetch_add(&xf_profile_slots[region][2], flops, __ATOMIC_RELAXED);
  if (tracing.load(std::memory_order_relaxed)) {
    if (thread < 0)
      thread = threads.fetch_add(1);
    std::lock_guard<std::mutex> lock(traceMutex);
    if (events.size() < kMaxEvents)
      events.push_back({region, thread, start, start + elapsed});
  }
}

void xf_profile_trace(int32_t on) {
  std::lock_guard<std::mutex> lock(traceMutex);
  if (on)
    events.clear();
  tracing.store(on != 0);
}

size_t xf_profile_trace_events(xf_profile_event *out, size_t capacity) {
  std::lock_guard<std::mutex> lock(traceMutex);
  for (size_t i = 0; i < events.size() && i < capacity; ++i)
    out[i] = events[i];
  return events.size();
}
}
