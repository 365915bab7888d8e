//===- Passes.h - Optimization passes on the xf dialect ---------*- C++ -*-===//

#ifndef XF_PASSES_PASSES_H
#define XF_PASSES_PASSES_H

#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::xf {

#define GEN_PASS_DECL
#include "passes/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/Passes.h.inc"

/// Absorbs transposes of the last two dims of matmul operands into the
/// matmul's flags; fails (with a reason) if neither operand is one.
FailureOr<MatmulOp> foldTransposeIntoMatmul(RewriterBase &rewriter,
                                            MatmulOp matmul);

/// Adds the transpose-folding patterns.
void populateXfFoldTransposePatterns(RewritePatternSet &patterns);

/// The xf optimization pipeline (`--emit=fused` is its output).
void buildXfOptimizationPipeline(OpPassManager &pm);

/// Registers the passes and `xf-optimize` (the pipeline) by name.
void registerXfOptimizationPasses();

} // namespace mlir::xf

#endif // XF_PASSES_PASSES_H
