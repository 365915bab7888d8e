//===- Target.h - CUDA kernels: gpu.module → NVVM → PTX ----------*- C++
//-*-===//
//
// The CUDA half of the device lowering: outlined kernels to the NVVM
// dialect and to PTX text, which the driver JIT-compiles at load.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_CUDA_TARGET_H
#define XF_CODEGEN_CUDA_TARGET_H

#include "mlir/IR/BuiltinOps.h"
#include <string>

namespace mlir::xf {

/// Lowers the gpu.modules of `module` to the NVVM dialect for `arch`
/// (sm_NN), attaching the NVVM target.
LogicalResult lowerKernelsToNvvm(ModuleOp module, StringRef arch);

/// The PTX of the lowered kernels (gpu-module-to-binary, with the CUDA
/// toolkit's libdevice).
LogicalResult serializePtx(ModuleOp module, std::string &binary);

} // namespace mlir::xf

#endif // XF_CODEGEN_CUDA_TARGET_H
