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

/// Fuses the attention pattern ending in `pv` (the matmul with V) into one
/// xf.attention; on failure says why through the rewriter.
FailureOr<AttentionOp> fuseAttention(RewriterBase &rewriter, MatmulOp pv);

/// Adds the attention-fusion pattern.
void populateXfFuseAttentionPatterns(RewritePatternSet &patterns);

/// Adds the epilogue-fusion patterns (bias and activation into matmuls,
/// residual adds into LayerNorm).
void populateXfFuseEpiloguePatterns(RewritePatternSet &patterns);

/// Adds the transpose-folding patterns.
void populateXfFoldTransposePatterns(RewritePatternSet &patterns);

/// Replaces `x · Wᵀ` (W a 2-D f32 parameter) by xf.quantized_linear on W
/// read as `weightType` (bf16 or i8, with scales); fails if `matmul` is not
/// such a linear layer.
FailureOr<QuantizedLinearOp> reduceLinearPrecision(RewriterBase &rewriter,
                                                   MatmulOp matmul,
                                                   Type weightType);

/// Adds the precision-reduction pattern for weights of `weightType`.
void populateXfReducePrecisionPatterns(RewritePatternSet &patterns,
                                       Type weightType);

/// The type linear layers read their weights in (`xfc --precision`).
enum class Precision { F32, BF16, Int8 };

/// Which optimizations the pipeline runs (`xfc --no-fuse=...`,
/// `--precision`).
struct XfOptimizationOptions {
  bool foldTranspose = true;
  bool fuseAttention = true;
  bool fuseEpilogue = true;
  bool explainFusion = false;
  Precision precision = Precision::F32;
};

/// The xf optimization pipeline (`--emit=fused` is its output).
void buildXfOptimizationPipeline(OpPassManager &pm,
                                 const XfOptimizationOptions &options = {});

/// Registers the passes and `xf-optimize` (the pipeline) by name.
void registerXfOptimizationPasses();

} // namespace mlir::xf

#endif // XF_PASSES_PASSES_H
