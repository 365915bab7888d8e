//===- ParseIR.h - Reads an xf IR file, its first error as one line -*- C++
//-*-//
//
// xfc and xf-run take xf IR (.mlir) as well as descriptions. MLIR's parser
// reports an error as `loc("file":3:7): error: ...` on stderr; the tools
// promise one `file:3:7: error: message` line, which this reader returns.
//
//===----------------------------------------------------------------------===//

#ifndef XF_COMPILER_PARSEIR_H
#define XF_COMPILER_PARSEIR_H

#include "dialect/IR/XfDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/FileSystem.h"
#include <string>

namespace mlir::xf {

/// The module in the xf IR file `path`, parsed in `context` (whose
/// dialects are registered); null with `error` set to one line: the file,
/// line and column of the first error, or `<tool>: error: <path>: ...`
/// where there is no position (a file that cannot be read).
inline OwningOpRef<ModuleOp> parseXfFile(const std::string &path,
                                         MLIRContext &context,
                                         const std::string &tool,
                                         std::string &error) {
  std::string unplaced = tool + ": error: " + path + ": ";
  if (!llvm::sys::fs::is_regular_file(path)) {
    error = unplaced + "cannot open: no such file";
    return nullptr;
  }
  std::string first;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &d) {
    if (d.getSeverity() != DiagnosticSeverity::Error || !first.empty())
      return success();
    if (auto at = dyn_cast<FileLineColLoc>(d.getLocation()))
      first = at.getFilename().str() + ":" + std::to_string(at.getLine()) +
              ":" + std::to_string(at.getColumn()) + ": error: " + d.str();
    else
      first = unplaced + d.str();
    return success();
  });
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(path, &context);
  if (module && failed(verifyXfOpsInFunctions(*module)))
    module = nullptr;
  if (!module)
    error = first.empty() ? unplaced + "not valid xf IR" : first;
  return module;
}

} // namespace mlir::xf

#endif // XF_COMPILER_PARSEIR_H
