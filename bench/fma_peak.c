/* The machine's AVX-512 FMA throughput, measured: THREADS threads each run
 * 24 independent chains of 512-bit FMAs (enough to cover the latency of two
 * FMA ports) for about 0.3 s; the best of REPS runs of the whole.
 * Prints one JSON line: {"threads": T, "gflops": G, "per_core": G/T}.
 *   fma_peak THREADS REPS */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { kChains = 24 };
static const long kIters = 50000000;
static volatile float sink[64]; /* read by nobody, stored to by all */

static void *run(void *arg) {
  __m512 acc[kChains];
  __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps((float)i);
  for (long k = 0; k < kIters; ++k)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], b, c);
  float s = 0;
  for (int i = 0; i < kChains; ++i)
    s += _mm512_reduce_add_ps(acc[i]);
  sink[(long)arg % 64] = s; /* keeps the chains alive */
  return NULL;
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: fma_peak THREADS REPS\n");
    return 1;
  }
  int threads = atoi(argv[1]), reps = atoi(argv[2]);
  if (threads < 1 || threads > 256 || reps < 1) {
    fprintf(stderr, "fma_peak: error: THREADS must be 1..256, REPS >= 1\n");
    return 1;
  }
  pthread_t ids[256];
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    double t0 = now_s();
    for (long t = 0; t < threads; ++t)
      pthread_create(&ids[t], NULL, run, (void *)t);
    for (int t = 0; t < threads; ++t)
      pthread_join(ids[t], NULL);
    double gflops = threads * (double)kIters * kChains * 32 / (now_s() - t0) / 1e9;
    if (gflops > best)
      best = gflops;
  }
  printf("{\"threads\": %d, \"gflops\": %.1f, \"per_core\": %.1f}\n", threads,
         best, best / threads);
  return 0;
}
