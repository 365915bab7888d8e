//===- Normalization.cpp - softmax, LayerNorm and RMSNorm-----------------===//
//
// Softmax and the norms as reductions along the last axis followed by
// an elementwise generic (residual add of LayerNorm fused).
//
//===----------------------------------------------------------------------===//

#include "codegen/Conversion/XfToLinalg/Builders.h"
#include "codegen/Conversion/XfToLinalg/Patterns.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::linalg_lowering;

namespace {

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t axis = op.getAxis();
    // 1. m = max(x); 2. s = sum(exp(x - m)); 3. exp(x - m) / s.
    Value mx = reduceAlong(rewriter, loc, {x}, {}, axis, -INFINITY,
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return arith::MaximumFOp::create(b, l, a[0], a[1]);
                           });
    Value sum =
        reduceAlong(rewriter, loc, {x}, {mx}, axis, 0,
                    [](OpBuilder &b, Location l, ValueRange a) -> Value {
                      Value e = math::ExpOp::create(
                          b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                      return arith::AddFOp::create(b, l, a[2], e, reassoc(b));
                    });
    rewriter.replaceOp(
        op, mapAlong(rewriter, loc, {x}, {mx, sum}, {}, axis,
                     [](OpBuilder &b, Location l, ValueRange a) -> Value {
                       Value e = math::ExpOp::create(
                           b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                       return arith::DivFOp::create(b, l, e, a[2]);
                     }));
    return success();
  }
};

/// Layer and RMS norm over the last axis.
template <typename NormOp> struct NormLowering : OpConversionPattern<NormOp> {
  using OpConversionPattern<NormOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NormOp op, typename NormOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    constexpr bool isRms = std::is_same_v<NormOp, RmsNormOp>;
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    if constexpr (!isRms) {
      // A fused residual: elementwise fusion inlines this sum into the
      // reductions below, so it is never stored.
      if (Value residual = adaptor.getResidual())
        x = elementwise(rewriter, loc, op.getType(), {x, residual},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::AddFOp::create(b, l, a[0], a[1]);
                        });
    }
    int64_t axis = op.getType().getRank() - 1;
    Value count = dimAsF32(rewriter, loc, x, axis);
    float eps = op.getEpsilon().convertToFloat();
    // 1. mean (layer norm only); 2. variance (or mean square); 3. normalize.
    Value mean;
    if (!isRms) {
      Value sum = reduceAlong(
          rewriter, loc, {x}, {}, axis, 0,
          [](OpBuilder &b, Location l, ValueRange a) -> Value {
            return arith::AddFOp::create(b, l, a[1], a[0], reassoc(b));
          });
      mean = mapAlongReduced(rewriter, loc, sum, count);
    }
    SmallVector<Value> reduced;
    if (mean)
      reduced.push_back(mean);
    Value var = reduceAlong(
        rewriter, loc, {x}, reduced, axis, 0,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value c = mean ? arith::SubFOp::create(b, l, a[0], a[1]) : a[0];
          Value sq = arith::MulFOp::create(b, l, c, c);
          return arith::AddFOp::create(b, l, a.back(), sq, reassoc(b));
        });
    reduced.push_back(var);
    SmallVector<Value> vectors;
    Value weight = adaptor.getWeight(), bias;
    if constexpr (!isRms)
      bias = adaptor.getBias();
    if (weight)
      vectors.push_back(weight);
    if (bias)
      vectors.push_back(bias);
    Value out = mapAlong(
        rewriter, loc, {x}, reduced, vectors, axis,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          unsigned i = 1;
          Value centered =
              mean ? arith::SubFOp::create(b, l, a[0], a[i++]) : a[0];
          Value v = arith::DivFOp::create(b, l, a[i++], count);
          Value inv = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, v, f32Const(b, l, eps)));
          Value y = arith::MulFOp::create(b, l, centered, inv);
          if (weight)
            y = arith::MulFOp::create(b, l, y, a[i++]);
          if (bias)
            y = arith::AddFOp::create(b, l, y, a[i++]);
          return y;
        });
    rewriter.replaceOp(op, out);
    return success();
  }

  /// sum / count, elementwise on the reduced tensor.
  static Value mapAlongReduced(OpBuilder &b, Location loc, Value sum,
                               Value count) {
    return elementwise(b, loc, cast<RankedTensorType>(sum.getType()), {sum},
                       [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return arith::DivFOp::create(nb, l, a[0], count);
                       });
  }
};

} // namespace

void linalg_lowering::populateNormalizationLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<SoftmaxLowering, NormLowering<LayerNormOp>, NormLowering<RmsNormOp>>(
          patterns.getContext());
}
