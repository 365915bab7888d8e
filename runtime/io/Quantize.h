//===- Quantize.h - Weights in reduced precision (bf16, int8) ---*- C++ -*-===//
//
// The conversions of xf/abi.h's reduced-precision parameters, shared by the
// runtime (at load) and xf-quantize (ahead of time): rounding to bf16, and
// symmetric per-row int8 quantization.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_IO_QUANTIZE_H
#define XF_RUNTIME_IO_QUANTIZE_H

#include <cstddef>
#include <cstdint>

namespace xf::rt {

/// The bits of `x` rounded to the nearest bf16 (ties to even; NaN stays
/// NaN).
uint16_t toBf16(float x);

/// Quantizes the `rows` x `k` row-major `w`: q[r, :] = roundeven(w[r, :] ·
/// 127 / max|w[r, :]|) in [-127, 127], scales[r] = max|w[r, :]| / 127 (0
/// and all-zero q for a zero row).
void quantizeRows(const float *w, int64_t rows, int64_t k, int8_t *q,
                  float *scales);

} // namespace xf::rt

#endif // XF_RUNTIME_IO_QUANTIZE_H
