//===- KernelCalls.cpp - GPU kernels called from tensor code --------------===//
//
// The call step of the hand-written GPU kernels and the pass that defines
// their bodies (xf-gpu-define-kernels); see KernelCalls.h.
//
//===----------------------------------------------------------------------===//

#include "codegen/GPU/KernelCalls.h"
#include "codegen/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFGPUDEFINEKERNELSPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {
constexpr StringLiteral kKernelAttr = xf::XfDialect::getGpuKernelAttrName();
} // namespace

void xf::replaceWithKernelCall(ConversionPatternRewriter &rewriter,
                               Operation *op, StringRef kind,
                               DictionaryAttr spec, ValueRange operands,
                               RankedTensorType outType, ValueRange dynSizes) {
  Location loc = op->getLoc();
  SmallVector<Value> args = {memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get(outType.getShape(), outType.getElementType()), dynSizes,
      rewriter.getI64IntegerAttr(64))};
  for (Value t : operands) {
    auto tt = cast<RankedTensorType>(t.getType());
    args.push_back(bufferization::ToBufferOp::create(
        rewriter, loc, MemRefType::get(tt.getShape(), tt.getElementType()), t,
        /*read_only=*/true));
  }
  auto module = op->getParentOfType<ModuleOp>();
  auto caller = op->getParentOfType<func::FuncOp>();
  func::FuncOp decl;
  {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    decl = func::FuncOp::create(
        rewriter, loc, (caller.getName() + "_" + kind).str(),
        rewriter.getFunctionType(ValueRange(args).getTypes(), {}));
    decl.setPrivate();
    decl->setAttr(
        kKernelAttr,
        rewriter.getDictionaryAttr(
            {rewriter.getNamedAttr("kind", rewriter.getStringAttr(kind)),
             rewriter.getNamedAttr("spec", spec)}));
    SymbolTable(module).insert(decl); // renames on a clash
  }
  func::CallOp::create(rewriter, loc, decl, args);
  rewriter.replaceOp(op, bufferization::ToTensorOp::create(
                             rewriter, loc, outType, args[0],
                             rewriter.getUnitAttr(), rewriter.getUnitAttr()));
}

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
