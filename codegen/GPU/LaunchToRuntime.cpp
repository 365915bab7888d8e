//===- LaunchToRuntime.cpp - gpu.launch_func → xf_gpu_launch calls --------===//
//
// xf-gpu-launch-to-runtime: the host half's last GPU step (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "xf/abi.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFGPULAUNCHTORUNTIMEPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

/// The kernel table's kind of an operand's type (xf/abi.h); 0 if the
/// runtime cannot pass it.
char argKind(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type))
    return memref.getRank() == 1 && memref.getLayout().isIdentity()
               ? XF_KIND_BUFFER
               : 0;
  if (type.isIndex())
    return XF_KIND_INDEX;
  if (type.isInteger(64))
    return XF_KIND_I64;
  if (type.isInteger(32))
    return XF_KIND_I32;
  if (type.isF32())
    return XF_KIND_F32;
  return 0;
}

class LaunchToRuntimePass
    : public xf::impl::XfGpuLaunchToRuntimePassBase<LaunchToRuntimePass> {
public:
  void runOnOperation() override;
};

void LaunchToRuntimePass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *ctx = module.getContext();

  // 1. The kernel table, in module order.
  SmallVector<Attribute> table;
  llvm::StringMap<int32_t> position;
  for (auto gpuModule : module.getOps<gpu::GPUModuleOp>())
    for (auto fn : gpuModule.getOps<gpu::GPUFuncOp>()) {
      if (!fn.isKernel())
        continue;
      std::string kinds;
      for (Type t : fn.getArgumentTypes()) {
        char kind = argKind(t);
        if (!kind) {
          fn.emitError("kernel operand of type ") << t << " cannot be passed";
          return signalPassFailure();
        }
        kinds += kind;
      }
      position[(gpuModule.getName() + "::" + fn.getName()).str()] =
          table.size();
      table.push_back(StringAttr::get(ctx, fn.getName() + ":" + kinds));
    }

  // 2. The runtime entry point.
  OpBuilder b(ctx);
  b.setInsertionPointToEnd(module.getBody());
  Type i32 = b.getI32Type(), i64 = b.getI64Type(), index = b.getIndexType();
  auto launchType = b.getFunctionType(
      {i32, index, index, index, index, index, index, index}, {});
  auto callee =
      func::FuncOp::create(b, module.getLoc(), XF_SYM_GPU_LAUNCH, launchType);
  callee.setPrivate();

  // 3. Every launch: its operands as i64 words in a stack array.
  WalkResult walk = module.walk([&](gpu::LaunchFuncOp launch) {
    Location loc = launch.getLoc();
    b.setInsertionPoint(launch);
    std::string key = (launch.getKernelModuleName().getValue() +
                       "::" + launch.getKernelName().getValue())
                          .str();
    auto it = position.find(key);
    if (it == position.end()) {
      launch.emitError("launch of unknown kernel ") << key;
      return WalkResult::interrupt();
    }
    ValueRange operands = launch.getKernelOperands();
    int64_t words = 0;
    for (Value v : operands)
      words += isa<MemRefType>(v.getType()) ? 2 : 1;
    auto arrayType = MemRefType::get({std::max<int64_t>(words, 1)}, i64);
    Value array = memref::AllocaOp::create(b, loc, arrayType);
    int64_t slot = 0;
    auto store = [&](Value word) {
      Value at = arith::ConstantIndexOp::create(b, loc, slot++);
      memref::StoreOp::create(b, loc, word, array, at);
    };
    for (Value v : operands) {
      Value word;
      Type t = v.getType();
      if (auto memref = dyn_cast<MemRefType>(t)) {
        // The address, then the extent in bytes: a backend binds exactly
        // the operand's bytes (SPIR-V lets a driver assume that distinct
        // bindings do not overlap).
        Value addr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, v);
        store(arith::IndexCastOp::create(b, loc, i64, addr));
        Value elements = memref::DimOp::create(b, loc, v, 0);
        Value elementBytes = arith::ConstantIndexOp::create(
            b, loc, (memref.getElementTypeBitWidth() + 7) / 8);
        word = arith::IndexCastOp::create(
            b, loc, i64, arith::MulIOp::create(b, loc, elements, elementBytes));
      } else if (t.isIndex()) {
        word = arith::IndexCastOp::create(b, loc, i64, v);
      } else if (t.isInteger(64)) {
        word = v;
      } else if (t.isInteger(32)) {
        word = arith::ExtUIOp::create(b, loc, i64, v);
      } else if (t.isF32()) {
        word = arith::ExtUIOp::create(b, loc, i64,
                                      arith::BitcastOp::create(b, loc, i32, v));
      } else {
        launch.emitError("kernel operand of type ") << t << " cannot be passed";
        return WalkResult::interrupt();
      }
      store(word);
    }
    Value arrayAddr =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, array);
    Value kernel = arith::ConstantIntOp::create(b, loc, it->second, 32);
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
    func::CallOp::create(b, loc, callee,
                         ValueRange{kernel, grid.x, grid.y, grid.z, block.x,
                                    block.y, block.z, arrayAddr});
    launch.erase();
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return signalPassFailure();

  // 4. The kernels now live in the driver's binary.
  for (auto gpuModule :
       llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
    gpuModule.erase();
  module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
  module->setAttr(xf::XfDialect::getGpuKernelsAttrName(), ArrayAttr::get(ctx, table));
}

} // namespace
