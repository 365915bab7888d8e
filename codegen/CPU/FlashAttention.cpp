//===- FlashAttention.cpp - A flash-style CPU lowering of xf.attention ----===//
//
// One parallel iteration per (batch, head, block of 4 queries); inside, a
// loop over key blocks of 16 carries, per query, the running max `m`,
// normalizer `l` and output accumulator `acc` (online softmax):
//   m' = max(m, max(s)), acc = acc·e^(m-m') + Σ e^(s_j-m')·v_j,
//   l = l·e^(m-m') + Σ e^(s_j-m').
// Masks come from the key ids and positions inside the loop; no [Lq, Lk]
// score buffer exists. Blocked keys score `mask_value` exactly as the unfused
// ops do, so fully masked rows come out uniform, not NaN. Keys past the last
// full block (and queries past the last block of 4) run the same loop one at
// a time.
//
// Scores of a block come from Kᵀ, copied once per call to [B, H, d, Lk] so
// that one step of the head width multiplies a query element into 16
// contiguous keys (a vector FMA), instead of 16 horizontal dot products.
//
// Built on buffers (bufferization.to_buffer of the operands, a fresh output
// buffer returned with to_tensor), so it composes with the tensor pipeline.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>

using namespace mlir;
using namespace mlir::xf;

namespace {

constexpr int64_t kKeyBlock = 16;

struct FlashAttentionLowering : OpConversionPattern<AttentionOp> {
  FlashAttentionLowering(MLIRContext *ctx)
      : OpConversionPattern<AttentionOp>(ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(adaptor.getQuery().getType());
    auto kt = cast<RankedTensorType>(adaptor.getKey().getType());
    auto vt = cast<RankedTensorType>(adaptor.getValue().getType());
    auto headsOf = [](RankedTensorType t, Layout l) {
      return l == Layout::BSHD ? t.getDimSize(2) : t.getDimSize(1);
    };
    int64_t heads = headsOf(qt, op.getQLayout());
    int64_t width = qt.getDimSize(3), vWidth = vt.getDimSize(3);
    if (adaptor.getMask() || op.getKLayout() == Layout::BHDS ||
        ShapedType::isDynamic(heads) || heads != headsOf(kt, op.getKLayout()) ||
        heads != headsOf(vt, op.getVLayout()) || ShapedType::isDynamic(width) ||
        ShapedType::isDynamic(vWidth) || width % 16 || vWidth % 16)
      return rewriter.notifyMatchFailure(
          op, "the CPU kernel needs static head widths (multiples of 16), "
              "equal head counts, no general mask and K not pre-transposed");

    Location loc = op.getLoc();
    auto &b = rewriter;
    auto toBuffer = [&](Value t) -> Value {
      auto tt = cast<RankedTensorType>(t.getType());
      return bufferization::ToBufferOp::create(
          b, loc, MemRefType::get(tt.getShape(), tt.getElementType()), t,
          /*read_only=*/true);
    };
    Value q = toBuffer(adaptor.getQuery()), k = toBuffer(adaptor.getKey()),
          v = toBuffer(adaptor.getValue());
    Value ids = adaptor.getKeyIds() ? toBuffer(adaptor.getKeyIds()) : Value();
    bool qBshd = op.getQLayout() == Layout::BSHD;
    bool kBshd = op.getKLayout() == Layout::BSHD;
    bool vBshd = op.getVLayout() == Layout::BSHD;
    bool oBshd = op.getOutLayout() == Layout::BSHD;

    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value batch = memref::DimOp::create(b, loc, q, 0);
    Value lq = memref::DimOp::create(b, loc, q, qBshd ? 1 : 2);
    Value lk = memref::DimOp::create(b, loc, k, kBshd ? 1 : 2);
    RankedTensorType outType = op.getType();
    auto outMemref = MemRefType::get(outType.getShape(), b.getF32Type());
    Value headsV = arith::ConstantIndexOp::create(b, loc, heads);
    Value vWidthV = arith::ConstantIndexOp::create(b, loc, vWidth);
    SmallVector<Value> dims =
        oBshd ? SmallVector<Value>{batch, lq, headsV, vWidthV}
              : SmallVector<Value>{batch, headsV, lq, vWidthV};
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < 4; ++d)
      if (outType.isDynamicDim(d))
        dynSizes.push_back(dims[d]);
    Value out = memref::AllocOp::create(b, loc, outMemref, dynSizes,
                                        b.getI64IntegerAttr(64));

    // Kᵀ per (batch, head): [B, H, d, Lk], keys contiguous.
    auto ktType = MemRefType::get(
        {ShapedType::kDynamic, heads, width, ShapedType::kDynamic},
        b.getF32Type());
    Value kT = memref::AllocOp::create(b, loc, ktType, ValueRange{batch, lk},
                                       b.getI64IntegerAttr(64));
    Value widthV = arith::ConstantIndexOp::create(b, loc, width);
    scf::ParallelOp::create(
        b, loc, ValueRange{c0, c0, c0}, ValueRange{batch, headsV, lk},
        ValueRange{c1, c1, c1}, [&](OpBuilder &pb, Location pl, ValueRange iv) {
          scf::ForOp::create(
              pb, pl, c0, widthV, c1, ValueRange{},
              [&](OpBuilder &fb, Location fl, Value d, ValueRange) {
                SmallVector<Value> idx =
                    kBshd ? SmallVector<Value>{iv[0], iv[2], iv[1], d}
                          : SmallVector<Value>{iv[0], iv[1], iv[2], d};
                Value x = memref::LoadOp::create(fb, fl, k, idx);
                memref::StoreOp::create(fb, fl, x, kT,
                                        ValueRange{iv[0], iv[1], d, iv[2]});
                scf::YieldOp::create(fb, fl);
              });
          scf::ReduceOp::create(pb, pl);
        });

    Type f32 = b.getF32Type();
    auto vVec = VectorType::get({vWidth}, f32);
    auto cst = [&](OpBuilder &ob, Location l, double x) -> Value {
      return arith::ConstantOp::create(
          ob, l, ob.getF32FloatAttr(static_cast<float>(x)));
    };
    float scale = op.getScale().convertToFloat();
    float maskValue = op.getMaskValue().convertToFloat();
    int64_t padId = op.getPadId();
    bool causal = op.getCausal();

    // Blocks of `rows` query rows of one (batch, head), rows [lo, hi): the
    // rows share every K and V load.
    auto emitRows = [&](Value lo, Value hi, int64_t rows) {
      Value rowStep = arith::ConstantIndexOp::create(b, loc, rows);
      scf::ParallelOp::create(
          b, loc, ValueRange{c0, c0, lo}, ValueRange{batch, headsV, hi},
          ValueRange{c1, c1, rowStep},
          [&](OpBuilder &pb, Location pl, ValueRange iv) {
            Value bi = iv[0], h = iv[1], i0 = iv[2];
            SmallVector<Value> rowIdx;
            for (int64_t r = 0; r < rows; ++r)
              rowIdx.push_back(arith::AddIOp::create(
                  pb, pl, i0, arith::ConstantIndexOp::create(pb, pl, r)));
            auto at = [&](bool bshd, Value pos, Value last) {
              return bshd ? SmallVector<Value>{bi, pos, h, last}
                          : SmallVector<Value>{bi, h, pos, last};
            };

            // One step over `count` keys from `j0` (count is 16 or 1); the
            // carried state is (m, l, acc) per row.
            auto step = [&](OpBuilder &ob, Location l, Value j0, int64_t count,
                            ValueRange carried) -> SmallVector<Value> {
              auto sVec = VectorType::get({count}, f32);
              Value zero = arith::ConstantOp::create(
                  ob, l, DenseElementsAttr::get(sVec, ob.getF32FloatAttr(0)));
              // Raw scores: Σ_d q_r[d] · Kᵀ[d, j0 : j0+count], per row r.
              auto dots = scf::ForOp::create(
                  ob, l, c0, widthV, c1, SmallVector<Value>(rows, zero),
                  [&](OpBuilder &db, Location dl, Value d, ValueRange sAcc) {
                    Value keys = vector::LoadOp::create(
                        db, dl, sVec, kT, ValueRange{bi, h, d, j0});
                    SmallVector<Value> next;
                    for (int64_t r = 0; r < rows; ++r) {
                      Value qd = memref::LoadOp::create(
                          db, dl, q, at(qBshd, rowIdx[r], d));
                      next.push_back(vector::FMAOp::create(
                          db, dl, vector::BroadcastOp::create(db, dl, sVec, qd),
                          keys, sAcc[r]));
                    }
                    scf::YieldOp::create(db, dl, next);
                  });
              // Key padding is shared by the rows; causality is per row.
              SmallVector<Value> keyIdx, padded;
              for (int64_t t = 0; t < count; ++t) {
                keyIdx.push_back(arith::AddIOp::create(
                    ob, l, j0, arith::ConstantIndexOp::create(ob, l, t)));
                Value blocked = arith::ConstantIntOp::create(ob, l, 0, 1);
                if (ids) {
                  Value id = memref::LoadOp::create(ob, l, ids,
                                                    ValueRange{bi, keyIdx[t]});
                  Value pad = arith::ConstantIntOp::create(ob, l, padId, 64);
                  blocked = arith::CmpIOp::create(
                      ob, l, arith::CmpIPredicate::eq, id, pad);
                }
                padded.push_back(blocked);
              }
              SmallVector<Value> probs, result;
              for (int64_t r = 0; r < rows; ++r) {
                Value m = carried[3 * r], lsum = carried[3 * r + 1],
                      acc = carried[3 * r + 2];
                Value s = zero;
                for (int64_t t = 0; t < count; ++t) {
                  Value dot =
                      vector::ExtractOp::create(ob, l, dots.getResult(r), t);
                  // As the unfused ops: the f32 dot, times the scale, masked.
                  Value score =
                      arith::MulFOp::create(ob, l, dot, cst(ob, l, scale));
                  Value blocked = padded[t];
                  if (causal)
                    blocked = arith::OrIOp::create(
                        ob, l, blocked,
                        arith::CmpIOp::create(ob, l, arith::CmpIPredicate::ugt,
                                              keyIdx[t], rowIdx[r]));
                  score = arith::SelectOp::create(ob, l, blocked,
                                                  cst(ob, l, maskValue), score);
                  s = vector::InsertOp::create(ob, l, score, s, t);
                }
                Value blockMax = vector::ReductionOp::create(
                    ob, l, vector::CombiningKind::MAXNUMF, s);
                Value mNew = arith::MaxNumFOp::create(ob, l, m, blockMax);
                Value corr = math::ExpOp::create(
                    ob, l, arith::SubFOp::create(ob, l, m, mNew));
                Value p = math::ExpOp::create(
                    ob, l,
                    arith::SubFOp::create(
                        ob, l, s,
                        vector::BroadcastOp::create(ob, l, sVec, mNew)));
                Value pSum = vector::ReductionOp::create(
                    ob, l, vector::CombiningKind::ADD, p);
                Value lNew = arith::AddFOp::create(
                    ob, l, arith::MulFOp::create(ob, l, lsum, corr), pSum);
                Value accNew = arith::MulFOp::create(
                    ob, l, acc, vector::BroadcastOp::create(ob, l, vVec, corr));
                probs.push_back(p);
                result.append({mNew, lNew, accNew});
              }
              // acc_r += Σ_t p_r[t] · V[j0 + t], each V row loaded once.
              for (int64_t t = 0; t < count; ++t) {
                Value vRow = vector::LoadOp::create(ob, l, vVec, v,
                                                    at(vBshd, keyIdx[t], c0));
                for (int64_t r = 0; r < rows; ++r) {
                  Value pt = vector::ExtractOp::create(ob, l, probs[r], t);
                  result[3 * r + 2] = vector::FMAOp::create(
                      ob, l, vector::BroadcastOp::create(ob, l, vVec, pt), vRow,
                      result[3 * r + 2]);
                }
              }
              return result;
            };

            SmallVector<Value> init;
            Value zeroAcc = arith::ConstantOp::create(
                pb, pl, DenseElementsAttr::get(vVec, pb.getF32FloatAttr(0)));
            for (int64_t r = 0; r < rows; ++r)
              init.append({cst(pb, pl, -INFINITY), cst(pb, pl, 0), zeroAcc});
            Value blockV = arith::ConstantIndexOp::create(pb, pl, kKeyBlock);
            Value full = arith::SubIOp::create(
                pb, pl, lk, arith::RemUIOp::create(pb, pl, lk, blockV));
            auto blocks = scf::ForOp::create(
                pb, pl, c0, full, blockV, init,
                [&](OpBuilder &fb, Location fl, Value j0, ValueRange carried) {
                  scf::YieldOp::create(fb, fl,
                                       step(fb, fl, j0, kKeyBlock, carried));
                });
            auto tail = scf::ForOp::create(
                pb, pl, full, lk, c1, blocks.getResults(),
                [&](OpBuilder &fb, Location fl, Value j, ValueRange carried) {
                  scf::YieldOp::create(fb, fl, step(fb, fl, j, 1, carried));
                });
            for (int64_t r = 0; r < rows; ++r) {
              Value res = arith::DivFOp::create(
                  pb, pl, tail.getResult(3 * r + 2),
                  vector::BroadcastOp::create(pb, pl, vVec,
                                              tail.getResult(3 * r + 1)));
              vector::StoreOp::create(pb, pl, res, out,
                                      at(oBshd, rowIdx[r], c0));
            }
            scf::ReduceOp::create(pb, pl);
          });
    };
    // Blocks of 4 query rows, then the leftover rows one at a time.
    constexpr int64_t kRows = 4;
    Value rowsV = arith::ConstantIndexOp::create(b, loc, kRows);
    Value mainEnd = arith::SubIOp::create(
        b, loc, lq, arith::RemUIOp::create(b, loc, lq, rowsV));
    emitRows(c0, mainEnd, kRows);
    emitRows(mainEnd, lq, 1);
    // kT is freed by the buffer deallocation pipeline.
    rewriter.replaceOp(
        op, bufferization::ToTensorOp::create(
                b, loc, outType, out, b.getUnitAttr(), b.getUnitAttr()));
    return success();
  }
};

} // namespace

void mlir::xf::populateXfCpuAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<FlashAttentionLowering>(patterns.getContext());
}
