/* What the C benchmarks share: a monotonic clock in seconds and a qsort
 * comparison of doubles (for their medians). */
#ifndef XF_BENCH_TIMING_H
#define XF_BENCH_TIMING_H

#include <time.h>

static inline double seconds_now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static inline int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

#endif
