//===- ReducePrecision.cpp - Linear layers read bf16 or int8 weights ------===//
//
// `x · Wᵀ` with a stored 2-D weight becomes xf.quantized_linear on the same
// parameter read as bf16, or as i8 with its per-row scales.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFREDUCEPRECISIONPASS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

FailureOr<QuantizedLinearOp>
mlir::xf::reduceLinearPrecision(RewriterBase &rewriter, MatmulOp matmul,
                                Type weightType) {
  auto param = matmul.getRhs().getDefiningOp<ParamOp>();
  auto x = cast<RankedTensorType>(matmul.getLhs().getType());
  if (!param || !matmul.getTransposeB() || matmul.getTransposeA() ||
      x.getRank() < 2)
    return rewriter.notifyMatchFailure(matmul, "not x · Wᵀ of a parameter");
  auto w = param.getResult().getType();
  if (w.getRank() != 2 || !w.getElementType().isF32())
    return rewriter.notifyMatchFailure(matmul, "not a 2-D f32 weight");
  // New parameter ops next to the old one: every user of the old one
  // (other layers share it through the function's argument later) stays.
  rewriter.setInsertionPointAfter(param);
  Location loc = param.getLoc();
  Value weight = ParamOp::create(
      rewriter, loc, RankedTensorType::get(w.getShape(), weightType),
      param.getName());
  Value scales;
  if (weightType.isInteger(8))
    scales = WeightScalesOp::create(
        rewriter, loc,
        RankedTensorType::get({w.getDimSize(0)}, rewriter.getF32Type()),
        param.getName());
  rewriter.setInsertionPoint(matmul);
  auto linear = rewriter.replaceOpWithNewOp<QuantizedLinearOp>(
      matmul, matmul.getLhs(), weight, scales, matmul.getBias(),
      matmul.getActivation());
  return linear;
}

namespace {

struct ReduceLinear : OpRewritePattern<MatmulOp> {
  ReduceLinear(MLIRContext *ctx, Type weightType)
      : OpRewritePattern(ctx), weightType(weightType) {}
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    return reduceLinearPrecision(rewriter, op, weightType);
  }
  Type weightType;
};

struct XfReducePrecisionPass final
    : mlir::xf::impl::XfReducePrecisionPassBase<XfReducePrecisionPass> {
  using Base::Base;
  void runOnOperation() override {
    Builder b(&getContext());
    Type weightType;
    if (precision == "bf16")
      weightType = b.getBF16Type();
    else if (precision == "int8")
      weightType = b.getIntegerType(8);
    else {
      getOperation().emitError("xf-reduce-precision: unknown precision '")
          << precision << "' (expected bf16 or int8)";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    populateXfReducePrecisionPatterns(patterns, weightType);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::xf::populateXfReducePrecisionPatterns(RewritePatternSet &patterns,
                                                 Type weightType) {
  patterns.add<ReduceLinear>(patterns.getContext(), weightType);
}
