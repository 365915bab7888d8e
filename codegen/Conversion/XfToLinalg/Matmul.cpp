//===- Matmul.cpp - xf.matmul with its epilogue---------------------------===//
//
// xf.matmul (batched, broadcasting, transposes in the indexing maps) with
// its fused bias/activation epilogue; weight matmuls are tagged for the
// CPU linear kernel.
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

/// `result` + bias (over the last dim), then the activation: the epilogue
/// xf.matmul and xf.quantized_linear fuse.
Value withEpilogue(OpBuilder &rewriter, Location loc, Value result, Value bias,
                   Activation act) {
  if (!bias && act == Activation::None)
    return result;
  SmallVector<Value> operands = {result};
  if (bias)
    operands.push_back(bias);
  return elementwise(rewriter, loc, cast<RankedTensorType>(result.getType()),
                     operands, [&](OpBuilder &b, Location l, ValueRange a) {
                       Value x = a[0];
                       if (bias)
                         x = arith::AddFOp::create(b, l, x, a[1]);
                       return applyActivation(b, l, act, x);
                     });
}

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    RankedTensorType out = op.getType();
    bool transposeB = op.getTransposeB();
    if (!transposeB && rt.getRank() > 2) {
      // A batched rhs [.., k, n] (P · V) would be read with a stride in the
      // innermost k loop: copy it to [.., n, k] once (k·n elements for
      // m·k·n multiply-adds) and take dot products of contiguous rows.
      SmallVector<int64_t> perm =
          llvm::to_vector(llvm::seq<int64_t>(0, rt.getRank()));
      std::swap(perm[rt.getRank() - 1], perm[rt.getRank() - 2]);
      SmallVector<OpFoldResult> in = tensor::getMixedSizes(rewriter, loc, rhs);
      SmallVector<OpFoldResult> sizes;
      for (int64_t p : perm)
        sizes.push_back(in[p]);
      Value init =
          tensor::EmptyOp::create(rewriter, loc, sizes, rt.getElementType());
      rhs = linalg::TransposeOp::create(rewriter, loc, rhs, init, perm)
                ->getResult(0);
      rt = cast<RankedTensorType>(rhs.getType());
      transposeB = true;
    }
    // Loop order after the batch dims: m, n, then the reduction k (parallel
    // loops must stay outermost: they become one OpenMP loop). When the rhs
    // is a weight shared by all rows, n goes outside m, so each weight row
    // stays cached while the lhs rows stream past it.
    unsigned rank = out.getRank(), numDims = rank + 1;
    unsigned mDim = rank - 2, nDim = rank - 1, kDim = rank;
    if (rt.getRank() == 2)
      std::swap(mDim, nDim);
    AffineExpr m = getAffineDimExpr(mDim, ctx), n = getAffineDimExpr(nDim, ctx),
               k = getAffineDimExpr(kDim, ctx);
    ArrayRef<int64_t> batch = out.getShape().drop_back(2);
    auto operandMap = [&](RankedTensorType t, AffineExpr row, AffineExpr col,
                          bool transposed) {
      AffineMap b =
          broadcastMap(ctx, t.getShape().drop_back(2), batch, numDims);
      SmallVector<AffineExpr> exprs(b.getResults());
      exprs.push_back(transposed ? col : row);
      exprs.push_back(transposed ? row : col);
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> outExprs;
    for (unsigned d = 0; d + 2 < rank; ++d)
      outExprs.push_back(getAffineDimExpr(d, ctx));
    outExprs.push_back(m);
    outExprs.push_back(n);
    SmallVector<AffineMap> maps = {operandMap(lt, m, k, op.getTransposeA()),
                                   operandMap(rt, k, n, transposeB),
                                   AffineMap::get(numDims, 0, outExprs, ctx)};
    // Output sizes: batch from either operand, m from lhs, n from rhs.
    SmallVector<OpFoldResult> sizes;
    for (unsigned d = 0; d + 2 < rank; ++d) {
      if (!out.isDynamicDim(d)) {
        sizes.push_back(rewriter.getIndexAttr(out.getDimSize(d)));
        continue;
      }
      int64_t la = d - (rank - lt.getRank()), ra = d - (rank - rt.getRank());
      sizes.push_back(la >= 0 && lt.getDimSize(la) != 1
                          ? tensor::getMixedSize(rewriter, loc, lhs, la)
                          : tensor::getMixedSize(rewriter, loc, rhs, ra));
    }
    sizes.push_back(tensor::getMixedSize(
        rewriter, loc, lhs, lt.getRank() - (op.getTransposeA() ? 1 : 2)));
    sizes.push_back(tensor::getMixedSize(rewriter, loc, rhs,
                                         rt.getRank() - (transposeB ? 2 : 1)));
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, sizes, out.getElementType());
    Value zero = linalg::FillOp::create(rewriter, loc,
                                        ValueRange{f32Const(rewriter, loc, 0)},
                                        ValueRange{empty})
                     .getResult(0);
    SmallVector<utils::IteratorType> iters = parallel(numDims);
    iters[kDim] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{out}, ValueRange{lhs, rhs}, ValueRange{zero},
        maps, iters, [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = arith::MulFOp::create(b, l, a[0], a[1], reassoc(b));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::AddFOp::create(b, l, a[2], prod, reassoc(b))});
        });
    // x · Wᵀ with a static weight: the CPU pipeline gives it an
    // outer-product kernel (xf-cpu-matmul-kernel).
    if (rt.getRank() == 2 && transposeB && !op.getTransposeA() &&
        rt.hasStaticShape() && lt.getRank() >= 2 &&
        lt.getDimSize(lt.getRank() - 1) == rt.getDimSize(1))
      generic->setAttr(XfDialect::getWeightMatmulAttrName(), rewriter.getUnitAttr());
    rewriter.replaceOp(op, withEpilogue(rewriter, loc, generic.getResult(0),
                                        adaptor.getBias(),
                                        op.getActivation()));
    return success();
  }
};

/// xf.quantized_linear: a generic over (rows of x..., n, k) tagged with the
/// weight's precision, which only stands in for the CPU linear kernel
/// (xf-cpu-matmul-kernel replaces it; the runtime passes i8 weights offset
/// and the kernel quantizes x's rows, which a generic cannot say), then
/// the same epilogue as xf.matmul.
struct QuantizedLinearLowering : OpConversionPattern<QuantizedLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizedLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value x = adaptor.getInput();
    RankedTensorType out = op.getType();
    bool isInt8 = op.getWeight().getType().getElementType().isInteger(8);
    unsigned rank = out.getRank(), numDims = rank + 1;
    SmallVector<AffineExpr> lead;
    for (unsigned d = 0; d + 1 < rank; ++d)
      lead.push_back(getAffineDimExpr(d, ctx));
    AffineExpr n = getAffineDimExpr(rank - 1, ctx),
               k = getAffineDimExpr(rank, ctx);
    auto map = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> xExprs(lead), outExprs(lead);
    xExprs.push_back(k);
    outExprs.push_back(n);
    SmallVector<AffineMap> maps = {map(xExprs), map({n, k})};
    SmallVector<Value> inputs = {x, adaptor.getWeight()};
    if (isInt8) {
      // [2, N]: the kernel reads row 1 too (W's sums of q).
      maps.push_back(map({getAffineConstantExpr(0, ctx), n}));
      inputs.push_back(adaptor.getScales());
    }
    maps.push_back(map(outExprs));
    SmallVector<OpFoldResult> sizes;
    for (unsigned d = 0; d + 1 < rank; ++d)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, x, d));
    sizes.push_back(rewriter.getIndexAttr(out.getShape().back()));
    Value zero = linalg::FillOp::create(
                     rewriter, loc, ValueRange{f32Const(rewriter, loc, 0)},
                     ValueRange{tensor::EmptyOp::create(
                         rewriter, loc, sizes, out.getElementType())})
                     .getResult(0);
    SmallVector<utils::IteratorType> iters = parallel(numDims);
    iters[rank] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{out}, inputs, ValueRange{zero}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange a) {
          // W dequantized, for a reader: the kernel's real arithmetic is
          // in the op's description.
          Type f32 = b.getF32Type();
          Value w = isInt8 ? arith::MulFOp::create(
                                 b, l, arith::SIToFPOp::create(b, l, f32, a[1]),
                                 a[2])
                                 .getResult()
                           : arith::ExtFOp::create(b, l, f32, a[1]).getResult();
          Value prod = arith::MulFOp::create(b, l, a[0], w);
          linalg::YieldOp::create(
              b, l, ValueRange{arith::AddFOp::create(b, l, a.back(), prod)});
        });
    generic->setAttr(XfDialect::getWeightMatmulAttrName(),
                     rewriter.getStringAttr(isInt8 ? "int8" : "bf16"));
    rewriter.replaceOp(op, withEpilogue(rewriter, loc, generic.getResult(0),
                                        adaptor.getBias(),
                                        op.getActivation()));
    return success();
  }
};

} // namespace

void linalg_lowering::populateMatmulLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<MatmulLowering, QuantizedLinearLowering>(patterns.getContext());
}
