//===- ObjectEmitter.h - LLVM dialect to optimized machine code -*- C++ -*-===//

#ifndef XF_CODEGEN_TARGET_OBJECTEMITTER_H
#define XF_CODEGEN_TARGET_OBJECTEMITTER_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"
#include <memory>
#include <string>
#include <vector>

namespace mlir::xf {

/// The machine to compile for: `cpu` is an LLVM CPU name or "host" (this
/// machine's CPU and real features, AVX-512 included).
struct TargetSpec {
  std::string cpu = "host";
};

/// The TargetMachine for `target` (PIC, -O3 code generation); null with
/// `error` set on an unknown CPU.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const TargetSpec &target, std::string &error);

/// The features of runtime/src/CpuFeatures.h that `tm`'s CPU has: the
/// library's code may use them, and the runtime checks them at load.
std::vector<std::string> cpuFeatures(const llvm::TargetMachine &tm);

/// Translates `module` to LLVM IR for `tm`, runs LLVM's O3 pipeline and
/// binds the parallel regions to xf's thread pool (bindParallelRuntime).
/// Returns null with `error` set on failure.
std::unique_ptr<llvm::Module> translateAndOptimize(ModuleOp module,
                                                   llvm::LLVMContext &context,
                                                   llvm::TargetMachine &tm,
                                                   std::string &error);

/// Emits `module` as a position-independent object file.
bool emitObject(llvm::Module &module, llvm::TargetMachine &tm,
                std::string &object, std::string &error);

/// Machine code for `module` (consumed) in up to `parts` objects, generated
/// on as many threads; link them together.
bool emitObjects(llvm::Module &module, const TargetSpec &spec, unsigned parts,
                 std::vector<std::string> &objects, std::string &error);

} // namespace mlir::xf

#endif // XF_CODEGEN_TARGET_OBJECTEMITTER_H
