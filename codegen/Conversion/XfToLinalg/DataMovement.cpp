//===- DataMovement.cpp - transposes and reshapes-------------------------===//
//
// xf.transpose as linalg.transpose, xf.reshape as tensor.reshape.
//
//===----------------------------------------------------------------------===//

#include "codegen/Conversion/XfToLinalg/Builders.h"
#include "codegen/Conversion/XfToLinalg/Patterns.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::linalg_lowering;

namespace {

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> in =
        tensor::getMixedSizes(rewriter, loc, adaptor.getInput());
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : op.getPermutation())
      sizes.push_back(in[p]);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         op.getType().getElementType());
    auto t = linalg::TransposeOp::create(rewriter, loc, adaptor.getInput(),
                                         init, op.getPermutation());
    rewriter.replaceOp(op, t->getResult(0));
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType out = op.getType();
    SmallVector<Value> dims;
    unsigned next = 0;
    for (int64_t d = 0; d < out.getRank(); ++d)
      dims.push_back(out.isDynamicDim(d)
                         ? adaptor.getDynamicDims()[next++]
                         : indexConst(rewriter, loc, out.getDimSize(d)));
    Value shape = tensor::FromElementsOp::create(
        rewriter, loc,
        RankedTensorType::get({out.getRank()}, rewriter.getIndexType()), dims);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, out, adaptor.getInput(),
                                                   shape);
    return success();
  }
};

} // namespace

void linalg_lowering::populateDataMovementLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<TransposeLowering, ReshapeLowering>(patterns.getContext());
}
