//===- EntryWrappers.h - The library's uniform entry ABI --------*- C++ -*-===//

#ifndef XF_CODEGEN_TARGET_ENTRYWRAPPERS_H
#define XF_CODEGEN_TARGET_ENTRYWRAPPERS_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::xf {

/// In a module lowered to the LLVM dialect with C wrappers, adds for each
/// `names` entry `void xf_entry_<name>(void **descriptors)`, which loads one
/// descriptor pointer per argument of `_mlir_ciface_<name>` and calls it, and
/// the NUL-terminated global `xf_manifest` holding `manifest` and the
/// library's `xf_abi_version` (xf/abi.h).
LogicalResult addEntryWrappers(ModuleOp module, ArrayRef<std::string> names,
                               StringRef manifest);

} // namespace mlir::xf

#endif // XF_CODEGEN_TARGET_ENTRYWRAPPERS_H
