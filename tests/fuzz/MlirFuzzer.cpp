//===- MlirFuzzer.cpp - xfc on .mlir modules ------------------------------===//
//
// Any bytes as an xf IR module: parsed and verified as xfc does; a module
// that verifies goes through the xf optimization pipeline (canonicalize,
// transpose folding, attention and epilogue fusion), which must not crash
// on verified IR.
//
//===----------------------------------------------------------------------===//

#include "compiler/RegisterXf.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
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
  // MLIR's lexer reads up to a terminating NUL, as files give it.
  std::string text(reinterpret_cast<const char *>(data), size);
  mlir::ParserConfig config(&context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, config);
  if (!module || mlir::failed(mlir::verify(*module)) ||
      mlir::failed(mlir::xf::verifyXfOpsInFunctions(*module)))
    return 0; // xfc rejects these (compiler/ParseIR.h)
  mlir::PassManager pm(&context);
  mlir::xf::XfOptimizationOptions options;
  options.explainFusion = true;
  mlir::xf::buildXfOptimizationPipeline(pm, options);
  (void)pm.run(*module);
  return 0;
}
