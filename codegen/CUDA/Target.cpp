//===- Target.cpp - CUDA kernels: gpu.module → NVVM → PTX -----------------===//
//
// gpu.module → NVVM dialect (convert-gpu-to-nvvm) → LLVM IR → PTX via the
// NVPTX backend (gpu-module-to-binary, libdevice linked where math needs
// it).
//
//===----------------------------------------------------------------------===//

#include "codegen/CUDA/Target.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/FileSystem.h"
#include <cstdlib>

using namespace mlir;

LogicalResult xf::lowerKernelsToNvvm(ModuleOp module, StringRef arch) {
  // `.minnctapersm 1`: with only `.maxntid`, ptxas caps registers for an
  // occupancy it guesses (48 for the GEMM kernel's 16 accumulators, which
  // then spill); one resident block per SM is all the kernels ask for.
  module.walk([](gpu::GPUFuncOp fn) {
    if (fn.isKernel())
      fn->setAttr("nvvm.minctasm",
                  IntegerAttr::get(IntegerType::get(fn.getContext(), 32), 1));
  });
  PassManager pm(module.getContext());
  GpuNVVMAttachTargetOptions target;
  target.chip = arch.str();
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions nvvm;
  nvvm.indexBitwidth = 64;
  kernels.addPass(createConvertGpuOpsToNVVMOps(nvvm));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  return pm.run(module);
}

LogicalResult xf::serializePtx(ModuleOp module, std::string &binary) {
  // libdevice (sin, cos, fma, ... for NVVM) comes from the CUDA toolkit:
  // $CUDA_ROOT, $CUDA_HOME, $CUDA_PATH, else /usr/local/cuda.
  std::string toolkit = "/usr/local/cuda";
  for (const char *var : {"CUDA_ROOT", "CUDA_HOME", "CUDA_PATH"})
    if (const char *value = std::getenv(var); value && *value) {
      toolkit = value;
      break;
    }
  if (!llvm::sys::fs::exists(toolkit + "/nvvm/libdevice/libdevice.10.bc"))
    return module.emitError("--target=cuda needs the CUDA toolkit's "
                            "libdevice, not found at ")
           << toolkit << "/nvvm/libdevice (set CUDA_HOME)";
  PassManager pm(module.getContext());
  GpuModuleToBinaryPassOptions toBinary;
  toBinary.toolkitPath = toolkit;
  toBinary.compilationTarget = "isa"; // PTX text: the driver JITs it
  pm.addPass(createGpuModuleToBinaryPass(toBinary));
  if (failed(pm.run(module)))
    return failure();
  for (auto bin : module.getOps<gpu::BinaryOp>())
    for (Attribute obj : bin.getObjects()) {
      binary = cast<gpu::ObjectAttr>(obj).getObject().getValue().str();
      return success();
    }
  return module.emitError("gpu-module-to-binary produced no object");
}
