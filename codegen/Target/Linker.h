//===- Linker.h - Links the model object into a shared library --*- C++ -*-===//

#ifndef XF_CODEGEN_TARGET_LINKER_H
#define XF_CODEGEN_TARGET_LINKER_H

#include <string>
#include <vector>

namespace mlir::xf {

/// Links `objects` and the runtime's `archives` (whole) into the shared
/// library `output`, with `extraFlags` last (a sanitizer runtime's) with the
/// system C++ driver ($XF_CXX, else clang++-19, c++, g++). Symbols bind locally
/// (-Bsymbolic) so several models can be loaded at once; every symbol must
/// resolve (-z defs) against the runtime (its thread pool included) and the C
/// and C++ libraries, so the library deploys alone.
bool linkSharedLibrary(const std::vector<std::string> &objects,
                       const std::vector<std::string> &archives,
                       const std::vector<std::string> &extraFlags,
                       const std::string &output, std::string &error);

} // namespace mlir::xf

#endif // XF_CODEGEN_TARGET_LINKER_H
