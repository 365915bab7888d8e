//===- MlirFuzzer.cpp - xfc on .mlir modules ------------------------------===//
//
// Any bytes as an xf IR module: parsed and verified as xfc does
// (compiler/ParseIR.h); a module that verifies goes through the xf
// optimization pipeline (canonicalize, transpose folding, attention and
// epilogue fusion), which must not crash on verified IR.
//
//===----------------------------------------------------------------------===//

#include "compiler/ParseIR.h"
#include "compiler/RegisterXf.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "passes/Passes.h"
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // One context for the process (making one per input would be most of
  // the time): inputs only add uniqued types and attributes to it.
  static mlir::MLIRContext &context = []() -> mlir::MLIRContext & {
    mlir::DialectRegistry registry;
    mlir::xf::registerXfDialects(registry);
    auto *c = new mlir::MLIRContext(registry);
    c->disableMultithreading();
    c->loadAllAvailableDialects();
    c->getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
    return *c;
  }();
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module = mlir::xf::parseXfBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(
          llvm::StringRef(reinterpret_cast<const char *>(data), size),
          "input.mlir"),
      context, "xf-fuzz-mlir", error);
  if (!module)
    return 0; // xfc rejects these (the parser also verifies)
  mlir::PassManager pm(&context);
  mlir::xf::XfOptimizationOptions options;
  options.explainFusion = true;
  mlir::xf::buildXfOptimizationPipeline(pm, options);
  (void)pm.run(*module);
  return 0;
}
