//===- ParallelRuntime.h - OpenMP runtime calls to xf's pool ----*- C++ -*-===//

#ifndef XF_CODEGEN_CPU_PARALLELRUNTIME_H
#define XF_CODEGEN_CPU_PARALLELRUNTIME_H

#include "llvm/IR/Module.h"
#include <string>

namespace mlir::xf {

/// Renames the OpenMP runtime functions that LLVM's OpenMPIRBuilder called
/// in `module` (__kmpc_fork_call[_if], __kmpc_global_thread_num,
/// __kmpc_barrier, omp_get_num_threads) to the thread pool of the runtime
/// inside every model library (runtime/src/Parallel.h). Fails, naming it, on
/// any other OpenMP runtime function, and on a fork with more arguments than
/// the pool passes on.
bool bindParallelRuntime(llvm::Module &module, std::string &error);

} // namespace mlir::xf

#endif // XF_CODEGEN_CPU_PARALLELRUNTIME_H
