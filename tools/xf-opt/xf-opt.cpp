//===- xf-opt.cpp - The xf optimizer driver -------------------------------===//
//
// `mlir-opt` for xfc: the registered dialects and passes, then MlirOptMain.
//
//===----------------------------------------------------------------------===//

#include "compiler/RegisterXf.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "tools/Flags.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::xf::registerXfDialects(registry);
  mlir::xf::registerAllXfPasses();
  std::string error;
  if (!xf::tools::rejectHelpLookalikes(argc, argv, error)) {
    llvm::errs() << "xf-opt: error: " << error << "\n";
    return 1;
  }
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "xf optimizer driver\n", registry));
}
