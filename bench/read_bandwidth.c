/* Read-only bandwidth over one array of a given size on N threads: what a
 * generation step's weight streaming can reach when the weights it reads
 * fit in a cache level (the STREAM triad of stream_triad.c measures DRAM:
 * its arrays exceed every cache, and it writes as much as it reads).
 * Each thread sums its static share with 4 independent vector chains; the
 * median of 30 passes after a warm one (the best pass ran 20-40% above it
 * on a shared machine, which flattered every step measured against it),
 * and the best. Prints one JSON line in GB/s.
 *
 *   cc -O2 -mavx2 -fopenmp bench/read_bandwidth.c -o read_bandwidth
 *   ./read_bandwidth 2 88   (threads, megabytes)
 */
#include "timing.h"
#include <immintrin.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  double mb = argc > 2 ? atof(argv[2]) : 64;
  long n = (long)(mb * 1e6 / sizeof(float)) / 32 * 32;
  if (threads < 1 || n < 32)
    return 1;
  float *a = aligned_alloc(64, n * sizeof(float));
  if (!a)
    return 1;
  omp_set_num_threads(threads);
#pragma omp parallel for schedule(static)
  for (long i = 0; i < n; ++i)
    a[i] = 1;
  double times[30], total = 0;
  for (int r = 0; r <= 30; ++r) {
    double t0 = seconds_now(), sum = 0;
#pragma omp parallel reduction(+ : sum)
    {
      __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
#pragma omp for schedule(static)
      for (long i = 0; i < n; i += 32) {
        s0 = _mm256_add_ps(s0, _mm256_load_ps(a + i));
        s1 = _mm256_add_ps(s1, _mm256_load_ps(a + i + 8));
        s2 = _mm256_add_ps(s2, _mm256_load_ps(a + i + 16));
        s3 = _mm256_add_ps(s3, _mm256_load_ps(a + i + 24));
      }
      float part[8];
      _mm256_storeu_ps(part, _mm256_add_ps(_mm256_add_ps(s0, s1),
                                           _mm256_add_ps(s2, s3)));
      for (int k = 0; k < 8; ++k)
        sum += part[k];
    }
    double t = seconds_now() - t0;
    if (r > 0)
      times[r - 1] = t;
    total += sum;
  }
  qsort(times, 30, sizeof(double), compare_doubles);
  double bytes = n * sizeof(float);
  printf("{\"threads\": %d, \"megabytes\": %.1f, \"read_gb_per_s\": %.2f, "
         "\"best_gb_per_s\": %.2f, \"check\": %.0f}\n",
         threads, bytes / 1e6, bytes / (0.5 * (times[14] + times[15])) / 1e9,
         bytes / times[0] / 1e9, total / 31);
  free(a);
  return 0;
}
