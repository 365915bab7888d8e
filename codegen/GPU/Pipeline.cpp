//===- Pipeline.cpp - The host half of the GPU lowering -------------------===//
//
// The steps from xf IR to GPU launches and from launches to LLVM, one
// comment per step saying why it is there. The CPU sibling is
// codegen/CPU/Pipeline.cpp; both start with codegen/Common/Bufferize.
//
//===----------------------------------------------------------------------===//

#include "codegen/GPU/Pipeline.h"
#include "codegen/Common/Bufferize.h"
#include "codegen/Passes.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "xf/abi.h"

using namespace mlir;

void xf::buildXfGpuKernelPipeline(OpPassManager &pm) {
  // 1. Weights become arguments (the driver has done it already; xf-opt
  //    replays start from xf.param).
  pm.addPass(xf::createXfParamsToArgumentsPass());
  // 2-4. xf → linalg (attention and norms as calls of hand-written kernels
  //      where they apply, else decomposed) → buffers, temporaries freed
  //      (the runtime's device allocator serves both); codegen/Common.
  xf::buildXfToBuffersPipeline(pm, xf::KernelTarget::Gpu);
  // 5. The kernels declared in step 2 get their launches, matmuls
  //    become shared-memory tiled GEMM launches; every other op
  //    loops: parallel dims in scf.parallel, reductions as scf.for inside.
  pm.addPass(xf::createXfGpuDefineKernelsPass());
  pm.addNestedPass<func::FuncOp>(xf::createXfGpuMatmulKernelPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  //    Cache writes (scf.forall of strips) become parallel loops too; the
  //    slices of the cache they write fold into their loads and stores.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  pm.addPass(memref::createFoldMemRefAliasOpsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createLowerAffinePass());
  // 6. Each outermost parallel loop (and each copy) becomes a gpu.launch
  //    over flat buffers; the bodies are outlined into one gpu.module.
  //    Constants sink into the launches first: a tile size or stride the
  //    kernel sees as a constant folds (divisions by 16 become shifts)
  //    instead of arriving as an argument.
  pm.addNestedPass<func::FuncOp>(xf::createXfGpuMapLoopsPass());
  //    A parallel loop nested in a mapped one (a cache write's strip) runs
  //    sequentially in its thread.
  pm.addNestedPass<func::FuncOp>(createParallelForToNestedForsPass());
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(xf::createXfGpuMergeKernelModulesPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void xf::buildXfGpuHostPipeline(OpPassManager &pm) {
  // 1. Launches → xf_gpu_launch calls; the kernels leave the module.
  pm.addPass(xf::createXfGpuLaunchToRuntimePass());
  // 2. The rest is host code: descriptors, index math, allocations. The
  //    generic allocation functions (_mlir_memref_to_llvm_alloc/free) are
  //    the runtime's device allocator.
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void xf::addGpuGlobals(ModuleOp module, StringRef api, StringRef binary) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  auto addBytes = [&](StringRef name, StringRef bytes, bool nulTerminated) {
    std::string text = bytes.str();
    if (nulTerminated)
      text.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8),
                                         std::max<size_t>(text.size(), 1));
    if (text.empty())
      text.push_back('\0');
    LLVM::GlobalOp::create(b, loc, type, /*isConstant=*/true,
                           LLVM::Linkage::External, name, b.getStringAttr(text),
                           /*alignment=*/16);
  };
  std::string table;
  if (auto kernels = module->getAttrOfType<ArrayAttr>(xf::XfDialect::getGpuKernelsAttrName()))
    for (Attribute k : kernels)
      table += cast<StringAttr>(k).getValue().str() + "\n";
  addBytes(XF_SYM_GPU_API, api, true);
  addBytes(XF_SYM_GPU_BINARY, binary, false);
  addBytes(XF_SYM_GPU_KERNELS, table, true);
  LLVM::GlobalOp::create(b, loc, b.getI64Type(), /*isConstant=*/true,
                         LLVM::Linkage::External, XF_SYM_GPU_BINARY_SIZE,
                         b.getI64IntegerAttr(binary.size()));
}

void xf::registerXfGpuPipelines() {
  PassPipelineRegistration<>(
      "xf-gpu-kernels",
      "Lower xf IR to host functions launching outlined GPU kernels",
      [](OpPassManager &pm) { buildXfGpuKernelPipeline(pm); });
  PassPipelineRegistration<>(
      "xf-gpu-host",
      "Lower GPU launches to runtime calls and the host code to LLVM",
      [](OpPassManager &pm) { buildXfGpuHostPipeline(pm); });
}
