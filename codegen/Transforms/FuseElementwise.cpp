//===- FuseElementwise.cpp - Elementwise fusion that never recomputes -----===//
//
// linalg's elementwise fusion (as upstream's linalg-fuse-elementwise-ops)
// with a control function: a producer fuses into a consumer only if it has
// one use and the consumer has no reduction loop (fused into a matmul, a ReLU
// or bias add would run once per output column, and the matmul would no
// longer be the plain x · Wᵀ the CPU kernel takes). First, a fill of a
// fresh tensor is redone right before each use: CSE merges every matmul's
// zero accumulator into one fill, which bufferization would then copy once
// per matmul.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSEELEMENTWISEPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

struct XfFuseElementwisePass final
    : mlir::xf::impl::XfFuseElementwisePassBase<XfFuseElementwisePass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    getOperation().walk([&](linalg::FillOp fill) {
      if (fill.hasPureTensorSemantics() && !fill->use_empty() &&
          fill.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
        fills.push_back(fill);
    });
    // Each use gets its own fill right before it (the matmul kernels fold a
    // fill just before them into their accumulators); uses after the first
    // also get their own empty tensor. The first keeps the original one,
    // which other ops may share as their destination (CSE merges equal
    // empties): bufferization then keeps such chains in one buffer.
    for (linalg::FillOp fill : fills) {
      Operation *empty = fill.getDpsInits()[0].getDefiningOp();
      SmallVector<OpOperand *> uses;
      for (OpOperand &use : fill->getResult(0).getUses())
        uses.push_back(&use);
      for (auto [i, use] : llvm::enumerate(uses)) {
        OpBuilder b(use->getOwner());
        IRMapping map;
        if (i)
          map.map(empty->getResult(0), b.clone(*empty)->getResult(0));
        use->set(b.clone(*fill, map)->getResult(0));
      }
      fill.erase();
    }

    RewritePatternSet patterns(&getContext());
    // As upstream's pass: a producer fuses if it has one use; reshapes move
    // through generics (by expansion) where that lets them fuse.
    linalg::ControlFusionFn oneUse = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      return producer && producer->hasOneUse();
    };
    // Elementwise fusion also needs a consumer without reductions.
    linalg::ControlFusionFn control = [oneUse](OpOperand *fused) {
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      return oneUse(fused) && consumer && consumer.getNumReductionLoops() == 0;
    };
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, oneUse);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, &getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
