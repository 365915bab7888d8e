//===- Target.h - Vulkan kernels: gpu.module → SPIR-V ------------*- C++
//-*-===//
//
// The Vulkan half of the device lowering: outlined kernels to the SPIR-V
// dialect and to the per-kernel binary blob of xf/abi.h that the runtime's
// Vulkan backend loads.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_VULKAN_TARGET_H
#define XF_CODEGEN_VULKAN_TARGET_H

#include "mlir/IR/BuiltinOps.h"
#include <string>

namespace mlir::xf {

/// Lowers the gpu.modules of `module` to spirv.modules (SPIR-V 1.3 with
/// Int64; scalars packed into one buffer operand; workgroup attributions
/// as Workgroup variables).
LogicalResult lowerKernelsToSpirv(ModuleOp module);

/// Serializes the lowered kernels, one SPIR-V module per kernel, as the
/// Vulkan blob of xf/abi.h.
LogicalResult serializeSpirvKernels(ModuleOp module, std::string &binary);

} // namespace mlir::xf

#endif // XF_CODEGEN_VULKAN_TARGET_H
