//===- Bufferize.cpp - The lowering steps every target shares -------------===//

#include "codegen/Common/Bufferize.h"
#include "codegen/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void xf::buildXfToBuffersPipeline(OpPassManager &pm, KernelTarget kernels,
                                  const HalideChoice &halide) {
  // 1. Every xf op becomes linalg/tensor/arith/math on tensors; attention
  //    (and the norms on GPUs) becomes the target's hand-written kernel
  //    where it applies (flash-style: no [Lq, Lk] buffer), else its
  //    decomposition.
  //    Ops of the classes `halide` names become calls of Halide kernels.
  ConvertXfToLinalgPassOptions convert;
  convert.cpuAttention = kernels == KernelTarget::Cpu;
  convert.gpuKernels = kernels == KernelTarget::Gpu;
  convert.halideKernels.assign(halide.classes.begin(), halide.classes.end());
  convert.halideExplain = halide.explain;
  pm.addPass(xf::createConvertXfToLinalgPass(convert));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // 2. Fuse producer/consumer elementwise generics so intermediates of
  //    chains like scale → mask → exp are not materialized (never into a
  //    matmul, where the producer would run once per output column).
  pm.addNestedPass<func::FuncOp>(xf::createXfFuseElementwisePass());
  pm.addPass(createCanonicalizerPass());
  // 3. exp/tanh/erf as polynomials: vectorizable on the CPU, no libm, and
  //    no libdevice or GLSL.std.450 call for them on GPUs (sin/cos keep
  //    the accurate library versions).
  pm.addPass(xf::createXfApproximateMathPass());
  // 4. Tensors → buffers; function boundaries get identity layouts so the
  //    runtime can pass plain row-major descriptors. First, a tensor.empty
  //    that is written whole and then inserted into a slice (a cache
  //    write's new rows) becomes that slice, so its producer writes the
  //    destination's buffer instead of a temporary copied in after.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  // A generation step returns the caches it updated in place: those
  // results are the argument buffers themselves, so they leave the
  // signature (the runtime's state owns the buffers).
  pm.addPass(createCanonicalizerPass()); // loops that yield their cache
  pm.addPass(createCSEPass());
  pm.addPass(bufferization::createDropEquivalentBufferResultsPass());
  pm.addPass(xf::createXfDropStateResultsPass());
  // 5. Free every temporary; ownership of the returned buffer passes to the
  //    runtime, which copies it out and frees it.
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // 6. The Halide calls get their bodies (buffer descriptors, the call).
  if (!halide.classes.empty())
    pm.addPass(xf::createXfHalideDefineKernelsPass());
}
