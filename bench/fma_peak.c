/* The machine's AVX-512 FMA throughput and core clock, measured: THREADS
 * threads each run 24 independent chains of 512-bit FMAs (enough to cover
 * the latency of two FMA ports) for about 0.3 s; the best of REPS runs of
 * the whole. Before that, the same threads at once time a chain of
 * dependent integer adds (one per cycle on every x86 core since the
 * Pentium Pro) for the clock they run scalar code at: the clock a nominal
 * peak counts with (AVX-512 may run slower; that is what the FMA figure
 * measures).
 * Prints one JSON line: {"threads": T, "gflops": G, "per_core": G/T,
 * "ghz": clock}.
 *   fma_peak THREADS REPS */
#include "timing.h"
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kChains = 24 };
static const long kIters = 50000000;
static const long kAdds = 400000000;
static volatile float sink[64]; /* read by nobody, stored to by all */
static double ghz[256];

static void *clock_run(void *arg) {
  long x = 0;
  double t0 = seconds_now();
  /* 16 dependent adds per iteration: the loop counter's own add, compare
   * and branch run beside them on other ALUs. */
  for (long i = 0; i < kAdds; i += 16)
    __asm__ volatile(".rept 16\n\tadd $1, %0\n\t.endr" : "+r"(x));
  ghz[(long)arg] = kAdds / (seconds_now() - t0) / 1e9;
  return NULL;
}

static void *fma_run(void *arg) {
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

/* Runs `body` on `threads` threads at once; returns the seconds taken. */
static double together(void *(*body)(void *), int threads) {
  pthread_t ids[256];
  double t0 = seconds_now();
  for (long t = 0; t < threads; ++t)
    pthread_create(&ids[t], NULL, body, (void *)t);
  for (int t = 0; t < threads; ++t)
    pthread_join(ids[t], NULL);
  return seconds_now() - t0;
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
  double best = 0, clock = 0;
  for (int r = 0; r < reps; ++r) {
    together(clock_run, threads);
    double mean = 0;
    for (int t = 0; t < threads; ++t)
      mean += ghz[t] / threads;
    if (mean > clock)
      clock = mean;
    double gflops =
        threads * (double)kIters * kChains * 32 / together(fma_run, threads) / 1e9;
    if (gflops > best)
      best = gflops;
  }
  printf("{\"threads\": %d, \"gflops\": %.1f, \"per_core\": %.1f, \"ghz\": %.2f}\n",
         threads, best, best / threads, clock);
  return 0;
}
