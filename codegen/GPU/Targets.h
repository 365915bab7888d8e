//===- Targets.h - The device half: gpu.module → PTX or SPIR-V --*- C++ -*-===//
//
// One GPU lowering, two APIs: the outlined kernels of a module go to the
// NVVM dialect and PTX (codegen/CUDA) or to the SPIR-V dialect and its
// binary (codegen/Vulkan). The host half is codegen/GPU/Pipeline.h.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_GPU_TARGETS_H
#define XF_CODEGEN_GPU_TARGETS_H

#include "mlir/IR/BuiltinOps.h"
#include <string>

namespace mlir::xf {

enum class GpuApi { Cuda, Vulkan };

struct GpuTargetSpec {
  GpuApi api = GpuApi::Cuda;
  std::string arch = "sm_80"; ///< CUDA only: sm_80, sm_90, ...
};

/// Lowers the gpu.modules of `module` (copies of the host module's kernels,
/// nothing else: SPIR-V replaces them, so launches would dangle) to the NVVM
/// (CUDA) or SPIR-V (Vulkan) dialect. `--emit=ptx`'s
/// and `--emit=spirv`'s researchers read this form.
LogicalResult lowerKernelsToDevice(ModuleOp module, const GpuTargetSpec &spec);

/// Serializes the lowered kernels: PTX text for CUDA; for Vulkan one SPIR-V
/// module per kernel in the blob layout of xf/abi.h.
LogicalResult serializeKernels(ModuleOp module, const GpuTargetSpec &spec,
                               std::string &binary);

} // namespace mlir::xf

#endif // XF_CODEGEN_GPU_TARGETS_H
