//===- Targets.cpp - The device half: gpu.module → PTX or SPIR-V ----------===//
//
// Dispatches the device lowering of the outlined kernels to the CUDA
// (codegen/CUDA) or Vulkan (codegen/Vulkan) target.
//
//===----------------------------------------------------------------------===//

#include "codegen/GPU/Targets.h"
#include "codegen/CUDA/Target.h"
#include "codegen/Vulkan/Target.h"

using namespace mlir;

LogicalResult xf::lowerKernelsToDevice(ModuleOp module,
                                       const GpuTargetSpec &spec) {
  return spec.api == GpuApi::Cuda ? lowerKernelsToNvvm(module, spec.arch)
                                  : lowerKernelsToSpirv(module);
}

LogicalResult xf::serializeKernels(ModuleOp module, const GpuTargetSpec &spec,
                                   std::string &binary) {
  return spec.api == GpuApi::Cuda ? serializePtx(module, binary)
                                  : serializeSpirvKernels(module, binary);
}
