//===- KernelBuilder.h - Small builders the CPU kernels share ---*- C++ -*-===//
//
// Index constants and offsets, loops without carried values, and the 16x16
// register transpose both hand-written kernels (MatmulKernel, FlashAttention)
// use to turn rows into columns without a transposed copy in memory.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_CPU_KERNELBUILDER_H
#define XF_CODEGEN_CPU_KERNELBUILDER_H

#include "mlir/IR/Builders.h"

namespace mlir::xf::cpu {

/// The index constant `i`.
Value idx(OpBuilder &b, Location loc, int64_t i);
/// base + i.
Value addIdx(OpBuilder &b, Location loc, Value base, int64_t i);
/// A loop over [lo, hi) by `step` with no carried values.
void forRange(OpBuilder &b, Location loc, Value lo, Value hi, Value step,
              function_ref<void(OpBuilder &, Location, Value)> body);
/// The 16 columns of the 16x16 f32 tile whose rows are `rows` (up to 16
/// vectors of 16; missing rows are zero), by one `vector.transpose`
/// (lowered to AVX-512 shuffles).
SmallVector<Value> transpose16(OpBuilder &b, Location loc, ValueRange rows);

} // namespace mlir::xf::cpu

#endif // XF_CODEGEN_CPU_KERNELBUILDER_H
