//===- Passes.cpp - The xf optimization pipeline --------------------------===//

#include "passes/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void xf::buildXfOptimizationPipeline(OpPassManager &pm,
                                     const XfOptimizationOptions &options) {
  // 1. Local simplifications first: transpose pairs, identity reshapes.
  pm.addPass(createCanonicalizerPass());
  // 2. Weight and Kᵀ transposes become matmul flags (no copies); attention
  //    fusion then sees Q · Kᵀ as one matmul with transpose_b.
  if (options.foldTranspose)
    pm.addNestedPass<func::FuncOp>(createXfFoldTransposePass());
  // 3. Shared subexpressions (one padding mask per layer, not per use).
  pm.addPass(createCSEPass());
  // 4. Attention: one op per head group, head transposes as layouts.
  if (options.fuseAttention)
    pm.addNestedPass<func::FuncOp>(
        createXfFuseAttentionPass({/*explain=*/options.explainFusion}));
  // 5. Epilogues: bias + activation into the matmul that feeds them,
  //    residual add into the LayerNorm that follows it.
  if (options.fuseEpilogue)
    pm.addNestedPass<func::FuncOp>(
        createXfFuseEpiloguePass({/*explain=*/options.explainFusion}));
  // 6. Reduced precision last: the linear layers it rewrites carry their
  //    fused epilogues with them.
  if (options.precision != Precision::F32)
    pm.addPass(createXfReducePrecisionPass(
        {options.precision == Precision::BF16 ? "bf16" : "int8"}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void xf::registerXfOptimizationPasses() {
  registerXfPasses();
  PassPipelineRegistration<>(
      "xf-optimize", "The xf optimization pipeline",
      [](OpPassManager &pm) { buildXfOptimizationPipeline(pm); });
}
