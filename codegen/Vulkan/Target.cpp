//===- Target.cpp - Vulkan kernels: gpu.module → SPIR-V -------------------===//
//
// gpu.module → SPIR-V dialect (GPU, arith, math, memref, scf, cf, index,
// vector patterns in one full conversion, like upstream's
// convert-gpu-to-spirv plus math) → ABI lowering → one binary per kernel.
//
//===----------------------------------------------------------------------===//

#include "codegen/Vulkan/Target.h"
#include "mlir/Conversion/ArithToSPIRV/ArithToSPIRV.h"
#include "mlir/Conversion/ControlFlowToSPIRV/ControlFlowToSPIRV.h"
#include "mlir/Conversion/FuncToSPIRV/FuncToSPIRV.h"
#include "mlir/Conversion/GPUToSPIRV/GPUToSPIRV.h"
#include "mlir/Conversion/IndexToSPIRV/IndexToSPIRV.h"
#include "mlir/Conversion/MathToSPIRV/MathToSPIRV.h"
#include "mlir/Conversion/MemRefToSPIRV/MemRefToSPIRV.h"
#include "mlir/Conversion/SCFToSPIRV/SCFToSPIRV.h"
#include "mlir/Conversion/VectorToSPIRV/VectorToSPIRV.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVAttributes.h"
#include "mlir/Dialect/SPIRV/IR/SPIRVOps.h"
#include "mlir/Dialect/SPIRV/IR/TargetAndABI.h"
#include "mlir/Dialect/SPIRV/Transforms/Passes.h"
#include "mlir/Dialect/SPIRV/Transforms/SPIRVConversion.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/SPIRV/Serialization.h"
#include <cstring>

using namespace mlir;

namespace {

/// The Vulkan environment the kernels assume: SPIR-V 1.3 with 64-bit
/// integers (token ids are i64), which lavapipe and every desktop driver
/// offer.
spirv::TargetEnvAttr vulkanTargetEnv(MLIRContext *ctx) {
  using namespace spirv;
  auto triple = VerCapExtAttr::get(
      Version::V_1_3, {Capability::Shader, Capability::Int64},
      {Extension::SPV_KHR_storage_buffer_storage_class}, ctx);
  return TargetEnvAttr::get(
      triple, getDefaultResourceLimits(ctx), ClientAPI::Vulkan, Vendor::Unknown,
      DeviceType::Unknown, TargetEnvAttr::kUnknownDeviceID);
}

/// Vulkan gives each kernel operand its own binding, and drivers allow few
/// per stage (lavapipe: 32). Scalars therefore travel packed in one buffer
/// of i32 words, the kernel's last operand: index, i32 and f32 take a word,
/// i64 two (low, high). The runtime packs them in that order.
void packScalarOperands(gpu::GPUFuncOp fn) {
  Block &entry = fn.getBody().front();
  Location loc = fn.getLoc();
  OpBuilder b(&entry, entry.begin());
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  llvm::BitVector scalars(fn.getNumArguments());
  for (BlockArgument arg : entry.getArguments())
    if (!isa<MemRefType>(arg.getType()))
      scalars.set(arg.getArgNumber());
  if (scalars.none())
    return;
  auto wordsType = MemRefType::get({ShapedType::kDynamic}, i32);
  (void)fn.insertArgument(fn.getNumArguments(), wordsType, {}, loc);
  Value words = entry.getArguments().back();
  int64_t next = 0;
  auto load = [&]() -> Value {
    Value at = arith::ConstantIndexOp::create(b, loc, next++);
    return memref::LoadOp::create(b, loc, words, at);
  };
  for (int k : scalars.set_bits()) {
    BlockArgument arg = entry.getArgument(k);
    Type t = arg.getType();
    Value v;
    if (t.isIndex())
      v = arith::IndexCastOp::create(b, loc, t, load());
    else if (t.isF32())
      v = arith::BitcastOp::create(b, loc, t, load());
    else if (t.isInteger(32))
      v = load();
    else { // i64
      Value lo = arith::ExtUIOp::create(b, loc, i64, load());
      Value hi = arith::ExtUIOp::create(b, loc, i64, load());
      hi = arith::ShLIOp::create(b, loc, hi,
                                 arith::ConstantIntOp::create(b, loc, 32, 64));
      v = arith::OrIOp::create(b, loc, hi, lo);
    }
    arg.replaceAllUsesWith(v);
  }
  (void)fn.eraseArguments(scalars);
}

/// SPIR-V has no kernel-level workgroup attributions: each becomes a
/// workgroup-memory memref.alloc at the kernel's entry (MemRefToSPIRV turns
/// those into Workgroup variables). NVVM lowers the attributions as they are.
void workgroupAttributionsToAllocs(gpu::GPUFuncOp fn) {
  unsigned count = fn.getNumWorkgroupAttributions();
  if (!count)
    return;
  Block &entry = fn.getBody().front();
  OpBuilder b(&entry, entry.begin());
  unsigned first = fn.getFirstWorkgroupAttributionIndex();
  for (unsigned i = 0; i < count; ++i) {
    BlockArgument arg = entry.getArgument(first + i);
    arg.replaceAllUsesWith(memref::AllocOp::create(
        b, fn.getLoc(), cast<MemRefType>(arg.getType())));
  }
  entry.eraseArguments(first, count);
  fn->setAttr(gpu::GPUFuncOp::getNumWorkgroupAttributionsAttrName(),
              b.getI64IntegerAttr(0));
}

/// Vulkan storage classes for memory spaces: the default mapping, plus
/// the GPU dialect's workgroup address space.
std::optional<spirv::StorageClass> vulkanStorageClass(Attribute space) {
  if (auto gpuSpace = dyn_cast_or_null<gpu::AddressSpaceAttr>(space))
    if (gpuSpace.getValue() == gpu::AddressSpace::Workgroup)
      return spirv::StorageClass::Workgroup;
  return spirv::mapMemorySpaceToVulkanStorageClass(space);
}

} // namespace

LogicalResult xf::lowerKernelsToSpirv(ModuleOp module) {
  MLIRContext *ctx = module.getContext();
  ctx->getOrLoadDialect<spirv::SPIRVDialect>();
  spirv::TargetEnvAttr env = vulkanTargetEnv(ctx);
  SmallVector<Operation *> kernels;
  for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
    gpuModule->setAttr(spirv::getTargetEnvAttrName(), env);
    for (auto fn : gpuModule.getOps<gpu::GPUFuncOp>()) {
      std::optional<ArrayRef<int32_t>> size = fn.getKnownBlockSize();
      if (!size)
        return fn.emitError("a Vulkan kernel needs a known workgroup size");
      fn->setAttr(spirv::getEntryPointABIAttrName(),
                  spirv::getEntryPointABIAttr(ctx, *size));
      workgroupAttributionsToAllocs(fn); // before arguments are appended
      packScalarOperands(fn);
    }
    kernels.push_back(gpuModule);
  }
  spirv::MemorySpaceToStorageClassConverter storage(vulkanStorageClass);
  for (Operation *m : kernels)
    spirv::convertMemRefTypesAndAttrs(m, storage);

  std::unique_ptr<ConversionTarget> target = SPIRVConversionTarget::get(env);
  SPIRVConversionOptions options;
  options.use64bitIndex = false; // indices in kernels are 32-bit
  SPIRVTypeConverter types(env, options);
  ScfToSPIRVContext scfContext;
  RewritePatternSet patterns(ctx);
  populateGPUToSPIRVPatterns(types, patterns);
  arith::populateArithToSPIRVPatterns(types, patterns);
  populateMathToSPIRVPatterns(types, patterns);
  populateMemRefToSPIRVPatterns(types, patterns);
  populateFuncToSPIRVPatterns(types, patterns);
  populateSCFToSPIRVPatterns(types, scfContext, patterns);
  populateVectorToSPIRVPatterns(types, patterns);
  cf::populateControlFlowToSPIRVPatterns(types, patterns);
  index::populateIndexToSPIRVPatterns(types, patterns);
  if (failed(applyFullConversion(kernels, *target, std::move(patterns))))
    return failure();

  PassManager pm(ctx);
  OpPassManager &spv = pm.nest<spirv::ModuleOp>();
  spv.addPass(spirv::createSPIRVLowerABIAttributesPass());
  spv.addPass(spirv::createSPIRVUpdateVCEPass());
  return pm.run(module);
}

LogicalResult xf::serializeSpirvKernels(ModuleOp module, std::string &binary) {
  // One SPIR-V module per kernel: a driver may reserve every Workgroup
  // variable of a module for each of its entry points (NVIDIA's does: two
  // GEMM kernels' 50 KB in one module exceed its 48 KB and lose the
  // device), and a module of one kernel holds only that kernel's. The
  // layout is the Vulkan blob of xf/abi.h.
  auto spv = *module.getOps<spirv::ModuleOp>().begin();
  SmallVector<std::string> names;
  for (auto entry : spv.getOps<spirv::EntryPointOp>())
    names.push_back(entry.getFn().str());
  SmallVector<uint32_t> blob;
  for (const std::string &name : names) {
    OwningOpRef<spirv::ModuleOp> one = cast<spirv::ModuleOp>(spv->clone());
    for (Operation &op : llvm::make_early_inc_range(*one->getBody())) {
      StringRef fn;
      if (auto entry = dyn_cast<spirv::EntryPointOp>(op))
        fn = entry.getFn();
      else if (auto mode = dyn_cast<spirv::ExecutionModeOp>(op))
        fn = mode.getFn();
      else if (auto func = dyn_cast<spirv::FuncOp>(op);
               func && llvm::is_contained(names, func.getSymName()))
        fn = func.getSymName();
      if (!fn.empty() && fn != name)
        op.erase();
    }
    for (auto var :
         llvm::make_early_inc_range(one->getOps<spirv::GlobalVariableOp>()))
      if (SymbolTable::symbolKnownUseEmpty(var, *one))
        var.erase();
    SmallVector<uint32_t> words;
    if (failed(spirv::serialize(*one, words)))
      return failure();
    SmallVector<uint32_t> nameWords((name.size() + 4) / 4, 0);
    std::memcpy(nameWords.data(), name.data(), name.size());
    blob.push_back(nameWords.size());
    blob.append(nameWords);
    blob.push_back(words.size());
    blob.append(words);
  }
  binary.assign(reinterpret_cast<const char *>(blob.data()),
                blob.size() * sizeof(uint32_t));
  return success();
}
