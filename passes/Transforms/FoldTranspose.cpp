//===- FoldTranspose.cpp - Transposes become matmul operand flags ---------===//
//
// `matmul(transpose(a, swap last two), b)` reads `a` with `transpose_a`
// flipped instead of materializing the transpose (and likewise for b); a
// transpose moves through an elementwise op when that cancels it with the
// operand's; a transpose that moves only unit dims becomes a reshape.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "xf-fold-transpose"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFOLDTRANSPOSEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

/// Whether `perm` swaps the last two dims and keeps the others in place.
static bool swapsLastTwo(ArrayRef<int64_t> perm) {
  int64_t rank = perm.size();
  if (rank < 2 || perm[rank - 1] != rank - 2 || perm[rank - 2] != rank - 1)
    return false;
  for (int64_t i = 0; i + 2 < rank; ++i)
    if (perm[i] != i)
      return false;
  return true;
}

FailureOr<MatmulOp> mlir::xf::foldTransposeIntoMatmul(RewriterBase &rewriter,
                                                      MatmulOp matmul) {
  auto lhsT = matmul.getLhs().getDefiningOp<TransposeOp>();
  auto rhsT = matmul.getRhs().getDefiningOp<TransposeOp>();
  bool foldLhs = lhsT && swapsLastTwo(lhsT.getPermutation());
  bool foldRhs = rhsT && swapsLastTwo(rhsT.getPermutation());
  if (!foldLhs && !foldRhs)
    return rewriter.notifyMatchFailure(
        matmul, "no operand is a transpose of its last two dims");
  Value lhs = foldLhs ? lhsT.getInput() : matmul.getLhs();
  Value rhs = foldRhs ? rhsT.getInput() : matmul.getRhs();
  bool ta = matmul.getTransposeA() != foldLhs;
  bool tb = matmul.getTransposeB() != foldRhs;
  LLVM_DEBUG(llvm::dbgs() << "folding transpose(s) into " << matmul << "\n");
  auto folded = rewriter.replaceOpWithNewOp<MatmulOp>(matmul, lhs, rhs, ta, tb);
  return folded;
}

namespace {

/// transpose(binary(transpose(x, inv(p)), y), p) -> binary(x, transpose(y, p)):
/// moves a transpose through an elementwise op when that cancels its pair
/// (the seed model's sequence-first positional encoding).
template <typename BinaryOp>
struct TransposeThroughElementwise : OpRewritePattern<TransposeOp> {
  using OpRewritePattern<TransposeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto bin = op.getInput().template getDefiningOp<BinaryOp>();
    if (!bin || !bin->hasOneUse())
      return rewriter.notifyMatchFailure(op,
                                         "input is not a single-use binary op");
    ArrayRef<int64_t> perm = op.getPermutation();
    for (unsigned side = 0; side < 2; ++side) {
      Value mine = side == 0 ? bin.getLhs() : bin.getRhs();
      Value other = side == 0 ? bin.getRhs() : bin.getLhs();
      auto inner = mine.getDefiningOp<TransposeOp>();
      if (!inner || cast<RankedTensorType>(other.getType()).getRank() !=
                        static_cast<int64_t>(perm.size()))
        continue;
      // inner ∘ perm must be the identity.
      bool cancels = true;
      for (size_t i = 0; i < perm.size(); ++i)
        cancels &= inner.getPermutation()[perm[i]] == static_cast<int64_t>(i);
      if (!cancels)
        continue;
      Value moved = TransposeOp::create(rewriter, op.getLoc(), other, perm);
      Value lhs = side == 0 ? inner.getInput() : moved;
      Value rhs = side == 0 ? moved : inner.getInput();
      rewriter.replaceOpWithNewOp<BinaryOp>(op, lhs, rhs);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no operand transpose cancels");
  }
};

/// A transpose that keeps the order of the non-unit dims moves no data: it
/// is a reshape.
struct UnitTransposeToReshape : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto in = cast<RankedTensorType>(op.getInput().getType());
    int64_t last = -1;
    for (int64_t p : op.getPermutation()) {
      if (in.getDimSize(p) == 1)
        continue;
      if (p < last)
        return rewriter.notifyMatchFailure(op, "moves non-unit dims");
      last = p;
    }
    SmallVector<Value> dynamic;
    for (int64_t p : op.getPermutation())
      if (in.isDynamicDim(p))
        dynamic.push_back(
            tensor::DimOp::create(rewriter, op.getLoc(), op.getInput(), p));
    rewriter.replaceOpWithNewOp<ReshapeOp>(op, op.getType(), op.getInput(),
                                           dynamic);
    return success();
  }
};

struct FoldTransposeIntoMatmul : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    return foldTransposeIntoMatmul(rewriter, op);
  }
};

struct XfFoldTransposePass final
    : mlir::xf::impl::XfFoldTransposePassBase<XfFoldTransposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateXfFoldTransposePatterns(patterns);
    TransposeOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void mlir::xf::populateXfFoldTransposePatterns(RewritePatternSet &patterns) {
  patterns.add<FoldTransposeIntoMatmul, TransposeThroughElementwise<AddOp>,
               TransposeThroughElementwise<SubOp>,
               TransposeThroughElementwise<MulOp>,
               TransposeThroughElementwise<DivOp>, UnitTransposeToReshape>(
      patterns.getContext());
}
