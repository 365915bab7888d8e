//===- MatmulKernel.cpp - Register-blocked x · Wᵀ on buffers --------------===//
//
// Replaces the linear-layer matmuls (tagged by the xf→linalg conversion)
// with an outer-product kernel: Wᵀ repacked to [K, N] once per call, then
// for each block of `rows` rows and 32 columns, accumulators in registers
// across the K loop. See the pass description in codegen/Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFCPUMATMULKERNELPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

constexpr int64_t kCols = 32; ///< columns per block: two 512-bit vectors

/// Collapses an identity-layout memref [d0, ..., dn-1, last] to [prod, last].
Value collapseRows(OpBuilder &b, Location loc, Value v) {
  auto t = cast<MemRefType>(v.getType());
  if (t.getRank() == 2)
    return v;
  SmallVector<ReassociationIndices> groups(2);
  for (int64_t d = 0; d + 1 < t.getRank(); ++d)
    groups[0].push_back(d);
  groups[1].push_back(t.getRank() - 1);
  return memref::CollapseShapeOp::create(b, loc, v, groups);
}

/// Emits, for rows [lo, hi) in steps of `rows`, the blocked kernel.
void emitKernel(OpBuilder &b, Location loc, Value x, Value wt, Value c,
                Value lo, Value hi, int64_t rows, int64_t n, int64_t k) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value nEnd = arith::ConstantIndexOp::create(b, loc, n);
  Value kEnd = arith::ConstantIndexOp::create(b, loc, k);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value rowStep = arith::ConstantIndexOp::create(b, loc, rows);
  Value colStep = arith::ConstantIndexOp::create(b, loc, kCols);
  auto vecType = VectorType::get({kCols}, b.getF32Type());
  scf::ParallelOp::create(
      b, loc, ValueRange{lo, c0}, ValueRange{hi, nEnd},
      ValueRange{rowStep, colStep},
      [&](OpBuilder &pb, Location pl, ValueRange ivs) {
        Value m0 = ivs[0], n0 = ivs[1];
        Value zero = arith::ConstantOp::create(
            pb, pl, DenseElementsAttr::get(vecType, pb.getF32FloatAttr(0)));
        SmallVector<Value> init(rows, zero);
        auto loop = scf::ForOp::create(
            pb, pl, c0, kEnd, one, init,
            [&](OpBuilder &fb, Location fl, Value kv, ValueRange acc) {
              Value bRow = vector::LoadOp::create(fb, fl, vecType, wt,
                                                  ValueRange{kv, n0});
              SmallVector<Value> next;
              for (int64_t i = 0; i < rows; ++i) {
                Value row = arith::AddIOp::create(
                    fb, fl, m0, arith::ConstantIndexOp::create(fb, fl, i));
                Value a =
                    memref::LoadOp::create(fb, fl, x, ValueRange{row, kv});
                Value splat = vector::BroadcastOp::create(fb, fl, vecType, a);
                next.push_back(
                    vector::FMAOp::create(fb, fl, splat, bRow, acc[i]));
              }
              scf::YieldOp::create(fb, fl, next);
            });
        for (int64_t i = 0; i < rows; ++i) {
          Value row = arith::AddIOp::create(
              pb, pl, m0, arith::ConstantIndexOp::create(pb, pl, i));
          vector::StoreOp::create(pb, pl, loop.getResult(i), c,
                                  ValueRange{row, n0});
        }
        scf::ReduceOp::create(pb, pl);
      });
}

struct XfCpuMatmulKernelPass final
    : mlir::xf::impl::XfCpuMatmulKernelPassBase<XfCpuMatmulKernelPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> targets;
    getOperation().walk([&](linalg::GenericOp g) {
      if (g->hasAttr("xf.weight_matmul") && g.hasPureBufferSemantics())
        targets.push_back(g);
    });
    for (linalg::GenericOp g : targets) {
      OpBuilder b(g);
      Location loc = g.getLoc();
      Value x = collapseRows(b, loc, g.getDpsInputs()[0]);
      Value w = g.getDpsInputs()[1];
      Value c = collapseRows(b, loc, g.getDpsInits()[0]);
      auto wType = cast<MemRefType>(w.getType());
      int64_t n = wType.getDimSize(0), k = wType.getDimSize(1);
      // 1. Wᵀ: [N, K] → [K, N], so a row of Wᵀ is 32 contiguous columns.
      auto wtType = MemRefType::get({k, n}, b.getF32Type());
      Value wt =
          memref::AllocOp::create(b, loc, wtType, b.getI64IntegerAttr(64));
      linalg::TransposeOp::create(b, loc, w, wt, ArrayRef<int64_t>{1, 0});
      // 2. Full blocks of `rows` rows, then the leftover rows one by one.
      Value m = memref::DimOp::create(b, loc, x, 0);
      Value rowsV = arith::ConstantIndexOp::create(b, loc, rows);
      Value rem = arith::RemUIOp::create(b, loc, m, rowsV);
      Value mainEnd = arith::SubIOp::create(b, loc, m, rem);
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      emitKernel(b, loc, x, wt, c, c0, mainEnd, rows, n, k);
      emitKernel(b, loc, x, wt, c, mainEnd, m, 1, n, k);
      memref::DeallocOp::create(b, loc, wt);
      g.erase();
    }
  }
};

} // namespace
