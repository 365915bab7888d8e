/* A STREAM-like triad, a[i] = b[i] + s * c[i], over three arrays far larger
 * than the caches, on N threads: the memory bandwidth that bounds a
 * generation step (which reads every decoder weight once). Prints one JSON
 * line with the best of 10 runs in GB/s, counting 3 arrays moved per pass
 * (as STREAM does: read b and c, write a).
 *
 *   cc -O2 -fopenmp bench/stream_triad.c -o stream_triad && ./stream_triad 2
 */
#include "timing.h"
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  const long n = 1L << 25; /* 32 Mi floats: 128 MiB per array */
  float *a = aligned_alloc(64, n * sizeof(float));
  float *b = aligned_alloc(64, n * sizeof(float));
  float *c = aligned_alloc(64, n * sizeof(float));
  if (!a || !b || !c || threads < 1)
    return 1;
  omp_set_num_threads(threads);
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i) {
    a[i] = 0;
    b[i] = 1;
    c[i] = 2;
  }
  double best = 1e30;
  for (int r = 0; r < 10; ++r) {
    double t0 = seconds_now();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i)
      a[i] = b[i] + 3.0f * c[i];
    double t = seconds_now() - t0;
    if (t < best)
      best = t;
  }
  double check = a[n / 2];
  printf("{\"threads\": %d, \"triad_gb_per_s\": %.2f, \"check\": %.1f}\n",
         threads, 3.0 * n * sizeof(float) / best / 1e9, check);
  free(a);
  free(b);
  free(c);
  return 0;
}
