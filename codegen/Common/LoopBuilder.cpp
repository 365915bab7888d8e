//===- LoopBuilder.cpp - Index constants and plain loops for kernels ------===//

#include "codegen/Common/LoopBuilder.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

Value xf::idx(OpBuilder &b, Location loc, int64_t i) {
  return arith::ConstantIndexOp::create(b, loc, i);
}

Value xf::addIdx(OpBuilder &b, Location loc, Value base, int64_t i) {
  return arith::AddIOp::create(b, loc, base, idx(b, loc, i));
}

void xf::forRange(OpBuilder &b, Location loc, Value lo, Value hi, Value step,
                  function_ref<void(OpBuilder &, Location, Value)> body) {
  scf::ForOp::create(b, loc, lo, hi, step, ValueRange{},
                     [&](OpBuilder &fb, Location fl, Value i, ValueRange) {
                       body(fb, fl, i);
                       scf::YieldOp::create(fb, fl);
                     });
}
