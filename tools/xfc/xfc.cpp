//===- xfc.cpp - The xfc compiler driver ----------------------------------===//
//
// `xfc MODEL.xf [--set KEY=VALUE]... [--emit=ast|xf] [-o FILE]`: parses the
// description and prints its AST or its unfused xf IR. Exit status: 0
// success, 1 a user error (one `error:` line), 2 an internal failure.
//
//===----------------------------------------------------------------------===//

#include "frontend/MLIRGen/MLIRGen.h"
#include "frontend/Parse/Sema.h"
#include "tools/RegisterXf.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include <iostream>
#include <sstream>

namespace cl = llvm::cl;

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.xf>"),
                                      cl::Required);
static cl::list<std::string>
    sets("set", cl::desc("Override a hyperparameter: --set KEY=VALUE"),
         cl::value_desc("KEY=VALUE"));
static cl::opt<std::string>
    emit("emit", cl::desc("What to print: ast | xf"), cl::init("xf"));
static cl::opt<std::string> outputFile("o", cl::desc("Output file"),
                                       cl::value_desc("FILE"), cl::init("-"));

static int userError(const std::string &message) {
  llvm::errs() << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  // Flag errors are user errors: exit 1 with LLVM's one-line message.
  if (!cl::ParseCommandLineOptions(argc, argv, "xfc: Transformer compiler\n",
                                   &llvm::errs()))
    return 1;
  if (emit != "ast" && emit != "xf")
    return userError("xfc: error: unknown --emit=" + emit +
                     " (expected ast or xf)");

  std::vector<xf::parse::Override> overrides;
  for (const std::string &s : sets) {
    xf::parse::Override o;
    if (!xf::parse::parseOverride(s, o))
      return userError("xfc: error: --set expects KEY=VALUE, found '" + s +
                       "'");
    overrides.push_back(o);
  }
  xf::ast::Error error;
  std::optional<xf::ast::Model> model =
      xf::parse::loadModel(inputFile, overrides, error);
  if (!model)
    return userError(error.format());

  std::error_code ec;
  llvm::raw_fd_ostream os(outputFile, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return userError("xfc: error: cannot write '" + outputFile +
                     "': " + ec.message());
  if (emit == "ast") {
    std::ostringstream text;
    xf::ast::dump(*model, text);
    os << text.str();
    return 0;
  }
  mlir::MLIRContext context;
  mlir::OwningOpRef<mlir::ModuleOp> module = xf::mlirGen(context, *model);
  if (!module) {
    llvm::errs() << "xfc: internal error: the generated IR does not verify\n";
    return 2;
  }
  // Locations inline (no #loc aliases), in the parseable form.
  module->print(os, mlir::OpPrintingFlags()
                        .enableDebugInfo(/*enable=*/true, /*prettyForm=*/false)
                        .useLocalScope());
  os << "\n";
  return 0;
}
