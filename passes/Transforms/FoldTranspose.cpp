//===- FoldTranspose.cpp - Transposes become matmul operand flags ---------===//
//
// `matmul(transpose(a, swap last two), b)` reads `a` with `transpose_a`
// flipped instead of materializing the transpose (and likewise for b).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
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
      signalPassFailure();
  }
};
} // namespace

void mlir::xf::populateXfFoldTransposePatterns(RewritePatternSet &patterns) {
  patterns.add<FoldTransposeIntoMatmul>(patterns.getContext());
}
