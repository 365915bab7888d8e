/* The seed decoder step's 48 matrix-vector products (per layer six
 * 512x512, one 2048x512 and one 512x2048 W, 88 MB of fp32 in 2 MiB huge
 * pages), each W split by rows across the threads, 4 accumulators per row
 * and an L2 prefetch 16 KB ahead, as xfc's streaming linear kernel does:
 * once with a parallel region per product (as a compiled step forks per
 * kernel), once with one region and a barrier between products. The gap
 * between the two is what forking and joining per kernel costs when
 * streaming. Median of 50 passes; one JSON line in GB/s.
 *
 *   gcc -O2 -mavx512f -fopenmp bench/gemv_regions.c -o gemv_regions
 *   ./gemv_regions 2   (threads)
 */
#include "timing.h"
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

enum { kLayers = 6, kProducts = 8 * kLayers, kPasses = 50, kAhead = 4096 };

/* y[r] = W[r, :] . x for rows [r0, r1) of a row-major W with k columns. */
static void rows(const float *w, const float *x, float *y, long r0, long r1,
                 long k) {
  for (long r = r0; r < r1; ++r) {
    const float *row = w + r * k;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (long i = 0; i < k; i += 64) {
      for (int l = 0; l < 64; l += 16)
        _mm_prefetch((const char *)(row + i + kAhead + l), _MM_HINT_T1);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(row + i), _mm512_loadu_ps(x + i), a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(row + i + 16),
                           _mm512_loadu_ps(x + i + 16), a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(row + i + 32),
                           _mm512_loadu_ps(x + i + 32), a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(row + i + 48),
                           _mm512_loadu_ps(x + i + 48), a3);
    }
    y[r] = _mm512_reduce_add_ps(
        _mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
  }
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  if (threads < 1)
    return 1;
  long n[kProducts], k[kProducts], off[kProducts + 1] = {0};
  for (int p = 0; p < kProducts; ++p) {
    int j = p % 8;
    n[p] = j == 6 ? 2048 : 512;
    k[p] = j == 7 ? 2048 : 512;
    off[p + 1] = off[p] + n[p] * k[p];
  }
  size_t bytes = off[kProducts] * sizeof(float), huge = 2ul << 20;
  float *w = aligned_alloc(huge, (bytes + huge - 1) / huge * huge);
  float *x = aligned_alloc(64, 2048 * sizeof(float));
  float *y = aligned_alloc(64, 2048 * sizeof(float));
  if (!w || !x || !y)
    return 1;
  madvise(w, bytes, MADV_HUGEPAGE);
  for (long i = 0; i < off[kProducts]; ++i)
    w[i] = 1e-3f;
  for (int i = 0; i < 2048; ++i)
    x[i] = 1;
  double gb[2];
  for (int one = 0; one < 2; ++one) {
    double t[kPasses];
    for (int r = 0; r < kPasses; ++r) {
      double t0 = seconds_now();
      if (one) {
#pragma omp parallel num_threads(threads)
        {
          int id = omp_get_thread_num(), p = omp_get_num_threads();
          for (int q = 0; q < kProducts; ++q) {
            rows(w + off[q], x, y, n[q] * id / p, n[q] * (id + 1) / p, k[q]);
#pragma omp barrier
          }
        }
      } else {
        for (int q = 0; q < kProducts; ++q) {
#pragma omp parallel num_threads(threads)
          {
            int id = omp_get_thread_num(), p = omp_get_num_threads();
            rows(w + off[q], x, y, n[q] * id / p, n[q] * (id + 1) / p, k[q]);
          }
        }
      }
      t[r] = seconds_now() - t0;
    }
    qsort(t, kPasses, sizeof(double), compare_doubles);
    gb[one] = bytes / t[kPasses / 2] / 1e9;
  }
  printf("{\"threads\": %d, \"megabytes\": %.1f, \"region_per_product_gb_per_s\": "
         "%.2f, \"one_region_gb_per_s\": %.2f, \"check\": %.3f}\n",
         threads, bytes / 1e6, gb[0], gb[1], y[5]);
  return 0;
}
