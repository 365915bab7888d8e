//===- FuseEpilogue.cpp - Bias, activation and residual fusion ------------===//
//
// Absorbs the elementwise work after a matmul (bias add, activation) into
// the matmul, and a residual add into the LayerNorm that consumes it.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"
#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "xf-fuse-epilogue"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSEEPILOGUEPASS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {

/// A single-use matmul with no epilogue yet.
MatmulOp bareMatmul(Value v) {
  auto mm = v.getDefiningOp<MatmulOp>();
  if (!mm || !mm->hasOneUse() || mm.getBias() ||
      mm.getActivation() != Activation::None)
    return nullptr;
  return mm;
}

MatmulOp rebuild(PatternRewriter &rewriter, Operation *replaced, MatmulOp mm,
                 Value bias, Activation act) {
  LLVM_DEBUG(llvm::dbgs() << "absorbing " << *replaced << " into " << mm
                          << "\n");
  return rewriter.replaceOpWithNewOp<MatmulOp>(
      replaced, mm.getLhs(), mm.getRhs(), bias, mm.getTransposeA(),
      mm.getTransposeB(), act);
}

/// add(matmul, bias) with bias a vector over the last dim.
struct FuseBias : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AddOp add,
                                PatternRewriter &rewriter) const override {
    for (auto [mmValue, bias] : {std::pair{add.getLhs(), add.getRhs()},
                                 std::pair{add.getRhs(), add.getLhs()}}) {
      MatmulOp mm = bareMatmul(mmValue);
      auto bt = cast<RankedTensorType>(bias.getType());
      if (!mm || bt.getRank() != 1 || mm.getType() != add.getType() ||
          bt.getDimSize(0) != mm.getType().getShape().back())
        continue;
      rebuild(rewriter, add, mm, bias, Activation::None);
      return success();
    }
    return rewriter.notifyMatchFailure(add, "not matmul + bias vector");
  }
};

/// act(matmul) for the activations a matmul can carry.
template <typename ActOp> struct FuseActivation : OpRewritePattern<ActOp> {
  using OpRewritePattern<ActOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(ActOp op,
                                PatternRewriter &rewriter) const override {
    auto mm = op.getInput().template getDefiningOp<MatmulOp>();
    if (!mm || !mm->hasOneUse() || mm.getActivation() != Activation::None)
      return rewriter.notifyMatchFailure(op, "input is not a bare matmul");
    Activation act = Activation::Relu;
    if constexpr (std::is_same_v<ActOp, SiluOp>)
      act = Activation::Silu;
    if constexpr (std::is_same_v<ActOp, GeluOp>)
      act = op.getTanh() ? Activation::GeluTanh : Activation::Gelu;
    rebuild(rewriter, op, mm, mm.getBias(), act);
    return success();
  }
};

/// layer_norm(add(x, r)) with x, r of the result's shape.
struct FuseResidual : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp ln,
                                PatternRewriter &rewriter) const override {
    auto add = ln.getInput().getDefiningOp<AddOp>();
    if (!add || !add->hasOneUse() || ln.getResidual() ||
        add.getLhs().getType() != ln.getType() ||
        add.getRhs().getType() != ln.getType())
      return rewriter.notifyMatchFailure(ln, "input is not a same-shape add");
    rewriter.replaceOpWithNewOp<LayerNormOp>(ln, add.getLhs(), ln.getWeight(),
                                             ln.getBias(), add.getRhs(),
                                             ln.getEpsilonAttr());
    return success();
  }
};

/// Whether `op` is a candidate: an epilogue op right after a matmul, or a
/// LayerNorm right after an add.
bool isCandidate(Operation *op) {
  // An add feeding a LayerNorm is that LayerNorm's residual candidate.
  if (isa<AddOp>(op) && op->hasOneUse() &&
      isa<LayerNormOp>(*op->getUsers().begin()))
    return false;
  auto fromMatmul = [](Value v) {
    return v.getDefiningOp<MatmulOp>() != nullptr;
  };
  if (isa<AddOp, ReluOp, GeluOp, SiluOp>(op) &&
      llvm::any_of(op->getOperands(), fromMatmul))
    return true;
  // An activation of a bias add of a matmul: fused once the bias is.
  if (isa<ReluOp, GeluOp, SiluOp>(op))
    if (auto add = op->getOperand(0).getDefiningOp<AddOp>())
      return llvm::any_of(add->getOperands(), fromMatmul);
  if (auto ln = dyn_cast<LayerNormOp>(op))
    return ln.getInput().getDefiningOp<AddOp>() != nullptr;
  return false;
}

/// The one-line verdict on a candidate the patterns left in place.
std::string whyNot(Operation *op) {
  if (auto ln = dyn_cast<LayerNormOp>(op)) {
    auto add = ln.getInput().getDefiningOp<AddOp>();
    if (!add->hasOneUse())
      return "the residual sum has another use";
    return "the add broadcasts (not a residual of the same shape)";
  }
  for (Value v : op->getOperands())
    if (auto mm = v.getDefiningOp<MatmulOp>()) {
      if (!mm->hasOneUse())
        return "the matmul has another use";
      if (mm.getActivation() != Activation::None)
        return "the matmul already has an activation";
    }
  return isa<AddOp>(op) ? "the other operand is not a bias over the last dim"
                        : "the matmul cannot take this epilogue";
}

struct XfFuseEpiloguePass final
    : mlir::xf::impl::XfFuseEpiloguePassBase<XfFuseEpiloguePass> {
  using Base::Base;
  void runOnOperation() override {
    // Candidates are numbered by an attribute before fusion: a candidate
    // that fusion replaced is gone from the IR with its number, whatever
    // op later takes its address (asking an erased op anything, or
    // comparing pointers, would read freed memory).
    struct Candidate {
      Location loc;
      const char *kind;
      bool fused = true;
    };
    SmallVector<Candidate> candidates;
    StringLiteral marker = XfDialect::getFusionCandidateAttrName();
    Builder b(&getContext());
    if (explain)
      getOperation().walk([&](Operation *op) {
        if (!isCandidate(op))
          return;
        op->setAttr(marker, b.getI64IntegerAttr(candidates.size()));
        candidates.push_back(
            {op->getLoc(), isa<LayerNormOp>(op) ? "residual" : "epilogue"});
      });
    RewritePatternSet patterns(&getContext());
    populateXfFuseEpiloguePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    SmallVector<Operation *> survivors(candidates.size());
    getOperation().walk([&](Operation *op) {
      if (auto index = op->getAttrOfType<IntegerAttr>(marker)) {
        survivors[index.getInt()] = op;
        op->removeAttr(marker);
      }
    });
    for (auto [candidate, op] : llvm::zip(candidates, survivors)) {
      if (!op)
        emitRemark(candidate.loc) << candidate.kind << ": fused";
      else
        emitRemark(candidate.loc)
            << candidate.kind << ": not fused: " << whyNot(op);
    }
  }
};

} // namespace

void mlir::xf::populateXfFuseEpiloguePatterns(RewritePatternSet &patterns) {
  patterns.add<FuseBias, FuseActivation<ReluOp>, FuseActivation<GeluOp>,
               FuseActivation<SiluOp>, FuseResidual>(patterns.getContext());
}
