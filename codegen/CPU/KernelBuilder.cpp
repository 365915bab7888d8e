//===- KernelBuilder.cpp - Small builders the CPU kernels share -----------===//

#include "codegen/CPU/KernelBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

Value xf::cpu::idx(OpBuilder &b, Location loc, int64_t i) {
  return arith::ConstantIndexOp::create(b, loc, i);
}

Value xf::cpu::addIdx(OpBuilder &b, Location loc, Value base, int64_t i) {
  return arith::AddIOp::create(b, loc, base, idx(b, loc, i));
}

void xf::cpu::forRange(OpBuilder &b, Location loc, Value lo, Value hi,
                       Value step,
                       function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, lo, hi, step, ValueRange{},
                     [&](OpBuilder &fb, Location fl, Value i, ValueRange) {
                       body(fb, fl, i);
                       scf::YieldOp::create(fb, fl);
                     });
}

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
