//===- MlirFuzzer.cpp - xfc on .mlir modules ------------------------------===//
//
// Any bytes as an xf IR module: parsed and verified; a module that
// verifies goes through the xf optimization pipeline (canonicalize,
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
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry registry = [] {
    mlir::DialectRegistry r;
    mlir::xf::registerXfDialects(r);
    return r;
  }();
  mlir::MLIRContext context(registry);
  context.disableMultithreading();
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  std::string_view text(reinterpret_cast<const char *>(data), size);
  mlir::ParserConfig config(&context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, config);
  if (!module || mlir::failed(mlir::verify(*module)))
    return 0;
  mlir::PassManager pm(&context);
  mlir::xf::XfOptimizationOptions options;
  options.explainFusion = true;
  mlir::xf::buildXfOptimizationPipeline(pm, options);
  (void)pm.run(*module);
  return 0;
}
