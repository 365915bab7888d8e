//===- MatmulKernel.cpp - Outer-product x · Wᵀ on buffers -----------------===//
//
// Replaces the linear-layer matmuls (tagged by the xf→linalg conversion)
// with an outer-product kernel. x is packed per call into panels of 16 rows
// stored column by column ([P, K, 16], rows past M zero), so one vector holds
// one column of 16 rows; W is read as stored ([N, K]; one of fewer than 12
// rows is zero-padded to 12 at the call site). A kernel tile keeps
// kPanels x kCols accumulators (32 rows x 12 columns of C) in vector
// registers across K; each step loads kPanels vectors of x and broadcasts
// kCols weights W[n, k], for kPanels·kCols FMAs. One kernel function serves
// every weight with the same K. See the pass description in codegen/Passes.td.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/KernelBuilder.h"
#include "codegen/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFCPUMATMULKERNELPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::cpu;

namespace {

constexpr int64_t kLanes = 16;    ///< rows per panel: one 512-bit vector
constexpr int64_t kPanels = 2;    ///< panels per kernel tile
constexpr int64_t kCols = 12;     ///< columns of C per kernel tile
constexpr int64_t kChunk = 16;    ///< panels per parallel task
constexpr int64_t kColBlock = 96; ///< columns per parallel task (8 tiles)
constexpr int64_t kDotBlock = 32; ///< columns per parallel task (streaming)
/// Streaming shapes, as (rows of x, rows of W) per step, tried in order:
/// fewer rows of x leave registers for more concurrent W streams, and it is
/// the number of streams in flight that sets how close a step gets to the
/// memory bandwidth (one row of x against 4 streams reaches about half of
/// it, against 8 nearly all).
constexpr std::pair<int64_t, int64_t> kDotShapes[] = {{1, 8}, {2, 8}, {4, 4}};
/// Floats of W ahead of each stream's position that it prefetches into L2
/// (16 KB: rows of the next groups, W being row-major): an L1 miss
/// per stream keeps too few lines in flight to cover L3/DRAM latency on
/// one core, the L2's own queue keeps more.
constexpr int64_t kPrefetchAhead = 4096;

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

/// `t` (2-D) with a dynamic number of rows, and dynamic columns too unless
/// `keepColumns`: identity layout if `t` has one, else fully dynamic strides
/// and offset.
MemRefType dynamicType(Type t, bool keepColumns) {
  auto m = cast<MemRefType>(t);
  SmallVector<int64_t> shape = {ShapedType::kDynamic,
                                keepColumns ? m.getDimSize(1)
                                            : ShapedType::kDynamic};
  if (m.getLayout().isIdentity())
    return MemRefType::get(shape, m.getElementType());
  return MemRefType::get(
      shape, m.getElementType(),
      StridedLayoutAttr::get(m.getContext(), ShapedType::kDynamic,
                             {ShapedType::kDynamic, ShapedType::kDynamic}));
}

/// A copy of the static weight `w` [n, k], n < kCols, in kCols rows, zero
/// past n: the kernel reads whole strips of kCols weight rows. The caller
/// frees it.
Value padRows(OpBuilder &b, Location loc, Value w) {
  auto t = cast<MemRefType>(w.getType());
  Value padded = memref::AllocOp::create(
      b, loc, MemRefType::get({kCols, t.getDimSize(1)}, t.getElementType()),
      b.getI64IntegerAttr(64));
  // Sequential loops: a few KB, not worth waking the threads for.
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1),
        n = idx(b, loc, t.getDimSize(0));
  Value k = idx(b, loc, t.getDimSize(1));
  Value zero = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  auto rows = [&](Value lo, Value hi, bool copy) {
    forRange(b, loc, lo, hi, c1, [&](OpBuilder &rb, Location rl, Value r) {
      forRange(rb, rl, c0, k, c1, [&](OpBuilder &kb, Location kl, Value kk) {
        Value v = copy ? memref::LoadOp::create(kb, kl, w, ValueRange{r, kk})
                             .getResult()
                       : zero;
        memref::StoreOp::create(kb, kl, v, padded, ValueRange{r, kk});
      });
    });
  };
  rows(c0, n, /*copy=*/true);
  rows(n, idx(b, loc, kCols), /*copy=*/false);
  return padded;
}

/// xp[p, k, l] = x[16p + l, k], zero past the last row m. Full panels go
/// through 16x16 tiles transposed in registers for the first K - K % 16
/// columns; the rest, and the last partial panel, element by element.
void emitPack(OpBuilder &b, Location loc, Value x, Value xp, Value m,
              Value panels, Value k) {
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  Value lanes = idx(b, loc, kLanes);
  Value kTiles = arith::SubIOp::create(
      b, loc, k, arith::RemUIOp::create(b, loc, k, lanes));
  Type f32 = b.getF32Type();
  scf::ParallelOp::create(
      b, loc, ValueRange{c0}, ValueRange{panels}, ValueRange{c1},
      [&](OpBuilder &pb, Location pl, ValueRange iv) {
        Value p = iv[0];
        Value base = arith::MulIOp::create(pb, pl, p, lanes);
        Value valid = arith::MinUIOp::create(
            pb, pl, lanes, arith::SubIOp::create(pb, pl, m, base));
        // Columns [kLo, k) of the panel, element by element.
        auto scalarCopy = [&](OpBuilder &sb, Location sl, Value kLo) {
          forRange(
              sb, sl, c0, lanes, c1, [&](OpBuilder &lb, Location ll, Value l) {
                Value row = arith::AddIOp::create(lb, ll, base, l);
                Value inside = arith::CmpIOp::create(
                    lb, ll, arith::CmpIPredicate::ult, l, valid);
                forRange(lb, ll, kLo, k, c1,
                         [&](OpBuilder &kb, Location kl, Value kk) {
                           auto value = scf::IfOp::create(
                               kb, kl, inside,
                               [&](OpBuilder &tb, Location tl) {
                                 scf::YieldOp::create(
                                     tb, tl,
                                     ValueRange{memref::LoadOp::create(
                                         tb, tl, x, ValueRange{row, kk})});
                               },
                               [&](OpBuilder &eb, Location el) {
                                 scf::YieldOp::create(
                                     eb, el,
                                     ValueRange{arith::ConstantOp::create(
                                         eb, el, eb.getF32FloatAttr(0))});
                               });
                           memref::StoreOp::create(kb, kl, value.getResult(0),
                                                   xp, ValueRange{p, kk, l});
                         });
              });
        };
        Value full = arith::CmpIOp::create(pb, pl, arith::CmpIPredicate::eq,
                                           valid, lanes);
        scf::IfOp::create(
            pb, pl, full,
            [&](OpBuilder &tb, Location tl) {
              auto vec = VectorType::get({kLanes}, f32);
              forRange(tb, tl, c0, kTiles, lanes,
                       [&](OpBuilder &kb, Location kl, Value k0) {
                         SmallVector<Value> rows;
                         for (int64_t l = 0; l < kLanes; ++l)
                           rows.push_back(vector::LoadOp::create(
                               kb, kl, vec, x,
                               ValueRange{addIdx(kb, kl, base, l), k0}));
                         for (auto [d, column] :
                              llvm::enumerate(transpose16(kb, kl, rows)))
                           vector::StoreOp::create(
                               kb, kl, column, xp,
                               ValueRange{p, addIdx(kb, kl, k0, d), c0});
                       });
              scalarCopy(tb, tl, kTiles);
              scf::YieldOp::create(tb, tl);
            },
            [&](OpBuilder &eb, Location el) {
              scalarCopy(eb, el, c0);
              scf::YieldOp::create(eb, el);
            });
        scf::ReduceOp::create(pb, pl);
      });
}

/// C[16p .. 16(p+panels), n0 .. n0+kCols) = x · Wᵀ for the rows that exist,
/// stored only in the columns [from, to): panels x kCols accumulators across
/// K. W rows n0 .. n0+kCols must exist. One tile serves every strip: the
/// last strip of C shifts left to end at column n and masks off the columns
/// before its start, which its neighbour stores (a second, narrower tile
/// made the kernel twice as long for LLVM to compile; clamping W rows per
/// column instead cost 3-4%: the 12 rows were no longer constant offsets
/// from one pointer).
void emitTile(OpBuilder &b, Location loc, Value xp, Value w, Value c, Value m,
              Value p, Value n0, int64_t panels, Value k, Value from,
              Value to) {
  Value c0 = idx(b, loc, 0);
  auto vec = VectorType::get({kLanes}, b.getF32Type());
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec, b.getF32FloatAttr(0)));
  SmallVector<Value> panelIdx, colIdx;
  for (int64_t a = 0; a < panels; ++a)
    panelIdx.push_back(addIdx(b, loc, p, a));
  for (int64_t j = 0; j < kCols; ++j)
    colIdx.push_back(addIdx(b, loc, n0, j));
  // `unroll` steps of K per iteration over [lo, hi).
  auto steps = [&](Value lo, Value hi, int64_t unroll, ValueRange init) {
    return scf::ForOp::create(
        b, loc, lo, hi, idx(b, loc, unroll), init,
        [&](OpBuilder &fb, Location fl, Value k0, ValueRange acc) {
          SmallVector<Value> next(acc.begin(), acc.end());
          for (int64_t u = 0; u < unroll; ++u) {
            Value kk = u ? addIdx(fb, fl, k0, u) : k0;
            SmallVector<Value> xs;
            for (int64_t a = 0; a < panels; ++a)
              xs.push_back(vector::LoadOp::create(
                  fb, fl, vec, xp, ValueRange{panelIdx[a], kk, c0}));
            for (int64_t j = 0; j < kCols; ++j) {
              Value wv = vector::BroadcastOp::create(
                  fb, fl, vec,
                  memref::LoadOp::create(fb, fl, w, ValueRange{colIdx[j], kk}));
              for (int64_t a = 0; a < panels; ++a)
                next[a * kCols + j] = vector::FMAOp::create(
                    fb, fl, xs[a], wv, next[a * kCols + j]);
            }
          }
          scf::YieldOp::create(fb, fl, next);
        });
  };
  // Steps of K by 4 (less loop overhead per FMA), then the last K % 4.
  Value k4 = arith::SubIOp::create(
      b, loc, k, arith::RemUIOp::create(b, loc, k, idx(b, loc, 4)));
  auto main = steps(c0, k4, 4, SmallVector<Value>(panels * kCols, zero));
  auto loop = steps(k4, k, 1, main.getResults());
  // Row l of panel a is lane l of its accumulators: a 16x16 register
  // transpose (columns past kCols zero) turns lanes into rows, each stored
  // as kCols contiguous floats, masked to [from, to), if the row exists.
  Value lanes = idx(b, loc, kLanes);
  SmallVector<int64_t> iota(kCols);
  for (int64_t j = 0; j < kCols; ++j)
    iota[j] = j;
  auto idxVec = VectorType::get({kCols}, b.getIndexType());
  Value cols = arith::AddIOp::create(
      b, loc,
      arith::ConstantOp::create(b, loc,
                                DenseElementsAttr::get(idxVec, ArrayRef(iota))),
      vector::BroadcastOp::create(b, loc, idxVec, n0));
  auto inRange = [&](arith::CmpIPredicate pred, Value bound) {
    return arith::CmpIOp::create(
        b, loc, pred, cols, vector::BroadcastOp::create(b, loc, idxVec, bound));
  };
  Value mask =
      arith::AndIOp::create(b, loc, inRange(arith::CmpIPredicate::uge, from),
                            inRange(arith::CmpIPredicate::ult, to));
  for (int64_t a = 0; a < panels; ++a) {
    Value base = arith::MulIOp::create(b, loc, panelIdx[a], lanes);
    Value valid = arith::SubIOp::create(b, loc, m, base);
    SmallVector<Value> rows =
        transpose16(b, loc, loop.getResults().slice(a * kCols, kCols));
    for (int64_t l = 0; l < kLanes; ++l) {
      Value exists = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           idx(b, loc, l), valid);
      scf::IfOp::create(b, loc, exists, [&](OpBuilder &tb, Location tl) {
        Value row = vector::ExtractStridedSliceOp::create(
            tb, tl, rows[l], ArrayRef<int64_t>{0}, ArrayRef<int64_t>{kCols},
            ArrayRef<int64_t>{1});
        vector::MaskedStoreOp::create(
            tb, tl, c, ValueRange{addIdx(tb, tl, base, l), n0}, mask, row);
        scf::YieldOp::create(tb, tl);
      });
    }
  }
}

/// All n columns of C for every panel, in one parallel loop over chunks of
/// kChunk panels x blocks of kColBlock columns. A block runs row bands (pairs
/// of panels, then a last single panel), each across its strips of kCols
/// columns (the last strip of C narrower when kCols does not divide n). W
/// has max(n, kCols) rows (see padRows).
void emitColumns(OpBuilder &b, Location loc, Value xp, Value w, Value c,
                 Value m, Value panels, Value n, Value k) {
  Value c0 = idx(b, loc, 0);
  Value lastStart = arith::SubIOp::create(
      b, loc, memref::DimOp::create(b, loc, w, 0), idx(b, loc, kCols));
  Value chunk = idx(b, loc, kChunk), pairStep = idx(b, loc, kPanels);
  Value colsV = idx(b, loc, kCols);
  Value blockV = idx(b, loc, kColBlock);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0, c0}, ValueRange{panels, n},
      ValueRange{chunk, blockV},
      [&](OpBuilder &pb, Location pl, ValueRange iv) {
        Value pEnd = arith::MinUIOp::create(
            pb, pl, panels, arith::AddIOp::create(pb, pl, iv[0], chunk));
        Value blockEnd = arith::MinUIOp::create(
            pb, pl, n, arith::AddIOp::create(pb, pl, iv[1], blockV));
        Value count = arith::SubIOp::create(pb, pl, pEnd, iv[0]);
        Value pairsEnd = arith::AddIOp::create(
            pb, pl, iv[0],
            arith::SubIOp::create(
                pb, pl, count,
                arith::RemUIOp::create(pb, pl, count, pairStep)));
        // The block's strips for `count` panels from p. The tiles of one
        // row band go left to right, so each C row is written in adjacent
        // pieces that complete its cache lines while they are in L1 (strip
        // by strip, C rows 8 KB apart each took a line of their own per
        // tile: 12% of the time).
        auto band = [&](OpBuilder &nb, Location nl, Value p, int64_t count) {
          forRange(nb, nl, iv[1], blockEnd, colsV,
                   [&](OpBuilder &tb, Location tl, Value s) {
                     Value n0 = arith::MinUIOp::create(tb, tl, s, lastStart);
                     Value to = arith::MinUIOp::create(
                         tb, tl, n, arith::AddIOp::create(tb, tl, s, colsV));
                     emitTile(tb, tl, xp, w, c, m, p, n0, count, k, s, to);
                   });
        };
        forRange(pb, pl, iv[0], pairsEnd, pairStep,
                 [&](OpBuilder &nb, Location nl, Value p) {
                   band(nb, nl, p, kPanels);
                 });
        forRange(
            pb, pl, pairsEnd, pEnd, idx(pb, pl, 1),
            [&](OpBuilder &nb, Location nl, Value p) { band(nb, nl, p, 1); });
        scf::ReduceOp::create(pb, pl);
      });
}

/// C = x · Wᵀ for m <= `rowsX` rows (a generation step's tokens): a
/// padded panel would multiply 32 rows for each real one, so instead each
/// output is a dot product of a row of x with a row of W, read as stored,
/// once. A parallel loop over blocks of kDotBlock columns; a step takes
/// `rowsW` rows of W against `rowsX` rows of x (rows past m repeat the
/// last, never stored), 16 lanes of K at a time with vector accumulators,
/// prefetching kPrefetchAhead floats ahead of each W stream, the K % 16 tail
/// masked, then one reduction per output. Bound by streaming W from
/// memory, not by FMAs.
void emitFewRows(OpBuilder &b, Location loc, Value x, Value w, Value c,
                 Value m, Value n, Value k, int64_t rowsX, int64_t rowsW) {
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  Type f32 = b.getF32Type();
  auto vec = VectorType::get({kLanes}, f32);
  Value zero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(vec, b.getF32FloatAttr(0)));
  Value lanes = idx(b, loc, kLanes);
  Value kBody = arith::SubIOp::create(b, loc, k,
                                      arith::RemUIOp::create(b, loc, k, lanes));
  Value lastRow = arith::SubIOp::create(b, loc, m, c1);
  Value lastCol = arith::SubIOp::create(b, loc, n, c1);
  Value lastK = arith::SubIOp::create(b, loc, k, c1);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0}, ValueRange{n}, ValueRange{idx(b, loc, kDotBlock)},
      [&](OpBuilder &pb, Location pl, ValueRange iv) {
        Value end = arith::MinUIOp::create(
            pb, pl, n, addIdx(pb, pl, iv[0], kDotBlock));
        // One group of rowsW columns from n0. Unless `partial`, all exist:
        // their rows of W are then constant offsets from one pointer (K is
        // static), which keeps the streams in registers.
        auto group = [&](OpBuilder &cb, Location cl, Value n0, bool partial) {
          SmallVector<Value> rows, cols;
          for (int64_t r = 0; r < rowsX; ++r)
            rows.push_back(arith::MinUIOp::create(cb, cl, idx(cb, cl, r),
                                                  lastRow));
          for (int64_t j = 0; j < rowsW; ++j) {
            Value col = addIdx(cb, cl, n0, j);
            cols.push_back(
                partial ? arith::MinUIOp::create(cb, cl, col, lastCol) : col);
          }
          // One step of 16 lanes of K at k0; `mask` for the tail.
          auto step = [&](OpBuilder &sb, Location sl, Value k0,
                          ValueRange acc, Value mask) {
            auto load = [&](Value mem, Value row) -> Value {
              if (!mask)
                return vector::LoadOp::create(sb, sl, vec, mem,
                                              ValueRange{row, k0});
              return vector::MaskedLoadOp::create(sb, sl, vec, mem,
                                                  ValueRange{row, k0}, mask,
                                                  zero);
            };
            SmallVector<Value> xs, next(acc.begin(), acc.end());
            if (!mask) {
              // kPrefetchAhead floats past (col, k0) in row-major order:
              // rows `down` further, at column `across` (the last row's
              // end at most).
              Value ahead = addIdx(sb, sl, k0, kPrefetchAhead);
              Value down = arith::DivUIOp::create(sb, sl, ahead, k);
              Value across = arith::RemUIOp::create(sb, sl, ahead, k);
              for (int64_t j = 0; j < rowsW; ++j) {
                Value row = arith::AddIOp::create(sb, sl, cols[j], down);
                Value past = arith::CmpIOp::create(
                    sb, sl, arith::CmpIPredicate::ugt, row, lastCol);
                memref::PrefetchOp::create(
                    sb, sl, w,
                    ValueRange{
                        arith::SelectOp::create(sb, sl, past, lastCol, row),
                        arith::SelectOp::create(sb, sl, past, lastK, across)},
                    /*isWrite=*/false, /*localityHint=*/1,
                    /*isDataCache=*/true);
              }
            }
            for (int64_t r = 0; r < rowsX; ++r)
              xs.push_back(load(x, rows[r]));
            for (int64_t j = 0; j < rowsW; ++j) {
              Value wv = load(w, cols[j]);
              for (int64_t r = 0; r < rowsX; ++r)
                next[r * rowsW + j] = vector::FMAOp::create(
                    sb, sl, xs[r], wv, next[r * rowsW + j]);
            }
            return next;
          };
          auto body = scf::ForOp::create(
              cb, cl, c0, kBody, lanes,
              SmallVector<Value>(rowsX * rowsW, zero),
              [&](OpBuilder &fb, Location fl, Value k0, ValueRange acc) {
                scf::YieldOp::create(fb, fl, step(fb, fl, k0, acc, Value()));
              });
          SmallVector<Value> acc(body.getResults());
          Value tail = arith::SubIOp::create(cb, cl, k, kBody);
          Value hasTail = arith::CmpIOp::create(cb, cl, arith::CmpIPredicate::ne,
                                                tail, c0);
          auto tailIf = scf::IfOp::create(
              cb, cl, hasTail,
              [&](OpBuilder &tb, Location tl) {
                Value mask = vector::CreateMaskOp::create(
                    tb, tl, VectorType::get({kLanes}, tb.getI1Type()),
                    ValueRange{tail});
                scf::YieldOp::create(tb, tl, step(tb, tl, kBody, acc, mask));
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, acc);
              });
          for (int64_t r = 0; r < rowsX; ++r) {
            Value exists = arith::CmpIOp::create(
                cb, cl, arith::CmpIPredicate::ult, idx(cb, cl, r), m);
            scf::IfOp::create(cb, cl, exists, [&](OpBuilder &tb, Location tl) {
              for (int64_t j = 0; j < rowsW; ++j) {
                Value col = addIdx(tb, tl, n0, j);
                Value sum = vector::ReductionOp::create(
                    tb, tl, vector::CombiningKind::ADD,
                    tailIf.getResult(r * rowsW + j));
                auto store = [&](OpBuilder &sb, Location sl) {
                  memref::StoreOp::create(sb, sl, sum, c,
                                          ValueRange{idx(sb, sl, r), col});
                };
                if (!partial) {
                  store(tb, tl);
                  continue;
                }
                Value inside = arith::CmpIOp::create(
                    tb, tl, arith::CmpIPredicate::ult, col, n);
                scf::IfOp::create(tb, tl, inside,
                                  [&](OpBuilder &sb, Location sl) {
                                    store(sb, sl);
                                    scf::YieldOp::create(sb, sl);
                                  });
              }
              scf::YieldOp::create(tb, tl);
            });
          }
        };
        Value rowsWV = idx(pb, pl, rowsW);
        Value full = arith::AddIOp::create(
            pb, pl, iv[0],
            arith::MulIOp::create(
                pb, pl,
                arith::DivUIOp::create(
                    pb, pl, arith::SubIOp::create(pb, pl, end, iv[0]), rowsWV),
                rowsWV));
        forRange(pb, pl, iv[0], full, rowsWV,
                 [&](OpBuilder &cb, Location cl, Value n0) {
                   group(cb, cl, n0, /*partial=*/false);
                 });
        Value rest = arith::CmpIOp::create(pb, pl, arith::CmpIPredicate::ult,
                                           full, end);
        scf::IfOp::create(pb, pl, rest, [&](OpBuilder &cb, Location cl) {
          group(cb, cl, full, /*partial=*/true);
          scf::YieldOp::create(cb, cl);
        });
        scf::ReduceOp::create(pb, pl);
      });
}

/// The body of the kernel function (x, w, c) → (): a few rows stream W
/// (emitFewRows); more pack x, run the tiles, free the panels.
void emitKernelBody(OpBuilder &b, Location loc, Value x, Value w, Value c) {
  Value m = memref::DimOp::create(b, loc, x, 0);
  Value n = memref::DimOp::create(b, loc, c, 1);
  Value k = memref::DimOp::create(b, loc, w, 1);
  // One branch per streaming shape, the panel kernel in the last else.
  OpBuilder::InsertPoint after;
  for (auto [rowsX, rowsW] : kDotShapes) {
    Value few = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, m,
                                      idx(b, loc, rowsX));
    auto choice = scf::IfOp::create(b, loc, few, /*withElseRegion=*/true);
    if (!after.isSet())
      after = OpBuilder::InsertPoint(b.getInsertionBlock(),
                                     std::next(Block::iterator(choice)));
    OpBuilder tb = choice.getThenBodyBuilder();
    emitFewRows(tb, loc, x, w, c, m, n, k, rowsX, rowsW);
    b.setInsertionPointToStart(&choice.getElseRegion().front());
  }
  Value panels = arith::DivUIOp::create(b, loc, addIdx(b, loc, m, kLanes - 1),
                                        idx(b, loc, kLanes));
  Value xp = memref::AllocOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic, kLanes},
                      b.getF32Type()),
      ValueRange{panels, k}, b.getI64IntegerAttr(64));
  emitPack(b, loc, x, xp, m, panels, k);
  emitColumns(b, loc, xp, w, c, m, panels, n, k);
  memref::DeallocOp::create(b, loc, xp);
  b.restoreInsertionPoint(after);
}

struct XfCpuMatmulKernelPass final
    : mlir::xf::impl::XfCpuMatmulKernelPassBase<XfCpuMatmulKernelPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::GenericOp> targets;
    module.walk([&](linalg::GenericOp g) {
      if (g->hasAttr(XfDialect::getWeightMatmulAttrName()) && g.hasPureBufferSemantics())
        targets.push_back(g);
    });
    // One kernel function per K, shared by every call site: operands are
    // cast to dynamic M and N (the seed model's ~100 linear layers share
    // two). K stays static: the 12 weight rows of a tile are then constant
    // offsets from one pointer.
    SymbolTable symbols(module);
    DenseMap<FunctionType, func::FuncOp> kernels;
    for (linalg::GenericOp g : targets) {
      // The kernel writes every element of C without reading it: a fill of
      // C just before (the zero init of the reduction) is dead.
      if (auto fill = dyn_cast_or_null<linalg::FillOp>(g->getPrevNode()))
        if (fill.hasPureBufferSemantics() &&
            fill.getDpsInits()[0] == g.getDpsInits()[0])
          fill.erase();
      OpBuilder b(g);
      Location loc = g.getLoc();
      Value w = g.getDpsInputs()[1];
      bool narrow = cast<MemRefType>(w.getType()).getDimSize(0) < kCols;
      if (narrow)
        w = padRows(b, loc, w);
      SmallVector<Value> args;
      for (auto [v, keepK] :
           {std::pair{collapseRows(b, loc, g.getDpsInputs()[0]), true},
            std::pair{w, true},
            std::pair{collapseRows(b, loc, g.getDpsInits()[0]), false}}) {
        MemRefType type = dynamicType(v.getType(), keepK);
        args.push_back(
            type == v.getType() ? v : memref::CastOp::create(b, loc, type, v));
      }
      auto type = b.getFunctionType(ValueRange(args).getTypes(), {});
      func::FuncOp &kernel = kernels[type];
      if (!kernel) {
        OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
        kernel = func::FuncOp::create(
            mb, module.getLoc(),
            "xf_linear_k" +
                std::to_string(
                    cast<MemRefType>(args[1].getType()).getDimSize(1)),
            type);
        markOutOfLine(kernel);
        symbols.insert(kernel); // renames on a clash (other layouts)
        OpBuilder kb = OpBuilder::atBlockBegin(kernel.addEntryBlock());
        emitKernelBody(kb, kernel.getLoc(), kernel.getArgument(0),
                       kernel.getArgument(1), kernel.getArgument(2));
        func::ReturnOp::create(kb, kernel.getLoc());
      }
      func::CallOp::create(b, loc, kernel, args);
      if (narrow)
        memref::DeallocOp::create(b, loc, w);
      g.erase();
    }
  }
};

} // namespace
