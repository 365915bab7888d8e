//===- KernelBuilder.cpp - What the CPU kernels share ---------------------===//

#include "codegen/CPU/KernelBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

SmallVector<Value> xf::cpu::transpose16(OpBuilder &b, Location loc,
                                        ValueRange rows) {
  auto tileType = VectorType::get({16, 16}, b.getF32Type());
  Value tile = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(tileType, b.getF32FloatAttr(0)));
  for (auto [i, row] : llvm::enumerate(rows))
    tile = vector::InsertOp::create(b, loc, row, tile, i);
  Value columns =
      vector::TransposeOp::create(b, loc, tile, ArrayRef<int64_t>{1, 0});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 16; ++i)
    out.push_back(vector::ExtractOp::create(b, loc, columns, i));
  return out;
}

void xf::cpu::markOutOfLine(func::FuncOp kernel) {
  MLIRContext *ctx = kernel.getContext();
  kernel.setPrivate();
  kernel->setAttr("passthrough",
                  ArrayAttr::get(ctx, {StringAttr::get(ctx, "noinline")}));
  kernel->setAttr("llvm.linkage",
                  LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
}
