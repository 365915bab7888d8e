//===- ObjectEmitter.h - LLVM dialect to optimized machine code -*- C++ -*-===//

#ifndef XF_CODEGEN_TARGET_OBJECTEMITTER_H
#define XF_CODEGEN_TARGET_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include <memory>
#include <string>

namespace mlir::xf {

/// The machine to compile for: `cpu` is an LLVM CPU name or "host" (this
/// machine's CPU and real features, AVX-512 included).
struct TargetSpec {
  std::string cpu = "host";
};

/// Translates `module` to LLVM IR for `target` and runs LLVM's O3 pipeline.
/// Returns null with `error` set on failure.
std::unique_ptr<llvm::Module> translateAndOptimize(ModuleOp module,
                                                   llvm::LLVMContext &context,
                                                   const TargetSpec &target,
                                                   std::string &error);

/// Emits `module` as a position-independent object file.
bool emitObject(llvm::Module &module, const TargetSpec &target,
                std::string &object, std::string &error);

} // namespace mlir::xf

#endif // XF_CODEGEN_TARGET_OBJECTEMITTER_H
