//===- Sampling.h - Picking a token from logits -----------------*- C++ -*-===//
//
// The token choice of xf_generation_sample: temperature, top-k and top-p
// (nucleus) sampling from one row's logits, with a deterministic generator
// per row (the same seed, model and inputs give the same tokens on every
// machine: the generator and the uniform draw are spelled out here, not
// left to a standard library's distributions).
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_SAMPLING_H
#define XF_RUNTIME_SRC_SAMPLING_H

#include "xf/runtime.h"
#include <cstdint>
#include <string>
#include <vector>

namespace xf::rt {

/// splitmix64: a small, well-mixed 64-bit generator whose sequence is fixed
/// by its seed.
class TokenRng {
public:
  explicit TokenRng(uint64_t seed) : state(seed) {}
  uint64_t next();
  /// Uniform in [0, 1), 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  uint64_t state;
};

/// "" if `s` is usable (temperature > 0 and finite, top_k >= 0,
/// 0 < top_p <= 1), else the message naming the field.
std::string checkSampling(const xf_sampling &s);

/// Buffers sampleToken reuses from call to call (a vocabulary's worth).
struct SampleScratch {
  std::vector<int64_t> order;
  std::vector<double> weight;
};

/// A token from `logits` [vocab]: softmax of logits / temperature over the
/// top_k most likely tokens (0: all), then over the fewest most likely
/// ones whose probabilities reach top_p, drawn with `rng`. Ties keep the
/// lower id first. -1 if a logit is NaN.
int64_t sampleToken(const float *logits, int64_t vocab, const xf_sampling &s,
                    TokenRng &rng, SampleScratch &scratch);

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_SAMPLING_H
