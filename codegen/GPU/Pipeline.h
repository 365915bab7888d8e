//===- Pipeline.h - The host half of the GPU lowering -----------*- C++ -*-===//
//
// xf IR → linalg → buffers → loops → gpu.launch → outlined kernels in one
// gpu.module (kernel pipeline); then, once the driver has compiled that
// module for the device (codegen/GPU/Targets.h), launches → runtime calls
// and the host code → LLVM dialect (host pipeline).
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_GPU_PIPELINE_H
#define XF_CODEGEN_GPU_PIPELINE_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::xf {

/// xf IR (parameters as arguments) → host functions with gpu.launch_func and
/// gpu.module @xf_kernels.
void buildXfGpuKernelPipeline(OpPassManager &pm);

/// Host functions with gpu.launch_func → LLVM dialect calling the runtime.
void buildXfGpuHostPipeline(OpPassManager &pm);

/// Adds the globals the runtime reads from a GPU library: `xf_gpu_api`
/// ("cuda" or "vulkan"), `xf_gpu_binary` + `xf_gpu_binary_size` (PTX text, or
/// a SPIR-V module per kernel: see serializeKernels) and `xf_gpu_kernels` (the
/// module's `xf.gpu_kernels` table from xf-gpu-launch-to-runtime, one
/// "name:kinds" per line).
void addGpuGlobals(ModuleOp module, StringRef api, StringRef binary);

/// Registers xf-gpu-kernels and xf-gpu-host for xf-opt.
void registerXfGpuPipelines();

} // namespace mlir::xf

#endif // XF_CODEGEN_GPU_PIPELINE_H
