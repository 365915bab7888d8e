//===- Artifacts.h - The manifest and header of a compiled model -*- C++ -*-=//

#ifndef XF_COMPILER_ARTIFACTS_H
#define XF_COMPILER_ARTIFACTS_H

#include "frontend/AST/ModelAST.h"
#include "mlir/IR/BuiltinOps.h"
#include <string>
#include <vector>

namespace mlir::xf {

/// The manifest JSON (see runtime/src/Manifest.h) of `module`, whose entry
/// functions already take their parameters as arguments (xf.params).
/// `target` is cpu, cuda or vulkan: the runtime picks its backend by it.
/// `cpu` and `cpuFeatures` name the CPU the host code is compiled for and
/// the features the runtime requires of the CPU it loads the library on.
std::string buildManifest(ModuleOp module, const ::xf::ast::Model &model,
                          StringRef target, StringRef cpu,
                          const std::vector<std::string> &cpuFeatures);

/// The C header with one typed function per entry point.
std::string buildHeader(ModuleOp module, const ::xf::ast::Model &model);

} // namespace mlir::xf

#endif // XF_COMPILER_ARTIFACTS_H
