//===- Quantize.cpp - Weights in reduced precision (bf16, int8) -----------===//

#include "runtime/io/Quantize.h"
#include <algorithm>
#include <cmath>
#include <cstring>

uint16_t xf::rt::toBf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, 4);
  if ((bits & 0x7f800000u) == 0x7f800000u) // inf and NaN: truncate, but
    return static_cast<uint16_t>((bits >> 16) | ((bits & 0xffff) ? 0x40 : 0));
  return static_cast<uint16_t>((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

void xf::rt::quantizeRows(const float *w, int64_t rows, int64_t k, int8_t *q,
                          float *scales) {
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = w + r * k;
    int8_t *out = q + r * k;
    float amax = 0;
    for (int64_t p = 0; p < k; ++p)
      amax = std::max(amax, std::fabs(row[p]));
    scales[r] = amax / 127.0f;
    if (amax == 0) {
      std::fill(out, out + k, 0);
      continue;
    }
    // The same float operations as the compiled kernels' rows and the
    // interpreter, so all three agree bit for bit.
    float inv = 127.0f / amax;
    for (int64_t p = 0; p < k; ++p)
      out[p] = static_cast<int8_t>(
          std::min(127.0f, std::max(-127.0f, std::nearbyint(row[p] * inv))));
  }
}
