//===- MergeKernelModules.cpp - One gpu.module for all kernels ------------===//
//
// xf-gpu-merge-kernel-modules: gathers the outlined kernels into
// gpu.module @xf_kernels, so the library embeds one device binary.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFGPUMERGEKERNELMODULESPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

class MergeKernelModulesPass
    : public xf::impl::XfGpuMergeKernelModulesPassBase<MergeKernelModulesPass> {
public:
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> modules(module.getOps<gpu::GPUModuleOp>());
    if (modules.empty())
      return;
    OpBuilder b(modules.front());
    auto merged = gpu::GPUModuleOp::create(b, module.getLoc(), "xf_kernels");
    Block &body = merged.getBodyRegion().front();
    // The outliner made module names unique, not kernel names (module
    // forward_kernel_0 holds func forward_kernel): a kernel takes its
    // module's name.
    llvm::StringMap<StringAttr> renamed;
    for (gpu::GPUModuleOp m : modules) {
      for (Operation &op :
           llvm::make_early_inc_range(m.getBody()->getOperations())) {
        if (auto fn = dyn_cast<gpu::GPUFuncOp>(op)) {
          StringAttr name = m.getNameAttr();
          if (std::distance(m.getOps<gpu::GPUFuncOp>().begin(),
                            m.getOps<gpu::GPUFuncOp>().end()) > 1)
            name = StringAttr::get(&getContext(),
                                   m.getName() + "_" + fn.getName());
          renamed[(m.getName() + "::" + fn.getName()).str()] = name;
          fn.setName(name);
        }
        op.moveBefore(&body, body.end());
      }
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      StringAttr name =
          renamed.lookup((launch.getKernelModuleName().getValue() +
                          "::" + launch.getKernelName().getValue())
                             .str());
      launch.setKernelAttr(SymbolRefAttr::get(merged.getNameAttr(),
                                              {FlatSymbolRefAttr::get(name)}));
    });
    for (gpu::GPUModuleOp m : modules)
      m.erase();
  }
};

} // namespace
