//===- Passes.cpp - The xf optimization pipeline --------------------------===//

#include "passes/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void xf::buildXfOptimizationPipeline(OpPassManager &pm) {
  // 1. Local simplifications first: transpose pairs, identity reshapes.
  pm.addPass(createCanonicalizerPass());
  // 2. Weight and Kᵀ transposes become matmul flags (no copies).
  pm.addNestedPass<func::FuncOp>(createXfFoldTransposePass());
  // 3. Shared subexpressions (one padding mask per stack, not per layer).
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
}

void xf::registerXfOptimizationPasses() {
  registerXfPasses();
  PassPipelineRegistration<>("xf-optimize", "The xf optimization pipeline",
                             [](OpPassManager &pm) {
                               buildXfOptimizationPipeline(pm);
                             });
}
