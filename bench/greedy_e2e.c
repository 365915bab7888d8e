/* A whole greedy generation of N tokens from a compiled seed model, two
 * ways, alternated, 2 threads by default: the cached path (one
 * xf_generation_greedy call: encode once, one token per step over the
 * key/value cache) and the recompute loop a translator had before caches
 * (encode once, then `decode` on the whole prefix for every new token,
 * argmax of its last position). Both use a source of S tokens, batch 1, and
 * never stop at the end token. Prints one JSON line of medians in ms.
 *
 *   cc -O2 -I build/include bench/greedy_e2e.c -L OUT -lseed_transformer \
 *      -Wl,-rpath,OUT -o greedy_e2e     (the library exports the C API)
 *   ./greedy_e2e OUT/libseed_transformer.so WEIGHTS N S REPS THREADS
 */
#include "timing.h"
#include "xf/runtime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(xf_status *s) {
  if (!s)
    return 0;
  fprintf(stderr, "greedy_e2e: error: %s\n", xf_status_message(s));
  xf_status_free(s);
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: greedy_e2e LIB WEIGHTS N S REPS THREADS\n");
    return 1;
  }
  int n = atoi(argv[3]), s = atoi(argv[4]), reps = atoi(argv[5]);
  xf_model *model = NULL;
  check(xf_model_load(argv[1], argv[2], &model));
  check(xf_model_set_threads(model, atoi(argv[6])));
  int64_t start, end, pad;
  check(xf_model_generation_tokens(model, &start, &end, &pad));
  int64_t *src = malloc(s * sizeof(int64_t));
  for (int i = 0; i < s; ++i)
    src[i] = 1 + i % 5;
  xf_tensor source = {XF_I64, 2, {1, s}, src};
  double *cached = malloc(reps * sizeof(double)),
         *recompute = malloc(reps * sizeof(double));
  int64_t *ids = malloc((n + 1) * sizeof(int64_t));
  for (int r = 0; r <= reps; ++r) { /* the first round warms up */
    double t0 = 1e3 * seconds_now();
    xf_generation *state = NULL;
    xf_tensor out;
    check(xf_generation_create(model, 1, n > s ? n : s, &state));
    check(xf_generation_encode(state, &source));
    check(xf_generation_greedy(state, NULL, NULL, start, -1, pad, n, &out));
    double t1 = 1e3 * seconds_now();
    int64_t first = ((int64_t *)out.data)[n - 1];
    free(out.data);
    xf_generation_free(state);

    double t2 = 1e3 * seconds_now();
    xf_tensor memory, logits;
    check(xf_model_run(model, "encode", &source, 1, &memory));
    ids[0] = start;
    for (int len = 1; len <= n; ++len) {
      xf_tensor in[3] = {{XF_I64, 2, {1, len}, ids}, memory, source};
      check(xf_model_run(model, "decode", in, 3, &logits));
      const float *last = (const float *)logits.data + (len - 1) * logits.shape[2];
      int best = 0;
      for (int v = 1; v < logits.shape[2]; ++v)
        if (last[v] > last[best])
          best = v;
      ids[len] = best;
      free(logits.data);
    }
    free(memory.data);
    double t3 = 1e3 * seconds_now();
    if (ids[n] != first)
      fprintf(stderr, "greedy_e2e: note: the paths' last tokens differ (%lld vs "
              "%lld): decode masks generated pad tokens as keys, the cache "
              "does not\n",
              (long long)first, (long long)ids[n]);
    if (r) {
      cached[r - 1] = t1 - t0;
      recompute[r - 1] = t3 - t2;
    }
  }
  qsort(cached, reps, sizeof(double), compare_doubles);
  qsort(recompute, reps, sizeof(double), compare_doubles);
  printf("{\"tokens\": %d, \"source\": %d, \"reps\": %d, \"cached_ms\": %.1f, "
         "\"recompute_ms\": %.1f, \"speedup\": %.2f}\n",
         n, s, reps, cached[reps / 2], recompute[reps / 2],
         recompute[reps / 2] / cached[reps / 2]);
  xf_model_free(model);
  return 0;
}
