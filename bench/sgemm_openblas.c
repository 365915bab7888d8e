/* OpenBLAS sgemm on the shape of xfc's linear-layer benchmark:
 * Y[M, N] = X[M, K] · W[N, K]ᵀ (nn.Linear's layout), fp32.
 * Prints one JSON line: median and min ms over REPS, GFLOP/s.
 *   sgemm_openblas M N K THREADS REPS */
#include "timing.h"
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

extern void openblas_set_num_threads(int);

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: sgemm_openblas M N K THREADS REPS\n");
    return 1;
  }
  int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]);
  int threads = atoi(argv[4]), reps = atoi(argv[5]);
  openblas_set_num_threads(threads);
  float *x = malloc(sizeof(float) * m * k), *w = malloc(sizeof(float) * n * k),
        *y = malloc(sizeof(float) * m * n);
  for (long i = 0; i < (long)m * k; ++i)
    x[i] = (float)((i % 7) - 3) / 7;
  for (long i = 0; i < (long)n * k; ++i)
    w[i] = (float)((i % 5) - 2) / 5;
  double *t = malloc(sizeof(double) * reps);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, x, k, w, k,
              0, y, n);
  for (int r = 0; r < reps; ++r) {
    double s = 1e3 * seconds_now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1, x, k, w, k,
                0, y, n);
    t[r] = 1e3 * seconds_now() - s;
  }
  qsort(t, reps, sizeof(double), compare_doubles);
  double median = reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
  printf("{\"impl\": \"openblas-sgemm\", \"threads\": %d, \"median_ms\": %.3f, "
         "\"min_ms\": %.3f, \"gflops\": %.1f}\n",
         threads, median, t[0], 2.0 * m * n * k / median / 1e6);
  return 0;
}
