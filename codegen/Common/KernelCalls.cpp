//===- KernelCalls.cpp - Ops replaced by calls of kernel declarations -----===//

#include "codegen/Common/KernelCalls.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

void xf::replaceWithKernelCall(RewriterBase &rewriter,
                               Operation *op, StringRef marker, StringRef kind,
                               DictionaryAttr spec, ValueRange operands,
                               RankedTensorType outType, ValueRange dynSizes,
                               function_ref<Value(Value)> outView) {
  Location loc = op->getLoc();
  Value out = memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get(outType.getShape(), outType.getElementType()), dynSizes,
      rewriter.getI64IntegerAttr(64));
  SmallVector<Value> args = {outView ? outView(out) : out};
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
        marker,
        rewriter.getDictionaryAttr(
            {rewriter.getNamedAttr("kind", rewriter.getStringAttr(kind)),
             rewriter.getNamedAttr("spec", spec)}));
    SymbolTable(module).insert(decl); // renames on a clash
  }
  func::CallOp::create(rewriter, loc, decl, args);
  rewriter.replaceOp(op, bufferization::ToTensorOp::create(
                             rewriter, loc, outType, out,
                             rewriter.getUnitAttr(), rewriter.getUnitAttr()));
}
