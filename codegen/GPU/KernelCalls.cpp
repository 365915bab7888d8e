//===- KernelCalls.cpp - GPU kernels called from tensor code --------------===//
//
// The call step of the hand-written GPU kernels and the pass that defines
// their bodies (xf-gpu-define-kernels); see KernelCalls.h.
//
//===----------------------------------------------------------------------===//

#include "codegen/GPU/KernelCalls.h"
#include "codegen/Passes.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFGPUDEFINEKERNELSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {
constexpr StringLiteral kKernelAttr = xf::XfDialect::getGpuKernelAttrName();
} // namespace

namespace {

class GpuDefineKernelsPass final
    : public xf::impl::XfGpuDefineKernelsPassBase<GpuDefineKernelsPass> {
public:
  void runOnOperation() override {
    for (auto fn : getOperation().getOps<func::FuncOp>()) {
      auto kernel = fn->getAttrOfType<DictionaryAttr>(kKernelAttr);
      if (!kernel || !fn.isDeclaration())
        continue;
      StringRef kind = kernel.getAs<StringAttr>("kind").getValue();
      auto spec = kernel.getAs<DictionaryAttr>("spec");
      if (kind == "attention")
        xf::emitAttentionKernel(fn, spec);
      else if (kind == "norm")
        xf::emitNormKernel(fn, spec);
      else {
        fn.emitError("unknown GPU kernel kind '") << kind << "'";
        return signalPassFailure();
      }
      fn->removeAttr(kKernelAttr);
    }
  }
};

} // namespace
