//===- StressTest.cpp - Many threads running one loaded model -------------===//
//
// Loads one model and runs a fixed set of cases of mixed shapes (batch 1-4,
// lengths 1-12, padded rows, every entry point, and greedy generations,
// each in a generation state of its own) first alone, then from
// many threads at once in shuffled orders, for a bounded time. Every
// concurrent result must be bit-identical to the lone run of its case.
// Links only the runtime, so the ThreadSanitizer build runs it too.
//
//   xf-stress-test LIBRARY.so WEIGHTS.safetensors [THREADS] [SECONDS]
//
// The library is the seed model at tests/data/seed_small's size.
//
//===----------------------------------------------------------------------===//

#include "xf/runtime.h"
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Case {
  const char *entry;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<std::vector<int64_t>> ids;  // per input; empty: float input
  std::vector<std::vector<float>> floats; // per input
  std::vector<float> expected;
};

std::vector<xf_tensor> views(Case &c) {
  std::vector<xf_tensor> v;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    xf_tensor t{};
    bool isFloat = !c.floats[i].empty();
    t.dtype = isFloat ? XF_F32 : XF_I64;
    t.rank = static_cast<int32_t>(c.shapes[i].size());
    for (int32_t k = 0; k < t.rank; ++k)
      t.shape[k] = c.shapes[i][k];
    t.data = isFloat ? static_cast<void *>(c.floats[i].data())
                     : static_cast<void *>(c.ids[i].data());
    v.push_back(t);
  }
  return v;
}

/// A greedy generation of 8 tokens from the source of `c` in a fresh
/// state: the ids, as floats.
std::vector<float> generate(const xf_model *m, Case &c, std::string &error) {
  std::vector<xf_tensor> in = views(c);
  xf_generation *g = nullptr;
  xf_tensor out{};
  xf_status *s = xf_generation_create(m, in[0].shape[0], 16, &g);
  if (!s)
    s = xf_generation_encode(g, &in[0]);
  if (!s) // from "S", never stopping
    s = xf_generation_greedy(g, nullptr, nullptr, 6, -1, 0, 8, &out);
  xf_generation_free(g);
  if (s) {
    error = xf_status_message(s);
    xf_status_free(s);
    return {};
  }
  const int64_t *ids = static_cast<const int64_t *>(out.data);
  std::vector<float> r(ids, ids + out.shape[0] * out.shape[1]);
  std::free(out.data);
  return r;
}

/// Runs `c`; the output's floats, or an error message in `error`.
std::vector<float> run(const xf_model *m, Case &c, std::string &error) {
  if (std::strcmp(c.entry, "generation") == 0)
    return generate(m, c, error);
  std::vector<xf_tensor> in = views(c);
  xf_tensor out{};
  xf_status *s = xf_model_run(m, c.entry, in.data(), in.size(), &out);
  if (s) {
    error = xf_status_message(s);
    xf_status_free(s);
    return {};
  }
  size_t n = 1;
  for (int32_t k = 0; k < out.rank; ++k)
    n *= static_cast<size_t>(out.shape[k]);
  std::vector<float> r(static_cast<float *>(out.data),
                       static_cast<float *>(out.data) + n);
  std::free(out.data);
  return r;
}

std::vector<int64_t> tokens(std::mt19937 &rng, int64_t b, int64_t len,
                            int64_t vocab) {
  std::vector<int64_t> ids(b * len);
  for (int64_t r = 0; r < b; ++r) {
    int64_t real = 1 + rng() % len; // the rest of the row is padding (0)
    for (int64_t k = 0; k < len; ++k)
      ids[r * len + k] = k < real ? 1 + rng() % (vocab - 1) : 0;
  }
  return ids;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: xf-stress-test LIB.so WEIGHTS [THREADS] "
                         "[SECONDS]\n");
    return 1;
  }
  int threads = argc > 3 ? std::atoi(argv[3]) : 8;
  double seconds = argc > 4 ? std::atof(argv[4]) : 5;
  xf_model *model = nullptr;
  if (xf_status *s = xf_model_load(argv[1], argv[2], &model)) {
    std::fprintf(stderr, "stress: error: %s\n", xf_status_message(s));
    xf_status_free(s);
    return 1;
  }
  xf_model_set_threads(model, 2);

  // The cases, and their lone results.
  std::mt19937 rng(11);
  std::vector<Case> cases;
  const int64_t d = 32, srcVocab = 6, tgtVocab = 9;
  for (int i = 0; i < 32; ++i) {
    int64_t b = 1 + rng() % 4, s = 1 + rng() % 12, t = 1 + rng() % 12;
    std::vector<int64_t> src = tokens(rng, b, s, srcVocab);
    std::vector<int64_t> tgt = tokens(rng, b, t, tgtVocab);
    switch (i % 4) {
    case 0:
      cases.push_back({"forward", {{b, s}, {b, t}}, {src, tgt}, {{}, {}}, {}});
      break;
    case 3:
      cases.push_back({"generation", {{b, s}}, {src}, {{}}, {}});
      break;
    case 1:
      cases.push_back({"encode", {{b, s}}, {src}, {{}}, {}});
      break;
    default: {
      std::vector<float> memory(b * s * d);
      for (float &x : memory)
        x = std::uniform_real_distribution<float>(-1, 1)(rng);
      cases.push_back({"decode",
                       {{b, t}, {b, s, d}, {b, s}},
                       {tgt, {}, src},
                       {{}, memory, {}},
                       {}});
    }
    }
  }
  for (Case &c : cases) {
    std::string error;
    c.expected = run(model, c, error);
    if (!error.empty()) {
      std::fprintf(stderr, "stress: error: lone %s: %s\n", c.entry,
                   error.c_str());
      return 1;
    }
  }

  // Many threads, shuffled orders, until the time is up.
  std::atomic<long> runs{0}, mismatches{0};
  std::atomic<bool> failed{false};
  std::string firstError;
  std::atomic_flag errorTaken = ATOMIC_FLAG_INIT;
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::mt19937 order(100 + t);
      std::vector<Case> mine = cases; // own input buffers
      while (!failed && std::chrono::steady_clock::now() < deadline) {
        Case &c = mine[order() % mine.size()];
        std::string error;
        std::vector<float> got = run(model, c, error);
        ++runs;
        if (!error.empty() || got.size() != c.expected.size() ||
            std::memcmp(got.data(), c.expected.data(),
                        got.size() * sizeof(float)) != 0) {
          ++mismatches;
          if (!errorTaken.test_and_set())
            firstError = error.empty() ? std::string(c.entry) +
                                             ": result differs from the "
                                             "lone run"
                                       : error;
          failed = true;
        }
      }
    });
  for (std::thread &t : pool)
    t.join();
  xf_model_free(model);
  std::printf("stress: %d threads, %ld runs of %zu cases, %ld mismatches\n",
              threads, runs.load(), cases.size(), mismatches.load());
  if (mismatches) {
    std::fprintf(stderr, "stress: error: %s\n", firstError.c_str());
    return 1;
  }
  return 0;
}
