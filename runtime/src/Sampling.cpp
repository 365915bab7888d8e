//===- Sampling.cpp - Picking a token from logits -------------------------===//

#include "runtime/src/Sampling.h"
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

using namespace xf::rt;

namespace {
std::string number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}
} // namespace

uint64_t TokenRng::next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

std::string xf::rt::checkSampling(const xf_sampling &s) {
  if (!(s.temperature > 0) || !std::isfinite(s.temperature))
    return "sampling temperature must be a finite number above 0, found " +
           number(s.temperature);
  if (s.top_k < 0)
    return "sampling top_k must be at least 0 (0: every token), found " +
           std::to_string(s.top_k);
  if (!(s.top_p > 0 && s.top_p <= 1))
    return "sampling top_p must be in (0, 1], found " +
           number(s.top_p);
  return "";
}

int64_t xf::rt::sampleToken(const float *logits, int64_t vocab,
                            const xf_sampling &s, TokenRng &rng,
                            SampleScratch &scratch) {
  std::vector<int64_t> &order = scratch.order;
  std::vector<double> &p = scratch.weight;
  for (int64_t t = 0; t < vocab; ++t)
    if (std::isnan(logits[t]))
      return -1;
  // The candidates, most likely first (lower id first among equals).
  int64_t k = s.top_k > 0 ? std::min(s.top_k, vocab) : vocab;
  order.resize(vocab);
  std::iota(order.begin(), order.end(), 0);
  auto likelier = [&](int64_t a, int64_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  };
  std::partial_sort(order.begin(), order.begin() + k, order.end(), likelier);
  // Softmax of logits / temperature over them, in double.
  const double top = logits[order[0]], inv = 1.0 / s.temperature;
  p.resize(k);
  double sum = 0;
  for (int64_t i = 0; i < k; ++i)
    sum += p[i] = std::exp((logits[order[i]] - top) * inv);
  // The nucleus: the fewest candidates whose probabilities reach top_p.
  int64_t keep = 0;
  double mass = 0;
  while (keep < k && (keep == 0 || mass < s.top_p * sum))
    mass += p[keep++];
  double u = rng.uniform() * mass;
  for (int64_t i = 0; i < keep; ++i) {
    if (u < p[i])
      return order[i];
    u -= p[i];
  }
  return order[keep - 1]; // rounding left u just past the last
}
