/* Greedy translation with a compiled seed Transformer, in C, with no Python:
 * encode the source once into a generation state (its cross-attention keys
 * and values), then append one token per step (only the new token is
 * computed; earlier ones are in the state's cache), taking the argmax,
 * until "E" or "." ends the sentence.
 *
 *   translate OUT/libseed_transformer.so WEIGHTS.safetensors "ich mochte ein
 * bier"
 *
 * Build against xfc's output directory OUT:
 *   cc -I OUT translate.c -L OUT -lseed_transformer -Wl,-rpath,OUT -o translate
 */
#include "seed_transformer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 16 /* within the toy model's max_len */

static int lookup(const char *const *vocab, int size, const char *word) {
  for (int i = 0; i < size; ++i)
    if (strcmp(vocab[i], word) == 0)
      return i;
  return -1;
}

static int fail(xf_status *status) {
  fprintf(stderr, "translate: error: %s\n", xf_status_message(status));
  xf_status_free(status);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr,
            "usage: translate LIB.so WEIGHTS.safetensors SENTENCE...\n");
    return 1;
  }
  xf_model *model = NULL;
  xf_status *status = xf_model_load(argv[1], argv[2], &model);
  if (status)
    return fail(status);
  const int srcSize = SEED_TRANSFORMER_SRC_VOCAB_SPELLED;
  const int tgtSize = SEED_TRANSFORMER_TGT_VOCAB_SPELLED;
  const int start = lookup(seed_transformer_tgt_vocab, tgtSize, "S");
  const int end = lookup(seed_transformer_tgt_vocab, tgtSize, "E");
  const int stop = lookup(seed_transformer_tgt_vocab, tgtSize, ".");

  for (int s = 3; s < argc; ++s) {
    /* 1. Tokenize the source sentence. */
    int64_t srcIds[MAX_WORDS];
    int64_t srcLen = 0;
    char *text = strdup(argv[s]);
    for (char *w = strtok(text, " "); w && srcLen < MAX_WORDS;
         w = strtok(NULL, " ")) {
      int id = lookup(seed_transformer_src_vocab, srcSize, w);
      if (id < 0) {
        fprintf(stderr, "translate: error: unknown source word '%s'\n", w);
        return 1;
      }
      srcIds[srcLen++] = id;
    }
    free(text);
    xf_tensor src = {XF_I64, 2, {1, srcLen}, srcIds};
    /* 2. Encode once into a state with room for MAX_WORDS tokens. */
    xf_generation *state = NULL;
    if ((status = xf_generation_create(model, 1, MAX_WORDS, &state)) ||
        (status = xf_generation_encode(state, &src)))
      return fail(status);
    /* 3. Decode greedily, one token per step over the cache. */
    int64_t token = start;
    printf("%s ->", argv[s]);
    for (int n = 0; n < MAX_WORDS; ++n) {
      xf_tensor tgt = {XF_I64, 2, {1, 1}, &token};
      xf_tensor logits;
      if ((status = xf_generation_append(state, &tgt, NULL, &logits)))
        return fail(status);
      const float *last = (const float *)logits.data;
      int best = 0;
      for (int v = 1; v < logits.shape[2]; ++v)
        if (last[v] > last[best])
          best = v;
      free(logits.data);
      if (best == end)
        break;
      token = best;
      printf(" %s", best < tgtSize ? seed_transformer_tgt_vocab[best] : "?");
      if (best == stop)
        break;
    }
    printf("\n");
    xf_generation_free(state);
  }
  xf_model_free(model);
  return 0;
}
