//===- Generation.cpp - Generation states over a model's caches -----------===//
//
// A state owns the caches a library's generation entries update in place
// (one buffer per state input of the manifest, shaped by the state's batch
// and capacity) and each row's length. Encoding fills the cross-attention
// caches once; each append runs `generate_step` on the new tokens, with the
// rows' lengths as `past`, and then advances the lengths. Every check runs
// before the call, so a failed call changes nothing.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Model.h"
#include "runtime/src/Sampling.h"
#include <algorithm>
#include <cstdint>
#include <functional>
#include <cstdlib>
#include <cstring>

using namespace xf::rt;

namespace {

struct Cache {
  std::vector<int64_t> shape;
  float *data = nullptr;
};

std::string rowText(int64_t row) { return "row " + std::to_string(row); }

xf_status *noGeneration() {
  return makeStatus(XF_STATUS_NOT_FOUND,
                    "the library has no generation entries (its description "
                    "has no `generate` section)");
}

/// The first index of the largest of n values.
int64_t argmax(const float *x, int64_t n) {
  return std::max_element(x, x + n) - x;
}

} // namespace

struct xf_generation {
  const xf_model *model = nullptr;
  const GenerationSpec *spec = nullptr;
  const BoundEntry *encode = nullptr, *step = nullptr;
  int64_t batch = 0, capacity = 0;
  std::vector<int64_t> lengths;
  std::map<std::string, Cache> caches; ///< by state name
  std::vector<int64_t> source;         ///< the encoded source's ids
  int64_t sourceLen = 0;
  /// A CPU state's caches, all in one hostAlloc block.
  void *block = nullptr;

  ~xf_generation() {
    hostFree(block);
    if (!model->gpu)
      return;
    for (auto &c : caches)
      if (c.second.data) // null after a failed allocation
        freeDevice(*model, c.second.data);
  }
  /// `inputs` of `entry` in manifest order: `given` for the others, the
  /// state's caches for state inputs.
  std::vector<xf_tensor> inputsOf(const BoundEntry &entry,
                                  const std::vector<xf_tensor> &given) {
    std::vector<xf_tensor> all;
    size_t next = 0;
    for (const ValueSpec &in : entry.spec->inputs) {
      if (!in.state) {
        all.push_back(given[next++]);
        continue;
      }
      Cache &c = caches[in.name];
      xf_tensor t{};
      t.dtype = XF_F32;
      t.rank = static_cast<int32_t>(c.shape.size());
      std::copy(c.shape.begin(), c.shape.end(), t.shape);
      t.data = c.data;
      all.push_back(t);
    }
    return all;
  }
};

namespace {

xf_tensor idsTensor(const int64_t *data, int64_t rows, int64_t cols) {
  xf_tensor t{};
  t.dtype = XF_I64;
  t.rank = cols < 0 ? 1 : 2;
  t.shape[0] = rows;
  if (cols >= 0)
    t.shape[1] = cols;
  t.data = const_cast<int64_t *>(data);
  return t;
}

/// Checks that `t` is int64 [state batch, L >= 1].
xf_status *checkIds(const xf_generation &g, const xf_tensor *t,
                    const char *what) {
  if (!t)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      std::string(what) + ": null tensor");
  if (t->dtype != XF_I64 || t->rank != 2 || !t->data)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      std::string(what) +
                          " must be an int64 tensor [batch, length] with data");
  if (t->shape[0] != g.batch)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      std::string(what) + ": batch " +
                          std::to_string(t->shape[0]) +
                          ", but the generation state was created for " +
                          std::to_string(g.batch));
  if (t->shape[1] < 1)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      std::string(what) + " has length " +
                          std::to_string(t->shape[1]) +
                          ", expected at least 1");
  return nullptr;
}

} // namespace

extern "C" {

xf_status *xf_model_generation_tokens(const xf_model *model, int64_t *start,
                                      int64_t *end, int64_t *pad) {
  if (!model || !start || !end || !pad)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_model_generation_tokens: null argument");
  if (!model->manifest.generation)
    return noGeneration();
  *start = model->manifest.generation->start;
  *end = model->manifest.generation->end;
  *pad = model->manifest.generation->pad;
  return nullptr;
}

xf_status *xf_generation_create(const xf_model *model, int64_t batch,
                                int64_t capacity, xf_generation **out) {
  if (!model || !out)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_generation_create: null argument");
  *out = nullptr;
  auto stepIt = model->entries.find(XF_ENTRY_GENERATE_STEP);
  if (!model->manifest.generation || stepIt == model->entries.end())
    return noGeneration();
  const GenerationSpec &spec = *model->manifest.generation;
  if (batch < 1)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "batch must be at least 1, found " +
                          std::to_string(batch));
  if (capacity < 1 || (spec.maxLen > 0 && capacity > spec.maxLen))
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "capacity must be in 1.." + std::to_string(spec.maxLen) +
                          " (the model's max_len), found " +
                          std::to_string(capacity));
  auto g = std::make_unique<xf_generation>();
  g->model = model;
  g->spec = &spec;
  g->step = &stepIt->second;
  auto encodeIt = model->entries.find(XF_ENTRY_GENERATE_ENCODE);
  if (!spec.memoryIds.empty()) {
    if (encodeIt == model->entries.end())
      return makeStatus(XF_STATUS_INVALID_FORMAT,
                        "malformed library: generation with memory but no " XF_ENTRY_GENERATE_ENCODE
                        " entry");
    g->encode = &encodeIt->second;
  }
  g->batch = batch;
  g->capacity = capacity;
  // Each cache's shape, and its bytes (padded to 64) at `offset` in one
  // block.
  struct Placed {
    const std::string *name;
    Cache *cache;
    size_t offset, bytes;
  };
  std::vector<Placed> offsets;
  size_t total = 0;
  auto tooLarge = [&] {
    return makeStatus(XF_STATUS_OUT_OF_MEMORY,
                      "the generation state's caches for batch " +
                          std::to_string(batch) + " and capacity " +
                          std::to_string(capacity) +
                          " exceed the address space");
  };
  for (const BoundEntry *e : {g->encode, g->step}) {
    if (!e)
      continue;
    for (const ValueSpec &in : e->spec->inputs) {
      if (!in.state || g->caches.count(in.name))
        continue;
      Cache &c = g->caches[in.name];
      size_t n = 1;
      for (size_t k = 0; k < in.shape.size(); ++k) {
        int64_t d = in.dims[k] == "batch"              ? batch
                    : in.dims[k] == XF_DIM_CAPACITY ? capacity
                                                       : in.shape[k];
        if (d < 1)
          return makeStatus(XF_STATUS_INVALID_FORMAT,
                            "malformed library: state '" + in.name +
                                "' has an unnamed dynamic dim");
        c.shape.push_back(d);
        if (__builtin_mul_overflow(n, static_cast<size_t>(d), &n))
          return tooLarge();
      }
      size_t bytes;
      if (__builtin_mul_overflow(n, sizeof(float), &bytes) ||
          bytes > SIZE_MAX / 4)
        return tooLarge();
      bytes = (bytes + 63) / 64 * 64;
      offsets.push_back({&in.name, &c, total, bytes});
      total += bytes; // both at most SIZE_MAX / 4 + 63
      if (total > SIZE_MAX / 4)
        return tooLarge();
    }
  }
  // Zeroed: attention reads (and masks to weight 0) rows past a length,
  // which must be finite. GPU libraries keep their caches in device memory
  // (which the host can address) across calls, one allocation each. A CPU
  // state's caches share one block from the allocator behind generated
  // code, which keeps large freed blocks: a new state reuses the pages of
  // one freed before instead of faulting fresh ones in (about 2 ms a MB on
  // a virtual machine whose host backs guest memory lazily: more than the
  // seed model's encode).
  if (!model->gpu && total > 0) {
    g->block = hostAlloc(total + 63);
    if (!g->block)
      return makeStatus(XF_STATUS_OUT_OF_MEMORY,
                        "out of memory for the generation state's caches (" +
                            std::to_string(total) + " bytes)");
    uintptr_t at = (reinterpret_cast<uintptr_t>(g->block) + 63) / 64 * 64;
    std::memset(reinterpret_cast<void *>(at), 0, total);
    for (const Placed &p : offsets)
      p.cache->data = reinterpret_cast<float *>(at + p.offset);
  }
  for (const Placed &p : offsets) {
    if (!model->gpu)
      break;
    p.cache->data = static_cast<float *>(allocDevice(*model, p.bytes));
    if (!p.cache->data)
      return makeStatus(XF_STATUS_OUT_OF_MEMORY,
                        "out of memory for the cache '" + *p.name + "' (" +
                            std::to_string(p.bytes) + " bytes)");
    std::memset(p.cache->data, 0, p.bytes);
  }
  // After the caches, which are larger: a batch too large for them has
  // been refused before this allocates.
  g->lengths.assign(batch, 0);
  *out = g.release();
  return nullptr;
}

void xf_generation_free(xf_generation *state) { delete state; }

void xf_generation_reset(xf_generation *state) {
  if (!state)
    return;
  std::fill(state->lengths.begin(), state->lengths.end(), 0);
  state->source.clear();
  state->sourceLen = 0;
}

const int64_t *xf_generation_lengths(const xf_generation *state) {
  return state ? state->lengths.data() : nullptr;
}

xf_status *xf_generation_encode(xf_generation *g, const xf_tensor *source) {
  if (!g)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_generation_encode: null state");
  if (!g->encode)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "the model generates without a source (no memory): "
                      "give the prompt to xf_generation_append instead");
  if (xf_status *bad = checkIds(*g, source, "the source"))
    return bad;
  if (source->shape[1] > g->capacity)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "the source has " + std::to_string(source->shape[1]) +
                          " tokens, more than the state's capacity " +
                          std::to_string(g->capacity));
  std::vector<xf_tensor> inputs = g->inputsOf(*g->encode, {*source});
  if (xf_status *bad =
          checkInputs(*g->encode->spec, inputs.data(), inputs.size()))
    return bad;
  xf_tensor memory{};
  if (xf_status *bad = callEntry(g->model, *g->encode, inputs.data(),
                                 inputs.size(), &memory))
    return bad;
  std::free(memory.data);
  const int64_t *ids = static_cast<const int64_t *>(source->data);
  g->source.assign(ids, ids + source->shape[0] * source->shape[1]);
  g->sourceLen = source->shape[1];
  std::fill(g->lengths.begin(), g->lengths.end(), 0);
  return nullptr;
}

xf_status *xf_generation_append(xf_generation *g, const xf_tensor *ids,
                                const int64_t *counts, xf_tensor *out) {
  if (!g || !out)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_generation_append: null argument");
  if (xf_status *bad = checkIds(*g, ids, "the tokens"))
    return bad;
  if (g->encode && g->source.empty())
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "encode a source first (xf_generation_encode)");
  const int64_t t = ids->shape[1];
  for (int64_t b = 0; b < g->batch; ++b) {
    if (counts && (counts[b] < 0 || counts[b] > t))
      return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                        rowText(b) + ": count " + std::to_string(counts[b]) +
                            " is outside 0.." + std::to_string(t));
    // The step writes all t positions of every row (padding included).
    if (g->lengths[b] + t > g->capacity)
      return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                        rowText(b) + " holds " + std::to_string(g->lengths[b]) +
                            " tokens; adding " + std::to_string(t) +
                            " would exceed the state's capacity " +
                            std::to_string(g->capacity));
  }
  std::vector<xf_tensor> given = {*ids,
                                  idsTensor(g->lengths.data(), g->batch, -1)};
  if (g->encode)
    given.push_back(idsTensor(g->source.data(), g->batch, g->sourceLen));
  std::vector<xf_tensor> inputs = g->inputsOf(*g->step, given);
  if (xf_status *bad =
          checkInputs(*g->step->spec, inputs.data(), inputs.size()))
    return bad;
  if (xf_status *bad =
          callEntry(g->model, *g->step, inputs.data(), inputs.size(), out))
    return bad;
  for (int64_t b = 0; b < g->batch; ++b)
    g->lengths[b] += counts ? counts[b] : t;
  return nullptr;
}

} // extern "C"

namespace {

/// Picks row `row`'s next token from its logits [vocab]; -1 if it cannot.
using ChooseFn = std::function<int64_t(const float *, int64_t, int64_t)>;

/// The loop of xf_generation_greedy and xf_generation_sample: each row's
/// next token from `choose`, until its `end` or `maxNew` tokens.
xf_status *generate(xf_generation *g, const xf_tensor *prompt,
                    const int64_t *promptLengths, int64_t start, int64_t end,
                    int64_t pad, int64_t maxNew, const ChooseFn &choose,
                    xf_tensor *out) {
  if (maxNew < 1)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "the number of new tokens must be at least 1, found " +
                          std::to_string(maxNew));
  const int64_t batch = g->batch, vocab = g->spec->vocab;
  std::vector<int64_t> first, counts(batch, 1);
  int64_t width = 1;
  if (prompt) {
    if (xf_status *bad = checkIds(*g, prompt, "the prompt"))
      return bad;
    width = prompt->shape[1];
    for (int64_t b = 0; b < batch; ++b) {
      counts[b] = promptLengths ? promptLengths[b] : width;
      if (counts[b] < 1 || counts[b] > width)
        return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                          rowText(b) + ": prompt length " +
                              std::to_string(counts[b]) + " is outside 1.." +
                              std::to_string(width));
    }
    const int64_t *p = static_cast<const int64_t *>(prompt->data);
    first.assign(p, p + batch * width);
  } else {
    if (start < 0 || start >= vocab)
      return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                        "no prompt and no start token (the description has "
                        "none: give one)");
    first.assign(batch, start);
  }
  auto *ids = static_cast<int64_t *>(std::malloc(batch * maxNew * sizeof(int64_t)));
  if (!ids)
    return makeStatus(XF_STATUS_OUT_OF_MEMORY, "out of memory for the ids");
  std::fill(ids, ids + batch * maxNew, pad);
  std::vector<bool> done(batch, false);
  std::vector<int64_t> tokens = first;
  xf_tensor input = idsTensor(tokens.data(), batch, width);
  for (int64_t n = 0; n < maxNew; ++n) {
    xf_tensor logits{};
    if (xf_status *bad = xf_generation_append(g, &input, counts.data(), &logits)) {
      std::free(ids);
      return bad;
    }
    const float *l = static_cast<const float *>(logits.data);
    int64_t positions = logits.shape[1];
    bool live = false;
    for (int64_t b = 0; b < batch; ++b) {
      if (done[b])
        continue;
      // The logits after the row's last token.
      int64_t at = (n == 0 && prompt) ? counts[b] - 1 : 0;
      int64_t next = choose(l + (b * positions + at) * vocab, vocab, b);
      if (next < 0) {
        std::free(logits.data);
        std::free(ids);
        return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                          rowText(b) + ": the logits hold NaN; no token to "
                                       "sample");
      }
      ids[b * maxNew + n] = next;
      done[b] = next == end;
      live |= !done[b];
    }
    std::free(logits.data);
    if (!live)
      break;
    tokens.assign(batch, 0); // finished rows append nothing (count 0)
    for (int64_t b = 0; b < batch; ++b) {
      counts[b] = done[b] ? 0 : 1;
      if (!done[b])
        tokens[b] = ids[b * maxNew + n];
    }
    width = 1;
    input = idsTensor(tokens.data(), batch, 1);
    if (n + 1 == maxNew)
      break;
  }
  xf_tensor result{};
  result.dtype = XF_I64;
  result.rank = 2;
  result.shape[0] = batch;
  result.shape[1] = maxNew;
  result.data = ids;
  *out = result;
  return nullptr;
}

} // namespace

extern "C" {

xf_status *xf_generation_greedy(xf_generation *g, const xf_tensor *prompt,
                                const int64_t *promptLengths, int64_t start,
                                int64_t end, int64_t pad, int64_t maxNew,
                                xf_tensor *out) {
  if (!g || !out)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_generation_greedy: null argument");
  return generate(g, prompt, promptLengths, start, end, pad, maxNew,
                  [](const float *logits, int64_t vocab, int64_t) {
                    return argmax(logits, vocab);
                  },
                  out);
}

xf_status *xf_generation_sample(xf_generation *g, const xf_tensor *prompt,
                                const int64_t *promptLengths, int64_t start,
                                int64_t end, int64_t pad, int64_t maxNew,
                                const xf_sampling *sampling, xf_tensor *out) {
  if (!g || !out || !sampling)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_generation_sample: null argument");
  std::string bad = checkSampling(*sampling);
  if (!bad.empty())
    return makeStatus(XF_STATUS_INVALID_ARGUMENT, bad);
  // One generator per row: a row's tokens do not depend on the others.
  std::vector<TokenRng> rngs;
  for (int64_t b = 0; b < g->batch; ++b)
    rngs.emplace_back(sampling->seed ^ (0x9e3779b97f4a7c15ull * uint64_t(b + 1)));
  SampleScratch scratch;
  return generate(g, prompt, promptLengths, start, end, pad, maxNew,
                  [&](const float *logits, int64_t vocab, int64_t row) {
                    return sampleToken(logits, vocab, *sampling, rngs[row],
                                       scratch);
                  },
                  out);
}

} // extern "C"
