//===- LoopBuilder.h - Index constants and plain loops for kernels -*- C++
//-*-===//
//
// The small builders every hand-written kernel (CPU and GPU) uses.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_COMMON_LOOPBUILDER_H
#define XF_CODEGEN_COMMON_LOOPBUILDER_H

#include "mlir/IR/Builders.h"

namespace mlir::xf {

/// The index constant `i`.
Value idx(OpBuilder &b, Location loc, int64_t i);
/// base + i.
Value addIdx(OpBuilder &b, Location loc, Value base, int64_t i);
/// A loop over [lo, hi) by `step` with no carried values.
void forRange(OpBuilder &b, Location loc, Value lo, Value hi, Value step,
              function_ref<void(OpBuilder &, Location, Value)> body);

} // namespace mlir::xf

#endif // XF_CODEGEN_COMMON_LOOPBUILDER_H
