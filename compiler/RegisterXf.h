//===- RegisterXf.h - Dialects and passes every xfc tool registers -*- C++ -*-//
//
// One place that lists what the tools load, so `xf-opt`, `xfc` and the tests
// agree on the registered dialects and passes.
//
//===----------------------------------------------------------------------===//

#ifndef XF_COMPILER_REGISTERXF_H
#define XF_COMPILER_REGISTERXF_H

#include "codegen/CPU/Pipeline.h"
#include "codegen/GPU/Pipeline.h"
#include "codegen/Passes.h"
#include "dialect/IR/XfDialect.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "passes/Passes.h"

namespace mlir::xf {

/// Registers the `xf` dialect and every upstream dialect and interface
/// model the codegen pipeline goes through (bufferization, LLVM lowering).
inline void registerXfDialects(DialectRegistry &registry) {
  registry.insert<XfDialect>();
  registerAllDialects(registry);
  registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR in process.
  registerAllToLLVMIRTranslations(registry);
}

/// Registers the xf passes and every upstream pass, so `xf-opt` can replay
/// any stage of the pipeline.
inline void registerAllXfPasses() {
  registerAllPasses();
  registerXfOptimizationPasses();
  registerXfCodegenPasses();
  registerXfCpuPipelines();
  registerXfGpuPipelines();
}

} // namespace mlir::xf

#endif // XF_COMPILER_REGISTERXF_H
