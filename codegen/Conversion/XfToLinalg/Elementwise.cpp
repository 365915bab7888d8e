//===- Elementwise.cpp - binary and unary arithmetic, activations, masks' or and
//masked_fill ===//
//
// Broadcasting elementwise xf ops (add/sub/mul/div, scale, relu/silu/gelu,
// or, masked_fill) as one parallel linalg.generic each.
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

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// Binary arithmetic with broadcasting.
template <typename XfOp, typename ArithOp>
struct BinaryLowering : OpConversionPattern<XfOp> {
  using OpConversionPattern<XfOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(XfOp op, typename XfOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value r = elementwise(rewriter, op.getLoc(), op.getType(),
                          {adaptor.getLhs(), adaptor.getRhs()},
                          [](OpBuilder &b, Location l, ValueRange a) -> Value {
                            return ArithOp::create(b, l, a[0], a[1]);
                          });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Unary ops whose body is a function of one element.
template <typename XfOp> struct UnaryLowering : OpConversionPattern<XfOp> {
  using OpConversionPattern<XfOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(XfOp op, typename XfOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value r =
        elementwise(rewriter, op.getLoc(), op.getType(), {adaptor.getInput()},
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      return compute(op, b, l, a[0]);
                    });
    rewriter.replaceOp(op, r);
    return success();
  }
  static Value compute(XfOp op, OpBuilder &b, Location l, Value x);
};

template <>
Value UnaryLowering<ScaleOp>::compute(ScaleOp op, OpBuilder &b, Location l,
                                      Value x) {
  return arith::MulFOp::create(b, l, x,
                               f32Const(b, l, op.getFactor().convertToFloat()));
}
template <>
Value UnaryLowering<ReluOp>::compute(ReluOp, OpBuilder &b, Location l,
                                     Value x) {
  return applyActivation(b, l, Activation::Relu, x);
}
template <>
Value UnaryLowering<SiluOp>::compute(SiluOp, OpBuilder &b, Location l,
                                     Value x) {
  return applyActivation(b, l, Activation::Silu, x);
}
template <>
Value UnaryLowering<TanhOp>::compute(TanhOp, OpBuilder &b, Location l,
                                     Value x) {
  return math::TanhOp::create(b, l, x);
}
template <>
Value UnaryLowering<GeluOp>::compute(GeluOp op, OpBuilder &b, Location l,
                                     Value x) {
  return applyActivation(
      b, l, op.getTanh() ? Activation::GeluTanh : Activation::Gelu, x);
}

struct OrLowering : OpConversionPattern<OrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OrOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getType(),
                        {adaptor.getLhs(), adaptor.getRhs()},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::OrIOp::create(b, l, a[0], a[1]);
                        }));
    return success();
  }
};

struct MaskedFillLowering : OpConversionPattern<MaskedFillOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaskedFillOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    float value = op.getValue().convertToFloat();
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getType(),
                        {adaptor.getInput(), adaptor.getMask()},
                        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::SelectOp::create(
                              b, l, a[1], f32Const(b, l, value), a[0]);
                        }));
    return success();
  }
};

} // namespace

void linalg_lowering::populateElementwiseLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<BinaryLowering<AddOp, arith::AddFOp>,
               BinaryLowering<SubOp, arith::SubFOp>,
               BinaryLowering<MulOp, arith::MulFOp>,
               BinaryLowering<DivOp, arith::DivFOp>, UnaryLowering<ScaleOp>,
               UnaryLowering<ReluOp>, UnaryLowering<SiluOp>,
               UnaryLowering<TanhOp>, UnaryLowering<GeluOp>, OrLowering, MaskedFillLowering>(
      patterns.getContext());
}
