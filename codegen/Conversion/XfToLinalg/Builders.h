//===- Builders.h - linalg builders shared by the xf→linalg patterns -*- C++
//-*-//
//
// Broadcasting elementwise generics, reductions along an axis, and the
// scalar bodies (constants, activations) that the per-family pattern files
// of the xf→linalg conversion build their lowerings from.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_CONVERSION_XFTOLINALG_BUILDERS_H
#define XF_CODEGEN_CONVERSION_XFTOLINALG_BUILDERS_H

#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

namespace mlir::xf::linalg_lowering {

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

Value f32Const(OpBuilder &b, Location loc, double v);

Value indexConst(OpBuilder &b, Location loc, int64_t v);

/// Reductions may be reassociated (and multiply-adds contracted into FMAs)
/// so LLVM can vectorize them; results stay within the float tolerance.
arith::FastMathFlagsAttr reassoc(OpBuilder &b);

SmallVector<utils::IteratorType> parallel(unsigned n);

/// The map reading an operand of shape `in`, broadcast (aligned right) into
/// an iteration space whose first `out.size()` dims are the output dims. A
/// static 1 that stretches reads index 0.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> in,
                       ArrayRef<int64_t> out, unsigned numDims);

/// The sizes of `out`: static dims as attributes, dynamic ones read from the
/// first operand that has that dim (not stretched).
SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType out,
                                         ValueRange operands);

/// A parallel generic computing `out` from `inputs` broadcast to its shape.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType out,
                  ValueRange inputs, BodyFn body);

/// Maps for a generic over the full shape of `x` (rank `rank`) in which
/// `reduced` operands lack dim `axis`.
AffineMap dropDimMap(MLIRContext *ctx, unsigned rank, int64_t axis);

/// Reduces along `axis` of the full-shape operands `full` (the first sets
/// the shape), with `reduced` operands (shape without `axis`) broadcast
/// along it. `body(args..., acc)` returns the new accumulator.
Value reduceAlong(OpBuilder &b, Location loc, ValueRange full,
                  ValueRange reduced, int64_t axis, double init, BodyFn body);

/// An elementwise generic over the shape of `full[0]` with `reduced`
/// operands broadcast along `axis` and `vectors` (rank 1) along the last dim.
Value mapAlong(OpBuilder &b, Location loc, ValueRange full, ValueRange reduced,
               ValueRange vectors, int64_t axis, BodyFn body);

/// `dim` of `v` as an f32 value (a norm's element count).
Value dimAsF32(OpBuilder &b, Location loc, Value v, int64_t dim);

/// `act(x)` on one element, as the unfused activation ops compute it.
Value applyActivation(OpBuilder &b, Location l, Activation act, Value x);

} // namespace mlir::xf::linalg_lowering

#endif // XF_CODEGEN_CONVERSION_XFTOLINALG_BUILDERS_H
