//===- XfShapes.h - Shape rules of the xf ops -------------------*- C++ -*-===//
//
// The broadcasting and matmul shape rules, on dim lists where
// `ShapedType::kDynamic` is an unknown size. Type inference uses them on
// static types; the interpreter uses them on the concrete shapes of values.
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_IR_XFSHAPES_H
#define XF_DIALECT_IR_XFSHAPES_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include <string>

namespace mlir::xf {

/// Prints a shape as `?x8x64` (`scalar` for rank 0).
std::string formatShape(ArrayRef<int64_t> shape);

/// Broadcasts two shapes (trailing dims align, a 1 stretches). On a conflict,
/// returns failure and sets `reason`.
LogicalResult broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                              SmallVectorImpl<int64_t> &result,
                              std::string &reason);

/// Whether `from` broadcasts to exactly `to` (as a mask onto its input).
bool isBroadcastableTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to);

/// The result shape of `matmul(lhs, rhs)` with the given transpose flags:
/// batch dims broadcast, the contraction dims must agree.
LogicalResult matmulShape(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                          bool transposeA, bool transposeB,
                          SmallVectorImpl<int64_t> &result,
                          std::string &reason);

} // namespace mlir::xf

#endif // XF_DIALECT_IR_XFSHAPES_H
