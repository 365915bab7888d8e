//===- MatmulKernel.cpp - Register-blocked x · Wᵀ on buffers --------------===//
//
// Replaces the linear-layer matmuls (tagged by the xf→linalg conversion)
// with a register-blocked dot-product kernel that reads W as stored. See the
// pass description in codegen/Passes.td.
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

constexpr int64_t kCols = 4;  ///< weight rows (output columns) per tile
constexpr int64_t kVec = 16;  ///< partial-sum width over K: one 512-bit vector
constexpr int64_t kChunk = 16; ///< row tiles per cache chunk of x

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

/// Emits, for rows [lo, hi) in steps of `rows`, the kernel: each iteration
/// computes a `rows` x kCols tile of C as dot products of x rows with W rows
/// (W read as stored, [N, K]), kVec-wide partial sums in registers across K,
/// reduced once at the end.
void emitKernel(OpBuilder &b, Location loc, Value x, Value w, Value c,
                Value lo, Value hi, int64_t rows, int64_t n, int64_t k) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value nEnd = arith::ConstantIndexOp::create(b, loc, n);
  Value kEnd = arith::ConstantIndexOp::create(b, loc, k);
  Value rowStep = arith::ConstantIndexOp::create(b, loc, rows);
  Value colStep = arith::ConstantIndexOp::create(b, loc, kCols);
  Value kStep = arith::ConstantIndexOp::create(b, loc, kVec);
  auto vecType = VectorType::get({kVec}, b.getF32Type());
  // Two levels: chunks of x rows (kChunk tiles, a few hundred KB, kept in
  // L2) outside blocks of weight rows, then the tiles of the chunk inside,
  // so the x chunk is reused for every weight block and each weight block
  // for every row of the chunk.
  Value chunkStep = arith::ConstantIndexOp::create(b, loc, rows * kChunk);
  scf::ParallelOp::create(
      b, loc, ValueRange{lo, c0}, ValueRange{hi, nEnd},
      ValueRange{chunkStep, colStep},
      [&](OpBuilder &cb, Location cl, ValueRange chunk) {
        Value chunkEnd = arith::MinUIOp::create(
            cb, cl, hi, arith::AddIOp::create(cb, cl, chunk[0], chunkStep));
        scf::ForOp::create(
            cb, cl, chunk[0], chunkEnd, rowStep, ValueRange{},
            [&](OpBuilder &pb, Location pl, Value m0, ValueRange) {
        Value n0 = chunk[1];
        auto offset = [&](OpBuilder &ob, Location l, Value base, int64_t i) {
          return arith::AddIOp::create(ob, l, base,
                                       arith::ConstantIndexOp::create(ob, l, i));
        };
        Value zero = arith::ConstantOp::create(
            pb, pl, DenseElementsAttr::get(vecType, pb.getF32FloatAttr(0)));
        SmallVector<Value> init(rows * kCols, zero);
        auto loop = scf::ForOp::create(
            pb, pl, c0, kEnd, kStep, init,
            [&](OpBuilder &fb, Location fl, Value k0, ValueRange acc) {
              SmallVector<Value> as, ws, next;
              for (int64_t i = 0; i < rows; ++i)
                as.push_back(vector::LoadOp::create(
                    fb, fl, vecType, x, ValueRange{offset(fb, fl, m0, i), k0}));
              for (int64_t j = 0; j < kCols; ++j)
                ws.push_back(vector::LoadOp::create(
                    fb, fl, vecType, w, ValueRange{offset(fb, fl, n0, j), k0}));
              for (int64_t i = 0; i < rows; ++i)
                for (int64_t j = 0; j < kCols; ++j)
                  next.push_back(vector::FMAOp::create(fb, fl, as[i], ws[j],
                                                       acc[i * kCols + j]));
              scf::YieldOp::create(fb, fl, next);
            });
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < kCols; ++j) {
            Value sum = vector::ReductionOp::create(
                pb, pl, vector::CombiningKind::ADD,
                loop.getResult(i * kCols + j));
            memref::StoreOp::create(
                pb, pl, sum, c,
                ValueRange{offset(pb, pl, m0, i), offset(pb, pl, n0, j)});
          }
        scf::YieldOp::create(pb, pl);
            });
        scf::ReduceOp::create(cb, cl);
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
      // Full blocks of `rows` rows, then the leftover rows one by one.
      Value m = memref::DimOp::create(b, loc, x, 0);
      Value rowsV = arith::ConstantIndexOp::create(b, loc, rows);
      Value rem = arith::RemUIOp::create(b, loc, m, rowsV);
      Value mainEnd = arith::SubIOp::create(b, loc, m, rem);
      Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
      emitKernel(b, loc, x, w, c, c0, mainEnd, rows, n, k);
      emitKernel(b, loc, x, w, c, mainEnd, m, 1, n, k);
      g.erase();
    }
  }
};

} // namespace
