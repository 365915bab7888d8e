//===- MLIRGenFuzzer.cpp - Descriptions that check must give valid IR -----===//
//
// Any bytes through the frontend; a description that Sema accepts must
// become xf IR that verifies (mlirGen returns null otherwise: a bug).
//
//===----------------------------------------------------------------------===//

#include "compiler/RegisterXf.h"
#include "frontend/MLIRGen/MLIRGen.h"
#include "frontend/Parse/Parser.h"
#include "frontend/Parse/Sema.h"
#include "mlir/IR/MLIRContext.h"
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view text(reinterpret_cast<const char *>(data), size);
  xf::ast::Error error;
  auto syntax = xf::parse::parseSyntax(text, "fuzz.xf", error);
  if (!syntax)
    return 0;
  auto model = xf::parse::buildModel(*syntax, {}, error);
  if (!model)
    return 0;
  // Descriptions of huge models are legal but take long to build.
  static mlir::DialectRegistry registry = [] {
    mlir::DialectRegistry r;
    mlir::xf::registerXfDialects(r);
    return r;
  }();
  mlir::MLIRContext context(registry);
  context.disableMultithreading();
  context.getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
  if (!xf::mlirGen(context, *model))
    std::abort(); // a checked model always gives valid IR
  return 0;
}
