//===- FlatBuffer.cpp - Memrefs seen by GPU kernels as 1-D buffers --------===//

#include "codegen/GPU/FlatBuffer.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

xf::FlatBuffer xf::flatten(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  auto md = memref::ExtractStridedMetadataOp::create(b, loc, memref);
  FlatBuffer fb;
  fb.offset = md.getOffset();
  fb.strides.assign(md.getStrides().begin(), md.getStrides().end());
  // The extent the view may touch: offset + Σ (size_k - 1)·stride_k + 1.
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value extent = arith::AddIOp::create(b, loc, fb.offset, one);
  for (auto [size, stride] : llvm::zip(md.getSizes(), md.getStrides())) {
    Value last = arith::SubIOp::create(b, loc, size, one);
    last = arith::MaxSIOp::create(b, loc, last,
                                  arith::ConstantIndexOp::create(b, loc, 0));
    extent = arith::AddIOp::create(b, loc, extent,
                                   arith::MulIOp::create(b, loc, last, stride));
  }
  auto flatType =
      MemRefType::get({ShapedType::kDynamic}, type.getElementType(),
                      MemRefLayoutAttrInterface{}, type.getMemorySpace());
  fb.flat = memref::ReinterpretCastOp::create(
      b, loc, flatType, md.getBaseBuffer(), OpFoldResult(b.getIndexAttr(0)),
      ArrayRef<OpFoldResult>{extent},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return fb;
}

Value xf::linearIndex(OpBuilder &b, Location loc, const FlatBuffer &fb,
                      ValueRange indices) {
  Value index = fb.offset;
  for (auto [i, stride] : llvm::zip(indices, fb.strides))
    index = arith::AddIOp::create(b, loc, index,
                                  arith::MulIOp::create(b, loc, i, stride));
  return index;
}

Value xf::loadOrZero(OpBuilder &b, Location loc, Value cond,
                     const FlatBuffer &fb,
                     function_ref<Value(OpBuilder &)> index) {
  auto ifOp = scf::IfOp::create(
      b, loc, cond,
      [&](OpBuilder &tb, Location tl) {
        scf::YieldOp::create(
            tb, tl,
            ValueRange{memref::LoadOp::create(tb, tl, fb.flat, index(tb))});
      },
      [&](OpBuilder &eb, Location el) {
        scf::YieldOp::create(eb, el,
                             ValueRange{arith::ConstantOp::create(
                                 eb, el, eb.getF32FloatAttr(0))});
      });
  return ifOp.getResult(0);
}
