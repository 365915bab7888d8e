//===- ApproximateMath.cpp - Polynomial exp, tanh and erf -----------------===//
//
// Rewrites the transcendental functions the attention and activation
// kernels use into arithmetic that vectorizes (see the pass description).
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFAPPROXIMATEMATHPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {
struct XfApproximateMathPass final
    : mlir::xf::impl::XfApproximateMathPassBase<XfApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      name.consume_front("math.");
      return name == "exp" || name == "tanh" || name == "erf";
    });
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
