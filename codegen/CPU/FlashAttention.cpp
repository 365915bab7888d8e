//===- FlashAttention.cpp - A flash-style CPU lowering of xf.attention ----===//
//
// One parallel iteration per (batch, head, super-block of 32 queries, i.e.
// 8 groups of 4); its online-softmax state per query (running max `m`,
// normalizer `l`, output accumulator `acc`) lives in small per-iteration
// buffers that stay in L1. For each key block of 16, every group of 4 rows
// updates its state:
//   m' = max(m, max(s)), acc = acc·e^(m-m') + Σ e^(s_j-m')·v_j,
//   l = l·e^(m-m') + Σ e^(s_j-m').
// Masks come from the key ids and positions as vectors; no [Lq, Lk] score
// buffer exists. Blocked keys score `mask_value` exactly as the unfused ops
// do, so fully masked rows come out uniform, not NaN. Keys past the last full
// block run the same step one at a time; a last group with fewer than 4
// queries left computes copies of the last query row (never stored).
//
// Scores multiply a query element into 16 contiguous keys (a vector FMA), so
// they need keys contiguous. A K stored transposed (`bhds`) is read as it is;
// otherwise, per key block, 16 keys × 16 head dims tiles of K are loaded row
// by row, transposed in registers (`vector.transpose`, lowered to AVX-512
// shuffles) and kept in a 16-key tile that the super-block's 8 groups share:
// no transposed copy of K exists in memory.
//
// The kernel is a private function on buffers (xf_attention, xf_attention_1,
// ...; one per distinct operand types and attributes, shared by every
// attention that matches). The call site passes bufferization.to_buffer of
// the operands and a fresh output buffer, returned with to_tensor, so it
// composes with the tensor pipeline.
//
//===----------------------------------------------------------------------===//

#include "codegen/CPU/KernelBuilder.h"
#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::cpu;

namespace {

constexpr int64_t kKeyBlock = 16;
constexpr int64_t kRows = 4;   ///< query rows per group (share K/V loads)
constexpr int64_t kGroups = 8; ///< groups per super-block (share K tiles)

/// The kernel's body: `out` = attention(q, k, v) with the key ids `ids`
/// (null without padding), for the layouts and constants of `op`.
void emitKernelBody(OpBuilder &b, Location loc, AttentionOp op, Value q,
                    Value k, Value v, Value ids, Value out, int64_t heads,
                    int64_t width, int64_t vWidth) {
  bool qBshd = op.getQLayout() == Layout::BSHD;
  bool kBshd = op.getKLayout() == Layout::BSHD;
  bool kT = op.getKLayout() == Layout::BHDS;
  bool vBshd = op.getVLayout() == Layout::BSHD;
  bool oBshd = op.getOutLayout() == Layout::BSHD;

  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value batch = memref::DimOp::create(b, loc, q, 0);
  Value lq = memref::DimOp::create(b, loc, q, seqAxis(op.getQLayout()));
  Value lk = memref::DimOp::create(b, loc, k, seqAxis(op.getKLayout()));
  Value headsV = arith::ConstantIndexOp::create(b, loc, heads);
  Value widthV = arith::ConstantIndexOp::create(b, loc, width);
  Type f32 = b.getF32Type();
  auto vVec = VectorType::get({vWidth}, f32);
  auto cst = [&](OpBuilder &ob, Location l, double x) -> Value {
    return arith::ConstantOp::create(ob, l,
                                     ob.getF32FloatAttr(static_cast<float>(x)));
  };
  float scale = op.getScale().convertToFloat();
  float maskValue = op.getMaskValue().convertToFloat();
  int64_t padId = op.getPadId();
  bool causal = op.getCausal();

  // The query rows of one (batch, head) in super-blocks of kGroups groups
  // of kRows rows. A group's rows share every K and V load; the groups of
  // a super-block share each transposed K tile. The online softmax state
  // (m, l, acc) of a super-block lives in small buffers between key blocks
  // (L1-resident: kGroups·kRows·(vWidth+2) floats). A last group with
  // fewer rows left computes copies of the last row (never stored).
  {
    const int64_t rows = kRows;
    int64_t superRows = rows * kGroups;
    Value superStep = arith::ConstantIndexOp::create(b, loc, superRows);
    Value rowStep = arith::ConstantIndexOp::create(b, loc, rows);
    scf::ParallelOp::create(
        b, loc, ValueRange{c0, c0, c0}, ValueRange{batch, headsV, lq},
        ValueRange{c1, c1, superStep},
        [&](OpBuilder &pb, Location pl, ValueRange iv) {
          Value bi = iv[0], h = iv[1], s0 = iv[2];
          auto at = [&](bool bshd, Value pos, Value last) {
            return bshd ? SmallVector<Value>{bi, pos, h, last}
                        : SmallVector<Value>{bi, h, pos, last};
          };
          // Element [key, d] of K, in any of its layouts.
          auto kAt = [&](Value key, Value d) {
            return kT ? SmallVector<Value>{bi, h, d, key} : at(kBshd, key, d);
          };
          auto add = [](OpBuilder &ob, Location l, Value x, Value y) {
            return arith::AddIOp::create(ob, l, x, y);
          };
          // The stack buffers live for one iteration (convert-scf-to-openmp
          // gives each iteration's body an alloca scope).
          OpBuilder &sb = pb;
          Value n = arith::MinUIOp::create(
              sb, pl, superStep, arith::SubIOp::create(sb, pl, lq, s0));
          Value lastRow = arith::SubIOp::create(sb, pl, lq, c1);
          auto rowsType = MemRefType::get({superRows}, f32);
          Value mBuf = memref::AllocOp::create(sb, pl, rowsType);
          Value lBuf = memref::AllocOp::create(sb, pl, rowsType);
          Value accBuf = memref::AllocOp::create(
              sb, pl, MemRefType::get({superRows, vWidth}, f32),
              sb.getI64IntegerAttr(64));
          Value kTile =
              kT ? Value()
                 : memref::AllocOp::create(
                       sb, pl, MemRefType::get({width, kKeyBlock}, f32),
                       sb.getI64IntegerAttr(64));
          auto forRows =
              [&](OpBuilder &ob, Location l, Value step,
                  function_ref<void(OpBuilder &, Location, Value)> fn) {
                forRange(ob, l, c0, n, step, fn);
              };
          // Every row of the buffers starts empty (a last group past `n`
          // runs on copies of the last query row; they are never stored).
          forRange(
              sb, pl, c0, superStep, c1,
              [&](OpBuilder &fb, Location fl, Value r) {
                memref::StoreOp::create(fb, fl, cst(fb, fl, -INFINITY), mBuf,
                                        r);
                memref::StoreOp::create(fb, fl, cst(fb, fl, 0), lBuf, r);
                vector::StoreOp::create(
                    fb, fl,
                    arith::ConstantOp::create(
                        fb, fl,
                        DenseElementsAttr::get(vVec, fb.getF32FloatAttr(0))),
                    accBuf, ValueRange{r, c0});
              });

          // kTile[d, t] = K[j0 + t, d]: 16x16 tiles transposed in
          // registers.
          auto fillTile = [&](OpBuilder &ob, Location l, Value j0) {
            auto vec16 = VectorType::get({16}, f32);
            forRange(ob, l, c0, widthV, idx(ob, l, 16),
                     [&](OpBuilder &db, Location dl, Value d0) {
                       SmallVector<Value> keys;
                       for (int64_t t = 0; t < 16; ++t)
                         keys.push_back(vector::LoadOp::create(
                             db, dl, vec16, k, kAt(addIdx(db, dl, j0, t), d0)));
                       for (auto [dd, column] :
                            llvm::enumerate(transpose16(db, dl, keys)))
                         vector::StoreOp::create(
                             db, dl, column, kTile,
                             ValueRange{addIdx(db, dl, d0, dd), c0});
                     });
          };

          // One step of the group at local row g0 over `count` keys from
          // `j0` (count is 16 or 1), state loaded from and stored to the
          // buffers.
          auto step = [&](OpBuilder &ob, Location l, Value g0, Value j0,
                          int64_t count) {
            auto sVec = VectorType::get({count}, f32);
            auto iVec = VectorType::get({count}, ob.getI64Type());
            SmallVector<Value> local, rowIdx;
            for (int64_t r = 0; r < rows; ++r) {
              local.push_back(addIdx(ob, l, g0, r));
              rowIdx.push_back(arith::MinUIOp::create(
                  ob, l, add(ob, l, s0, local[r]), lastRow));
            }
            // Raw scores: Σ_d q_r[d] · K[j0 : j0+count, d], per row r, as
            // vector FMAs over 16 keys contiguous in Kᵀ or the tile.
            Value zero = arith::ConstantOp::create(
                ob, l, DenseElementsAttr::get(sVec, ob.getF32FloatAttr(0)));
            auto dots = scf::ForOp::create(
                ob, l, c0, widthV, c1, SmallVector<Value>(rows, zero),
                [&](OpBuilder &db, Location dl, Value d, ValueRange sAcc) {
                  Value keys;
                  if (count == 1)
                    keys = vector::BroadcastOp::create(
                        db, dl, sVec,
                        memref::LoadOp::create(db, dl, k, kAt(j0, d)));
                  else if (kT)
                    keys = vector::LoadOp::create(db, dl, sVec, k, kAt(j0, d));
                  else
                    keys = vector::LoadOp::create(db, dl, sVec, kTile,
                                                  ValueRange{d, c0});
                  SmallVector<Value> next;
                  for (int64_t r = 0; r < rows; ++r) {
                    Value qd = memref::LoadOp::create(db, dl, q,
                                                      at(qBshd, rowIdx[r], d));
                    next.push_back(vector::FMAOp::create(
                        db, dl, vector::BroadcastOp::create(db, dl, sVec, qd),
                        keys, sAcc[r]));
                  }
                  scf::YieldOp::create(db, dl, next);
                });
            // Masks as vectors: key padding is shared by the rows,
            // causality is per row (key position > query position).
            Value padded;
            if (ids)
              padded = arith::CmpIOp::create(
                  ob, l, arith::CmpIPredicate::eq,
                  vector::LoadOp::create(ob, l, iVec, ids, ValueRange{bi, j0}),
                  vector::BroadcastOp::create(
                      ob, l, iVec,
                      arith::ConstantIntOp::create(ob, l, padId, 64)));
            SmallVector<int64_t> offsets(count);
            for (int64_t t = 0; t < count; ++t)
              offsets[t] = t;
            auto asI64 = [&](Value x) {
              return arith::IndexCastOp::create(ob, l, ob.getI64Type(), x);
            };
            Value keyPos = arith::AddIOp::create(
                ob, l, vector::BroadcastOp::create(ob, l, iVec, asI64(j0)),
                arith::ConstantOp::create(
                    ob, l, DenseElementsAttr::get(iVec, ArrayRef(offsets))));
            Value maskV =
                vector::BroadcastOp::create(ob, l, sVec, cst(ob, l, maskValue));
            Value scaleV =
                vector::BroadcastOp::create(ob, l, sVec, cst(ob, l, scale));
            SmallVector<Value> probs, accs;
            for (int64_t r = 0; r < rows; ++r) {
              Value m = memref::LoadOp::create(ob, l, mBuf, local[r]);
              Value lsum = memref::LoadOp::create(ob, l, lBuf, local[r]);
              Value acc = vector::LoadOp::create(ob, l, vVec, accBuf,
                                                 ValueRange{local[r], c0});
              // As the unfused ops: the f32 dot, times the scale, masked.
              Value s = arith::MulFOp::create(ob, l, dots.getResult(r), scaleV);
              Value blocked = padded;
              if (causal) {
                Value late = arith::CmpIOp::create(
                    ob, l, arith::CmpIPredicate::ugt, keyPos,
                    vector::BroadcastOp::create(ob, l, iVec, asI64(rowIdx[r])));
                blocked =
                    blocked ? arith::OrIOp::create(ob, l, blocked, late) : late;
              }
              if (blocked)
                s = arith::SelectOp::create(ob, l, blocked, maskV, s);
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
              memref::StoreOp::create(
                  ob, l,
                  arith::AddFOp::create(
                      ob, l, arith::MulFOp::create(ob, l, lsum, corr), pSum),
                  lBuf, local[r]);
              memref::StoreOp::create(ob, l, mNew, mBuf, local[r]);
              probs.push_back(p);
              accs.push_back(arith::MulFOp::create(
                  ob, l, acc, vector::BroadcastOp::create(ob, l, vVec, corr)));
            }
            // acc_r += Σ_t p_r[t] · V[j0 + t], each V row loaded once.
            for (int64_t t = 0; t < count; ++t) {
              Value vRow = vector::LoadOp::create(
                  ob, l, vVec, v, at(vBshd, addIdx(ob, l, j0, t), c0));
              for (int64_t r = 0; r < rows; ++r) {
                Value pt = vector::ExtractOp::create(ob, l, probs[r], t);
                accs[r] = vector::FMAOp::create(
                    ob, l, vector::BroadcastOp::create(ob, l, vVec, pt), vRow,
                    accs[r]);
              }
            }
            for (int64_t r = 0; r < rows; ++r)
              vector::StoreOp::create(ob, l, accs[r], accBuf,
                                      ValueRange{local[r], c0});
          };

          Value blockV = idx(sb, pl, kKeyBlock);
          Value full = arith::SubIOp::create(
              sb, pl, lk, arith::RemUIOp::create(sb, pl, lk, blockV));
          scf::ForOp::create(
              sb, pl, c0, full, blockV, ValueRange{},
              [&](OpBuilder &fb, Location fl, Value j0, ValueRange) {
                if (!kT)
                  fillTile(fb, fl, j0);
                forRows(fb, fl, rowStep,
                        [&](OpBuilder &gb, Location gl, Value g0) {
                          step(gb, gl, g0, j0, kKeyBlock);
                        });
                scf::YieldOp::create(fb, fl);
              });
          // Keys past the last full block, one at a time.
          scf::ForOp::create(
              sb, pl, full, lk, c1, ValueRange{},
              [&](OpBuilder &fb, Location fl, Value j, ValueRange) {
                forRows(fb, fl, rowStep,
                        [&](OpBuilder &gb, Location gl, Value g0) {
                          step(gb, gl, g0, j, 1);
                        });
                scf::YieldOp::create(fb, fl);
              });
          forRows(sb, pl, c1, [&](OpBuilder &fb, Location fl, Value r) {
            Value res = arith::DivFOp::create(
                fb, fl,
                vector::LoadOp::create(fb, fl, vVec, accBuf, ValueRange{r, c0}),
                vector::BroadcastOp::create(
                    fb, fl, vVec, memref::LoadOp::create(fb, fl, lBuf, r)));
            vector::StoreOp::create(fb, fl, res, out,
                                    at(oBshd, add(fb, fl, s0, r), c0));
          });
          scf::ReduceOp::create(pb, pl);
        });
  }
}

struct FlashAttentionLowering : OpConversionPattern<AttentionOp> {
  FlashAttentionLowering(MLIRContext *ctx)
      : OpConversionPattern<AttentionOp>(ctx, /*benefit=*/2) {}

  /// The kernel function for `op` on `operands` (q, k, v, [ids,] out):
  /// created on first use, shared by every attention with the same operand
  /// types and attributes (a seed model's encoder self-attention and the
  /// decoder's cross-attention share one), out of line: each inlined copy
  /// cost LLVM ~8% of the seed model's compile time.
  func::FuncOp getKernel(AttentionOp op, ValueRange operands, bool hasIds,
                         int64_t heads, int64_t width, int64_t vWidth,
                         ConversionPatternRewriter &rewriter) const {
    auto type = rewriter.getFunctionType(operands.getTypes(), {});
    Attribute key =
        rewriter.getArrayAttr({TypeAttr::get(type), op->getAttrDictionary()});
    func::FuncOp &kernel = kernels[key];
    if (kernel)
      return kernel;
    auto module = op->getParentOfType<ModuleOp>();
    std::string name = "xf_attention";
    for (int i = 1; SymbolTable::lookupSymbolIn(module, name); ++i)
      name = "xf_attention_" + std::to_string(i);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    Location loc = module.getLoc();
    kernel = func::FuncOp::create(rewriter, loc, name, type);
    markOutOfLine(kernel);
    Block *entry =
        rewriter.createBlock(&kernel.getBody(), {}, type.getInputs(),
                             SmallVector<Location>(operands.size(), loc));
    ValueRange args = entry->getArguments();
    emitKernelBody(rewriter, loc, op, args[0], args[1], args[2],
                   hasIds ? args[3] : Value(), args.back(), heads, width,
                   vWidth);
    func::ReturnOp::create(rewriter, loc);
    return kernel;
  }

  /// Kernels made so far, by operand types and attributes.
  mutable DenseMap<Attribute, func::FuncOp> kernels;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(adaptor.getQuery().getType());
    auto kt = cast<RankedTensorType>(adaptor.getKey().getType());
    auto vt = cast<RankedTensorType>(adaptor.getValue().getType());
    int64_t heads = qt.getDimSize(headsAxis(op.getQLayout()));
    int64_t width = qt.getDimSize(3), vWidth = vt.getDimSize(3);
    if (adaptor.getMask() || ShapedType::isDynamic(heads) ||
        heads != kt.getDimSize(headsAxis(op.getKLayout())) ||
        heads != vt.getDimSize(headsAxis(op.getVLayout())) ||
        ShapedType::isDynamic(width) || ShapedType::isDynamic(vWidth) ||
        width % 16 || vWidth % 16)
      return rewriter.notifyMatchFailure(
          op, "the CPU kernel needs static head widths (multiples of 16), "
              "equal head counts and no general mask");

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
    // The output, allocated here and written by the kernel function.
    RankedTensorType outType = op.getType();
    Value batch = memref::DimOp::create(b, loc, q, 0);
    Value lq = memref::DimOp::create(b, loc, q, seqAxis(op.getQLayout()));
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < 4; ++d)
      if (outType.isDynamicDim(d))
        dynSizes.push_back(d == 0 ? batch : lq); // heads, width are static
    Value out = memref::AllocOp::create(
        b, loc, MemRefType::get(outType.getShape(), b.getF32Type()), dynSizes,
        b.getI64IntegerAttr(64));

    SmallVector<Value> operands = {q, k, v};
    if (ids)
      operands.push_back(ids);
    operands.push_back(out);
    func::CallOp::create(
        b, loc,
        getKernel(op, operands, ids != nullptr, heads, width, vWidth, rewriter),
        operands);

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
