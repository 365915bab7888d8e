//===- Pipeline.cpp - The CPU lowering pipeline ---------------------------===//
//
// The steps from xf IR to the LLVM dialect on the CPU, one comment per step
// saying why it is there.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/Pipeline.h"
#include "codegen/Common/Bufferize.h"
#include "codegen/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void xf::buildXfCpuLoweringPipeline(OpPassManager &pm,
                                    const CpuLoweringOptions &options) {
  // 1. Weights become arguments: the runtime passes the mapped tensors in.
  //    With --profile, xf ops' names go into their locations first, for
  //    the timers of step 7 to say which op a kernel came from.
  if (options.profile)
    pm.addPass(xf::createXfNameOpLocationsPass());
  pm.addPass(xf::createXfParamsToArgumentsPass());
  // 2-5. xf → linalg → buffers, temporaries freed (codegen/Common); the
  //      ops chosen for Halide call its kernels.
  xf::buildXfToBuffersPipeline(pm, xf::KernelTarget::Cpu, options.halide);
  // 6. Linear layers get the outer-product kernel (one function per K and
  //    precision), with the dot-product instructions the CPU has.
  pm.addPass(xf::createXfCpuMatmulKernelPass(
      {/*vnni=*/options.vnni, /*avx512bf16=*/options.avx512bf16}));
  //    Returned buffers ask for no alignment: whole allocator blocks, which
  //    the runtime hands to the caller without a copy.
  pm.addPass(xf::createXfCpuUnalignedResultsPass());
  // 7. Parallel dims become scf.parallel, run by OpenMP threads (the
  //    runtime sets their number); reductions stay sequential inside.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  //    Their schedule is chosen at run time (the runtime asks for guided
  //    chunks: a static split waits for the slowest core).
  pm.addPass(xf::createXfCpuLoopSchedulePass());
  pm.addPass(createCanonicalizerPass());
  //    With --profile, every parallel region, call and loop nest of an
  //    entry is timed into a slot of its op class.
  if (options.profile)
    pm.addPass(xf::createXfCpuProfileRegionsPass());
  // 8. The LLVM dialect. Entry functions marked llvm.emit_c_interface (by
  //    the driver) get a stable C ABI (_mlir_ciface_<name>) that the
  //    runtime calls through.
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // The flash kernel's 16x16 K tiles transpose through AVX-512 shuffles
  // (eight per row) rather than element by element.
  ConvertVectorToLLVMPassOptions vectorOptions;
  vectorOptions.vectorTransposeLowering =
      vector::VectorTransposeLowering::Shuffle16x16;
  pm.addPass(createConvertVectorToLLVMPass(vectorOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // Heap buffers come from the runtime's allocator
  // (_mlir_memref_to_llvm_alloc/free, runtime/src/HostAlloc), which keeps
  // large blocks for the next run instead of returning them to the system.
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void xf::registerXfCpuPipelines() {
  PassPipelineRegistration<>(
      "xf-cpu-lowering", "Lower xf IR to the LLVM dialect for the CPU",
      [](OpPassManager &pm) { buildXfCpuLoweringPipeline(pm); });
}
