//===- MLIRGenFuzzer.cpp - Descriptions that check must give valid IR -----===//
//
// Any bytes through the frontend; a description that Sema accepts must
// become xf IR that verifies or one located error, never a crash.
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
  // One context for the process (making one per input would be most of
  // the time): inputs only add uniqued types and attributes to it.
  static mlir::MLIRContext &context = []() -> mlir::MLIRContext & {
    mlir::DialectRegistry registry;
    mlir::xf::registerXfDialects(registry);
    auto *c = new mlir::MLIRContext(registry);
    c->disableMultithreading();
    c->getDiagEngine().registerHandler([](mlir::Diagnostic &) {});
    return *c;
  }();
  // A checked model gives valid IR, or one located error (a weight used
  // with two shapes); null without an error is a bug.
  xf::ast::Error genError;
  if (!xf::mlirGen(context, *model, &genError) && genError.message.empty())
    std::abort();
  return 0;
}
