//===- MergeKernelModules.cpp - One gpu.module for all kernels ------------===//
//
// xf-gpu-merge-kernel-modules: gathers the outlined kernels into
// gpu.module @xf_kernels, so the library embeds one device binary, and
// keeps one of each set of kernels that differ only in name.
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
    // Kernels equal but for their names (the q, k and v projections of a
    // layer, say) become one: the printed form under a common name is the
    // key.
    llvm::StringMap<StringAttr> byBody;
    DenseMap<StringAttr, StringAttr> sameAs;
    for (auto fn : llvm::make_early_inc_range(body.getOps<gpu::GPUFuncOp>())) {
      StringAttr name = fn.getNameAttr();
      fn.setName("kernel");
      std::string text;
      llvm::raw_string_ostream os(text);
      fn->print(os, OpPrintingFlags()
                        .enableDebugInfo(false)
                        .useLocalScope()
                        .assumeVerified());
      fn.setName(name);
      auto [it, fresh] = byBody.try_emplace(text, name);
      if (!fresh) {
        sameAs[name] = it->second;
        fn.erase();
      }
    }
    module.walk([&](gpu::LaunchFuncOp launch) {
      StringAttr name =
          renamed.lookup((launch.getKernelModuleName().getValue() +
                          "::" + launch.getKernelName().getValue())
                             .str());
      if (StringAttr first = sameAs.lookup(name))
        name = first;
      launch.setKernelAttr(SymbolRefAttr::get(merged.getNameAttr(),
                                              {FlatSymbolRefAttr::get(name)}));
    });
    for (gpu::GPUModuleOp m : modules)
      m.erase();
  }
};

} // namespace
