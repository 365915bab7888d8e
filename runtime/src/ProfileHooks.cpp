//===- ProfileHooks.cpp - The timers a --profile library calls ------------===//
//
// `xfc --profile` brackets each kernel of an entry with these two calls
// (xf-cpu-profile-regions); they add the kernel's time and one call to its
// slot of the library's `xf_profile_slots` (abi.h), atomically: several
// threads may run the model at once. Every library links the whole runtime;
// the slots are a weak reference, defined in --profile libraries only, the
// only ones that call these.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <ctime>

extern "C" {
extern int64_t xf_profile_slots[][2] __attribute__((weak));

int64_t xf_profile_begin(void) {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec;
}

void xf_profile_end(int64_t start, int32_t region) {
  int64_t elapsed = xf_profile_begin() - start;
  __atomic_fetch_add(&xf_profile_slots[region][0], elapsed, __ATOMIC_RELAXED);
  __atomic_fetch_add(&xf_profile_slots[region][1], 1, __ATOMIC_RELAXED);
}
}
