//===- Pipeline.cpp - The CPU lowering pipeline ---------------------------===//
//
// The steps from xf IR to the LLVM dialect on the CPU, one comment per step
// saying why it is there.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/Pipeline.h"
#include "codegen/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void xf::buildXfCpuLoweringPipeline(OpPassManager &pm) {
  // 1. Weights become arguments: the runtime passes the mapped tensors in.
  pm.addPass(xf::createXfParamsToArgumentsPass());
  // 2. Every xf op becomes linalg/tensor/arith/math on tensors; attention
  //    becomes the flash-style kernel (no [Lq, Lk] buffer) where it applies.
  pm.addPass(xf::createConvertXfToLinalgPass({/*cpuAttention=*/true}));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 3. Fuse producer/consumer elementwise generics so intermediates of
  //    chains like scale → mask → exp are not materialized.
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  // 3b. exp/tanh/erf as polynomials: vectorizable, no libm slow paths.
  pm.addPass(xf::createXfApproximateMathPass());
  // 4. Tensors → buffers; function boundaries get identity layouts so the
  //    runtime can pass plain row-major descriptors.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // 5. Free every temporary; ownership of the returned buffer passes to the
  //    runtime, which copies it out and frees it.
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // 6. Loops, then the LLVM dialect. Entry functions marked
  //    llvm.emit_c_interface (by the driver) get a stable C ABI
  //    (_mlir_ciface_<name>) that the runtime calls through.
  // 5b. Linear layers get the register-blocked kernel.
  pm.addNestedPass<func::FuncOp>(xf::createXfCpuMatmulKernelPass());
  // 6a. Parallel dims become scf.parallel, run by OpenMP threads (the
  //     runtime sets their number); reductions stay sequential inside.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
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
