//===- FlashAttention.cpp - A flash-style CPU lowering of xf.attention ----===//
//
// One parallel iteration per (batch, query head, super-block of 32 queries,
// i.e. 8 groups of 4); K and V may have fewer heads (grouped queries: query
// head h reads K/V head h / (heads / kv_heads)). An iteration's
// online-softmax state per query (running max `m`, normalizer `l`, output
// accumulator `acc`) lives in small per-iteration buffers that stay in L1.
// For each block of 64 keys, every group of 4 rows updates its state:
//   m' = max(m, max(s)), acc = acc·e^(m-m') + Σ e^(s_j-m')·v_j,
//   l = l·e^(m-m') + Σ e^(s_j-m').
// Masks come from the key ids and positions as vectors; no [Lq, Lk] score
// buffer exists. In a generation step (`query_offsets`) row b's queries sit
// after its cache, and the key loop stops at the last query's position, so
// a step reads only the filled part of the cache. Blocked keys score `mask_value` exactly as the unfused ops
// do, so fully masked rows come out uniform, not NaN. The last block of a
// length that 64 does not divide runs the same step with its missing keys
// masked off (score -inf, no V row read); a last group with fewer than 4
// queries left computes copies of the last query row (never stored). The
// max and the sum over a block's keys are lane-swap butterflies. Under a
// causal mask, the blocks past a super-block's last query are skipped once
// every row has a real (unblocked) score: they would weigh e^-200 or less.
//
// Scores multiply a query element into 64 contiguous keys (four vector
// FMAs; 4 rows give 16 independent chains), so they need keys contiguous.
// A K stored transposed (`bhds`) is read as it is (masked loads past the
// end, each head dim's row of the next key block prefetched); otherwise a
// first parallel loop makes Kᵀ once per call, in blocks of 64 keys (16 KB
// contiguous each), from 16 keys × 16 head dims tiles of
// K loaded row by row and transposed in registers (`vector.transpose`,
// lowered to AVX-512 shuffles): a copy the size of K. P·V reads each
// probability back from a small buffer as the broadcast operand of its
// FMAs, which keeps the shuffle port free for the FMAs that share it.
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

constexpr int64_t kKeyBlock = 64; ///< keys per step of a group
constexpr int64_t kSubBlock = 16; ///< keys per unrolled run of P·V
constexpr int64_t kRows = 4;      ///< query rows per group (share K/V loads)
constexpr int64_t kGroups = 8;    ///< groups per super-block (one iteration)
/// Keys per split of a generation step's cache (4 key blocks): the split
/// is what gives threads work when a step has fewer (batch, head) pairs
/// than threads, and each split costs only one merge of vWidth floats.
constexpr int64_t kSplitKeys = 256;

/// `x` (a vector of 16·2^k lanes) combined across its lanes by `combine`,
/// the result in every lane: its 16-lane pieces combined into one, then 4
/// butterfly steps (a lane swap and one vector op each), then the piece
/// repeated to the width of `x`. (`vector.reduction` becomes a chain of 15
/// dependent scalar ops per 16 lanes: LLVM keeps its order without
/// reassociation, and maxnum's NaN rule costs two more instructions per
/// link.)
Value allLanes(OpBuilder &b, Location loc, Value x,
               function_ref<Value(Value, Value)> combine) {
  auto type = cast<VectorType>(x.getType());
  int64_t n = type.getNumElements(), piece = std::min<int64_t>(n, 16);
  Value acc;
  for (int64_t at = 0; at < n; at += piece) {
    Value part = n == piece
                     ? x
                     : vector::ExtractStridedSliceOp::create(
                           b, loc, x, ArrayRef<int64_t>{at},
                           ArrayRef<int64_t>{piece}, ArrayRef<int64_t>{1});
    acc = acc ? combine(acc, part) : part;
  }
  for (int64_t half = piece / 2; half >= 1; half /= 2) {
    SmallVector<int64_t> swap(piece);
    for (int64_t i = 0; i < piece; ++i)
      swap[i] = i ^ half;
    acc = combine(acc, vector::ShuffleOp::create(b, loc, acc, acc, swap));
  }
  if (n == piece)
    return acc;
  SmallVector<int64_t> repeat(n);
  for (int64_t i = 0; i < n; ++i)
    repeat[i] = i % piece;
  return vector::ShuffleOp::create(b, loc, acc, acc, repeat);
}

/// Kᵀ of `k` (a [batch, lk, heads, width] or [batch, heads, lk, width]
/// buffer, `kBshd` says which) in key blocks, [batch, heads, block, width,
/// kKeyBlock]: each block's 16 KB contiguous (rows of a whole-length Kᵀ,
/// lk·4 bytes apart, share L1 sets). One parallel loop of 16x16 tiles
/// transposed in registers; the keys past lk repeat the last one (their
/// scores are masked off). A copy the size of K, freed by the
/// buffer-deallocation pipeline.
Value emitKeysTransposed(OpBuilder &b, Location loc, Value k, bool kBshd,
                         Value batch, int64_t heads, int64_t width, Value lk) {
  Type f32 = b.getF32Type();
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  Value blockV = idx(b, loc, kKeyBlock);
  Value blocks =
      arith::DivUIOp::create(b, loc, addIdx(b, loc, lk, kKeyBlock - 1), blockV);
  Value lkPad = arith::MulIOp::create(b, loc, blocks, blockV);
  Value kTrans = memref::AllocOp::create(
      b, loc,
      MemRefType::get(
          {ShapedType::kDynamic, heads, ShapedType::kDynamic, width, kKeyBlock},
          f32),
      ValueRange{batch, blocks}, b.getI64IntegerAttr(64));
  Value sixteen = idx(b, loc, 16);
  Value lastKey = arith::SubIOp::create(b, loc, lk, c1);
  auto vec16 = VectorType::get({16}, f32);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0, c0, c0},
      ValueRange{batch, idx(b, loc, heads), lkPad}, ValueRange{c1, c1, sixteen},
      [&](OpBuilder &pb, Location pl, ValueRange iv) {
        Value bi = iv[0], h = iv[1], j0 = iv[2];
        Value block = arith::DivUIOp::create(pb, pl, j0, blockV);
        Value inBlock = arith::RemUIOp::create(pb, pl, j0, blockV);
        forRange(
            pb, pl, c0, idx(pb, pl, width), sixteen,
            [&](OpBuilder &db, Location dl, Value d0) {
              SmallVector<Value> keys;
              for (int64_t t = 0; t < 16; ++t) {
                Value key = arith::MinUIOp::create(
                    db, dl, addIdx(db, dl, j0, t), lastKey);
                keys.push_back(
                    vector::LoadOp::create(db, dl, vec16, k,
                                           kBshd ? ValueRange{bi, key, h, d0}
                                                 : ValueRange{bi, h, key, d0}));
              }
              for (auto [dd, column] :
                   llvm::enumerate(transpose16(db, dl, keys)))
                vector::StoreOp::create(
                    db, dl, column, kTrans,
                    ValueRange{bi, h, block, addIdx(db, dl, d0, dd), inBlock});
            });
        scf::ReduceOp::create(pb, pl);
      });
  return kTrans;
}

/// out[b, q, h] (or [b, h, q]) = the softmax-weighted values of query q
/// merged from its key chunks' states: with M = max_c m_c,
/// Σ_c acc_c·e^(m_c - M) / Σ_c l_c·e^(m_c - M) (a chunk without keys has
/// m = -inf and weighs 0).
void emitMergeChunks(OpBuilder &b, Location loc, Value partM, Value partL,
                     Value partAcc, Value out, bool oBshd, Value batch,
                     Value heads, Value lq, Value chunks, int64_t vWidth) {
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Type f32 = b.getF32Type();
  auto vVec = VectorType::get({vWidth}, f32);
  scf::ParallelOp::create(
      b, loc, ValueRange{c0, c0, c0}, ValueRange{batch, heads, lq},
      ValueRange{c1, c1, c1}, [&](OpBuilder &pb, Location pl, ValueRange iv) {
        auto part = [&](Value c) {
          return SmallVector<Value>{iv[0], iv[1], iv[2], c};
        };
        Value top = scf::ForOp::create(
                        pb, pl, c0, chunks, c1,
                        ValueRange{arith::ConstantOp::create(
                            pb, pl, pb.getF32FloatAttr(-INFINITY))},
                        [&](OpBuilder &fb, Location fl, Value c,
                            ValueRange m) {
                          scf::YieldOp::create(
                              fb, fl,
                              ValueRange{arith::MaxNumFOp::create(
                                  fb, fl, m[0],
                                  memref::LoadOp::create(fb, fl, partM,
                                                         part(c)))});
                        })
                        .getResult(0);
        Value zero = arith::ConstantOp::create(pb, pl, pb.getF32FloatAttr(0));
        Value zeroV = arith::ConstantOp::create(
            pb, pl, DenseElementsAttr::get(vVec, pb.getF32FloatAttr(0)));
        auto sums = scf::ForOp::create(
            pb, pl, c0, chunks, c1, ValueRange{zero, zeroV},
            [&](OpBuilder &fb, Location fl, Value c, ValueRange in) {
              Value w = math::ExpOp::create(
                  fb, fl,
                  arith::SubFOp::create(
                      fb, fl, memref::LoadOp::create(fb, fl, partM, part(c)),
                      top));
              Value l = arith::AddFOp::create(
                  fb, fl, in[0],
                  arith::MulFOp::create(
                      fb, fl, w,
                      memref::LoadOp::create(fb, fl, partL, part(c))));
              SmallVector<Value> at = part(c);
              at.push_back(c0);
              Value acc = vector::FMAOp::create(
                  fb, fl, vector::BroadcastOp::create(fb, fl, vVec, w),
                  vector::LoadOp::create(fb, fl, vVec, partAcc, at), in[1]);
              scf::YieldOp::create(fb, fl, ValueRange{l, acc});
            });
        Value res = arith::DivFOp::create(
            pb, pl, sums.getResult(1),
            vector::BroadcastOp::create(pb, pl, vVec, sums.getResult(0)));
        SmallVector<Value> o =
            oBshd ? SmallVector<Value>{iv[0], iv[2], iv[1], c0}
                  : SmallVector<Value>{iv[0], iv[1], iv[2], c0};
        vector::StoreOp::create(pb, pl, res, out, o);
        scf::ReduceOp::create(pb, pl);
      });
}

/// The kernel's body: `out` = attention(q, k, v) with the key ids `ids`
/// (null without padding) and the query offsets `offsets` (null outside a
/// generation step), for the layouts and constants of `op`.
void emitKernelBody(OpBuilder &b, Location loc, AttentionOp op, Value q,
                    Value k, Value v, Value ids, Value offsets, Value out,
                    int64_t heads, int64_t width, int64_t vWidth) {
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
  // K and V may have fewer heads (grouped queries): query head h reads
  // K/V head h / group.
  int64_t kvHeads =
      cast<MemRefType>(k.getType()).getDimSize(headsAxis(op.getKLayout()));
  int64_t group = heads / kvHeads;

  // The scores read 64 contiguous keys per head dim: from K itself when
  // it arrives transposed (`bhds`), else from Kᵀ in key blocks.
  Value kTrans =
      kT ? Value()
         : emitKeysTransposed(b, loc, k, kBshd, batch, kvHeads, width, lk);

  // A generation step splits the cache into chunks of kSplitKeys keys,
  // one more parallel dim (the flash-decoding split): each iteration
  // leaves its chunk's unnormalized state (m, l, acc) in `partM`,
  // `partL`, `partAcc` [batch, heads, lq, chunks(, vWidth)], and a
  // second loop merges a query's chunks. Chunks past a row's last
  // query hold nothing (m = -inf, l = 0); chunk 0 always has a key.
  Value chunks, partM, partL, partAcc;
  if (offsets) {
    Value splitV = arith::ConstantIndexOp::create(b, loc, kSplitKeys);
    chunks = arith::CeilDivUIOp::create(b, loc, lk, splitV);
    SmallVector<Value> dims = {batch, lq, chunks};
    auto partType = MemRefType::get({ShapedType::kDynamic, heads,
                                     ShapedType::kDynamic, ShapedType::kDynamic},
                                    f32);
    partM = memref::AllocOp::create(b, loc, partType, dims);
    partL = memref::AllocOp::create(b, loc, partType, dims);
    partAcc = memref::AllocOp::create(
        b, loc,
        MemRefType::get({ShapedType::kDynamic, heads, ShapedType::kDynamic,
                         ShapedType::kDynamic, vWidth},
                        f32),
        dims, b.getI64IntegerAttr(64));
  }

  // The query rows of one (batch, head) in super-blocks of kGroups groups
  // of `rows` rows. A group's rows share every K and V load. The online
  // softmax state (m, l, acc) of a super-block lives in small buffers
  // between key blocks (L1-resident: kGroups·rows·(vWidth+2) floats). A
  // last group with fewer rows left computes copies of the last row (never
  // stored).
  auto emitRows = [&](OpBuilder &b, int64_t rows) {
    int64_t superRows = rows * kGroups;
    Value superStep = arith::ConstantIndexOp::create(b, loc, superRows);
    Value rowStep = arith::ConstantIndexOp::create(b, loc, rows);
    SmallVector<Value> lbs = {c0, c0, c0}, ubs = {batch, headsV, lq},
                       steps = {c1, c1, superStep};
    if (offsets) {
      lbs.push_back(c0);
      ubs.push_back(chunks);
      steps.push_back(c1);
    }
    scf::ParallelOp::create(
        b, loc, lbs, ubs, steps,
        [&](OpBuilder &pb, Location pl, ValueRange iv) {
          Value bi = iv[0], h = iv[1], s0 = iv[2];
          Value kh = group == 1
                         ? h
                         : arith::DivUIOp::create(pb, pl, h, idx(pb, pl, group))
                               .getResult();
          // Element [pos, last] of Q or the output (head h), or of V
          // (`kv`: head kh).
          auto at = [&](bool bshd, Value pos, Value last, bool kv = false) {
            Value head = kv ? kh : h;
            return bshd ? SmallVector<Value>{bi, pos, head, last}
                        : SmallVector<Value>{bi, head, pos, last};
          };
          auto add = [](OpBuilder &ob, Location l, Value x, Value y) {
            return arith::AddIOp::create(ob, l, x, y);
          };
          // The stack buffers live for one iteration (convert-scf-to-openmp
          // gives each iteration's body an alloca scope).
          OpBuilder &sb = pb;
          Value n = arith::MinUIOp::create(
              sb, pl, superStep, arith::SubIOp::create(sb, pl, lq, s0));
          // In a generation step the queries of row bi sit after its
          // cache: query s is at position off + s, and no key past the
          // super-block's last query is read (the cache beyond is unused).
          Value off = c0, keyBegin = c0, keyEnd = lk;
          if (offsets) {
            off = arith::IndexCastOp::create(
                sb, pl, sb.getIndexType(),
                memref::LoadOp::create(sb, pl, offsets, ValueRange{bi}));
            keyEnd = arith::MinUIOp::create(sb, pl, lk,
                                            add(sb, pl, add(sb, pl, off, s0), n));
            // This iteration's chunk of the keys.
            keyBegin = arith::MulIOp::create(sb, pl, iv[3],
                                             idx(sb, pl, kSplitKeys));
            keyEnd = arith::MinUIOp::create(
                sb, pl, keyEnd, addIdx(sb, pl, keyBegin, kSplitKeys));
          }
          Value lastRow = arith::SubIOp::create(sb, pl, lq, c1);
          auto rowsType = MemRefType::get({superRows}, f32);
          Value mBuf = memref::AllocOp::create(sb, pl, rowsType);
          Value lBuf = memref::AllocOp::create(sb, pl, rowsType);
          Value accBuf = memref::AllocOp::create(
              sb, pl, MemRefType::get({superRows, vWidth}, f32),
              sb.getI64IntegerAttr(64));
          // A group's probabilities of one key block, read back one by one
          // as broadcast operands of the P·V FMAs (a load port, not the
          // shuffle port the FMAs share).
          Value pBuf = memref::AllocOp::create(
              sb, pl, MemRefType::get({rows, kKeyBlock}, f32),
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

          // One step of the group at local row g0 over the keys j0 ..
          // j0 + kKeyBlock, of which the first `valid` exist; state loaded
          // from and stored to the buffers.
          auto step = [&](OpBuilder &ob, Location l, Value g0, Value j0,
                          Value valid, Value laneOk) {
            auto sVec = VectorType::get({kKeyBlock}, f32);
            auto iVec = VectorType::get({kKeyBlock}, ob.getI64Type());
            SmallVector<Value> local, rowIdx;
            for (int64_t r = 0; r < rows; ++r) {
              local.push_back(addIdx(ob, l, g0, r));
              rowIdx.push_back(arith::MinUIOp::create(
                  ob, l, add(ob, l, s0, local[r]), lastRow));
            }
            // Raw scores: Σ_d q_r[d] · K[j0 + t, d], per row r, as vector
            // FMAs over the block's keys, contiguous in a K given as Kᵀ
            // (masked past the end) or in the block of kTrans: rows · 4
            // independent FMA chains.
            Value zero = arith::ConstantOp::create(
                ob, l, DenseElementsAttr::get(sVec, ob.getF32FloatAttr(0)));
            Value block =
                arith::DivUIOp::create(ob, l, j0, idx(ob, l, kKeyBlock));
            // A Kᵀ read as stored also prefetches, per head dim, its row of
            // the next block's keys (clamped to the last key): 64 short
            // rows a block, too many streams for the hardware prefetchers,
            // whose misses otherwise wait in turn.
            SmallVector<Value> nextKeys;
            if (kT) {
              Value lastKey = arith::SubIOp::create(ob, l, lk, c1);
              for (int64_t t = 0; t < kKeyBlock; t += 16)
                nextKeys.push_back(arith::MinUIOp::create(
                    ob, l, addIdx(ob, l, j0, kKeyBlock + t), lastKey));
            }
            auto dots = scf::ForOp::create(
                ob, l, c0, widthV, c1, SmallVector<Value>(rows, zero),
                [&](OpBuilder &db, Location dl, Value d, ValueRange sAcc) {
                  for (Value key : nextKeys)
                    memref::PrefetchOp::create(db, dl, k,
                                               ValueRange{bi, kh, d, key},
                                               /*isWrite=*/false,
                                               /*localityHint=*/3,
                                               /*isDataCache=*/true);
                  Value keys = kT ? vector::MaskedLoadOp::create(
                                        db, dl, sVec, k,
                                        ValueRange{bi, kh, d, j0}, laneOk, zero)
                                        .getResult()
                                  : vector::LoadOp::create(
                                        db, dl, sVec, kTrans,
                                        ValueRange{bi, kh, block, d, c0})
                                        .getResult();
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
            if (ids) {
              Value padV = vector::BroadcastOp::create(
                  ob, l, iVec, arith::ConstantIntOp::create(ob, l, padId, 64));
              padded = arith::CmpIOp::create(
                  ob, l, arith::CmpIPredicate::eq,
                  vector::MaskedLoadOp::create(
                      ob, l, iVec, ids, ValueRange{bi, j0}, laneOk, padV),
                  padV);
            }
            SmallVector<int64_t> lanes(kKeyBlock);
            for (int64_t t = 0; t < kKeyBlock; ++t)
              lanes[t] = t;
            auto asI64 = [&](Value x) {
              return arith::IndexCastOp::create(ob, l, ob.getI64Type(), x);
            };
            Value keyPos = arith::AddIOp::create(
                ob, l, vector::BroadcastOp::create(ob, l, iVec, asI64(j0)),
                arith::ConstantOp::create(
                    ob, l, DenseElementsAttr::get(iVec, ArrayRef(lanes))));
            Value maskV =
                vector::BroadcastOp::create(ob, l, sVec, cst(ob, l, maskValue));
            Value scaleV =
                vector::BroadcastOp::create(ob, l, sVec, cst(ob, l, scale));
            Value noKey =
                vector::BroadcastOp::create(ob, l, sVec, cst(ob, l, -INFINITY));
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
                    vector::BroadcastOp::create(
                        ob, l, iVec,
                        asI64(add(ob, l, rowIdx[r], off))));
                blocked =
                    blocked ? arith::OrIOp::create(ob, l, blocked, late) : late;
              }
              if (blocked)
                s = arith::SelectOp::create(ob, l, blocked, maskV, s);
              // Keys past the end weigh nothing (e^-inf = 0); the block
              // has at least one real key, so the max stays finite.
              s = arith::SelectOp::create(ob, l, laneOk, s, noKey);
              // The new max in every lane; exact in any order.
              Value mNewV = arith::MaxNumFOp::create(
                  ob, l, vector::BroadcastOp::create(ob, l, sVec, m),
                  allLanes(ob, l, s, [&](Value x, Value y) -> Value {
                    return arith::MaxNumFOp::create(ob, l, x, y);
                  }));
              Value mNew = vector::ExtractOp::create(ob, l, mNewV, 0);
              Value corr = math::ExpOp::create(
                  ob, l, arith::SubFOp::create(ob, l, m, mNew));
              Value p = math::ExpOp::create(
                  ob, l, arith::SubFOp::create(ob, l, s, mNewV));
              Value pSum = vector::ExtractOp::create(
                  ob, l,
                  allLanes(ob, l, p,
                           [&](Value x, Value y) -> Value {
                             return arith::AddFOp::create(ob, l, x, y);
                           }),
                  0);
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
            // acc_r += Σ_t p_r[t] · V[j0 + t] over the keys that exist, each
            // V row loaded once: runs of kSubBlock keys unrolled, then
            // single keys.
            for (int64_t r = 0; r < rows; ++r)
              vector::StoreOp::create(ob, l, probs[r], pBuf,
                                      ValueRange{idx(ob, l, r), c0});
            auto pvKeys = [&](Value from, Value to, int64_t run) {
              auto loop = scf::ForOp::create(
                  ob, l, from, to, idx(ob, l, run), accs,
                  [&](OpBuilder &tb, Location tl, Value t0, ValueRange in) {
                    SmallVector<Value> acc(in);
                    for (int64_t t = 0; t < run; ++t) {
                      Value key = addIdx(tb, tl, t0, t);
                      Value vRow = vector::LoadOp::create(
                          tb, tl, vVec, v,
                          at(vBshd, add(tb, tl, j0, key), c0, /*kv=*/true));
                      for (int64_t r = 0; r < rows; ++r) {
                        Value pt = memref::LoadOp::create(
                            tb, tl, pBuf, ValueRange{idx(tb, tl, r), key});
                        acc[r] = vector::FMAOp::create(
                            tb, tl,
                            vector::BroadcastOp::create(tb, tl, vVec, pt), vRow,
                            acc[r]);
                      }
                    }
                    scf::YieldOp::create(tb, tl, acc);
                  });
              accs.assign(loop.getResults().begin(), loop.getResults().end());
            };
            Value runs = arith::SubIOp::create(
                ob, l, valid,
                arith::RemUIOp::create(ob, l, valid, idx(ob, l, kSubBlock)));
            pvKeys(c0, runs, kSubBlock);
            pvKeys(runs, valid, 1);
            for (int64_t r = 0; r < rows; ++r)
              vector::StoreOp::create(ob, l, accs[r], accBuf,
                                      ValueRange{local[r], c0});
          };

          // Blocks of kKeyBlock keys; the last one partial when kKeyBlock
          // does not divide the key count.
          Value blockV = idx(sb, pl, kKeyBlock);
          scf::ForOp::create(
              sb, pl, keyBegin, keyEnd, blockV, ValueRange{},
              [&](OpBuilder &fb, Location fl, Value j0, ValueRange) {
                Value valid = arith::MinUIOp::create(
                    fb, fl, blockV, arith::SubIOp::create(fb, fl, keyEnd, j0));
                Value laneOk = vector::CreateMaskOp::create(
                    fb, fl, VectorType::get({kKeyBlock}, fb.getI1Type()),
                    ValueRange{valid});
                auto groups = [&](OpBuilder &gb0, Location gl0) {
                  forRows(gb0, gl0, rowStep,
                          [&](OpBuilder &gb, Location gl, Value g0) {
                            step(gb, gl, g0, j0, valid, laneOk);
                          });
                };
                if (!causal) {
                  groups(fb, fl);
                  scf::YieldOp::create(fb, fl);
                  return;
                }
                // Causal: a block past the super-block's last query is
                // blocked for all its rows. Once every row's max is a real
                // score (m > mask_value + 200), such keys weigh
                // e^(mask_value - m) < e^-200, nothing: skip the block. A
                // row whose keys so far are all blocked still needs them
                // (it comes out uniform over all keys, as unfused).
                Value late = arith::CmpIOp::create(
                    fb, fl, arith::CmpIPredicate::uge, j0,
                    add(fb, fl, add(fb, fl, off, s0), n));
                auto needed = scf::IfOp::create(
                    fb, fl, late,
                    [&](OpBuilder &tb, Location tl) {
                      // Some row's max is not yet a real score.
                      Value bound = cst(tb, tl, maskValue + 200.0);
                      auto scan = scf::ForOp::create(
                          tb, tl, c0, n, c1,
                          ValueRange{
                              arith::ConstantIntOp::create(tb, tl, 0, 1)},
                          [&](OpBuilder &rb, Location rl, Value r,
                              ValueRange any) {
                            Value open = arith::CmpFOp::create(
                                rb, rl, arith::CmpFPredicate::ULE,
                                memref::LoadOp::create(rb, rl, mBuf, r), bound);
                            scf::YieldOp::create(
                                rb, rl,
                                ValueRange{arith::OrIOp::create(rb, rl, any[0],
                                                                open)});
                          });
                      scf::YieldOp::create(tb, tl, scan.getResults());
                    },
                    [&](OpBuilder &eb, Location el) {
                      scf::YieldOp::create(
                          eb, el,
                          ValueRange{
                              arith::ConstantIntOp::create(eb, el, 1, 1)});
                    });
                scf::IfOp::create(fb, fl, needed.getResult(0),
                                  [&](OpBuilder &tb, Location tl) {
                                    groups(tb, tl);
                                    scf::YieldOp::create(tb, tl);
                                  });
                scf::YieldOp::create(fb, fl);
              });
          forRows(sb, pl, c1, [&](OpBuilder &fb, Location fl, Value r) {
            Value acc =
                vector::LoadOp::create(fb, fl, vVec, accBuf, ValueRange{r, c0});
            Value lsum = memref::LoadOp::create(fb, fl, lBuf, r);
            if (offsets) {
              SmallVector<Value> part = {bi, h, add(fb, fl, s0, r), iv[3]};
              memref::StoreOp::create(
                  fb, fl, memref::LoadOp::create(fb, fl, mBuf, r), partM, part);
              memref::StoreOp::create(fb, fl, lsum, partL, part);
              part.push_back(c0);
              vector::StoreOp::create(fb, fl, acc, partAcc, part);
              return;
            }
            Value res = arith::DivFOp::create(
                fb, fl, acc, vector::BroadcastOp::create(fb, fl, vVec, lsum));
            vector::StoreOp::create(fb, fl, res, out,
                                    at(oBshd, add(fb, fl, s0, r), c0));
          });
          scf::ReduceOp::create(pb, pl);
        });
  };
  // A step of one token per row (its self-attention over the cache, its
  // cross-attention over the source) has one query: groups of kRows would
  // compute kRows - 1 copies of it.
  Value single = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lq, c1);
  auto choice = scf::IfOp::create(b, loc, single, /*withElseRegion=*/true);
  OpBuilder tb = choice.getThenBodyBuilder();
  emitRows(tb, 1);
  OpBuilder eb = choice.getElseBodyBuilder();
  emitRows(eb, kRows);
  if (!offsets)
    return;
  // (The buffer deallocation pipeline frees the partial states.)
  emitMergeChunks(b, loc, partM, partL, partAcc, out, oBshd, batch, headsV, lq,
                  chunks, vWidth);
}

struct FlashAttentionLowering : OpConversionPattern<AttentionOp> {
  FlashAttentionLowering(MLIRContext *ctx)
      : OpConversionPattern<AttentionOp>(ctx, /*benefit=*/2) {}

  /// The kernel function for `op` on `operands` (q, k, v, [ids,] out):
  /// created on first use, shared by every attention with the same operand
  /// types and attributes (a seed model's encoder self-attention and the
  /// decoder's cross-attention share one), out of line: each inlined copy
  /// cost LLVM ~8% of the seed model's compile time. Kernels are found
  /// again by their `xf.kernel_key`, in the IR, so the pattern keeps no
  /// state between rewrites.
  func::FuncOp getKernel(AttentionOp op, ValueRange operands, bool hasIds,
                         bool hasOffsets, int64_t heads, int64_t width,
                         int64_t vWidth,
                         ConversionPatternRewriter &rewriter) const {
    auto type = rewriter.getFunctionType(operands.getTypes(), {});
    Attribute key =
        rewriter.getArrayAttr({TypeAttr::get(type), op->getAttrDictionary()});
    auto module = op->getParentOfType<ModuleOp>();
    StringLiteral keyName = XfDialect::getKernelKeyAttrName();
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn->getAttr(keyName) == key)
        return fn;
    std::string name = "xf_attention";
    for (int i = 1; SymbolTable::lookupSymbolIn(module, name); ++i)
      name = "xf_attention_" + std::to_string(i);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToEnd(module.getBody());
    Location loc = module.getLoc();
    auto kernel = func::FuncOp::create(rewriter, loc, name, type);
    kernel->setAttr(keyName, key);
    markOutOfLine(kernel);
    Block *entry =
        rewriter.createBlock(&kernel.getBody(), {}, type.getInputs(),
                             SmallVector<Location>(operands.size(), loc));
    ValueRange args = entry->getArguments();
    emitKernelBody(rewriter, loc, op, args[0], args[1], args[2],
                   hasIds ? args[3] : Value(),
                   hasOffsets ? args[hasIds ? 4 : 3] : Value(), args.back(),
                   heads, width, vWidth);
    func::ReturnOp::create(rewriter, loc);
    return kernel;
  }

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(adaptor.getQuery().getType());
    auto kt = cast<RankedTensorType>(adaptor.getKey().getType());
    auto vt = cast<RankedTensorType>(adaptor.getValue().getType());
    int64_t heads = qt.getDimSize(headsAxis(op.getQLayout()));
    int64_t width = qt.getDimSize(3), vWidth = vt.getDimSize(3);
    int64_t kvHeads = kt.getDimSize(headsAxis(op.getKLayout()));
    if (adaptor.getMask() || ShapedType::isDynamic(heads) ||
        ShapedType::isDynamic(kvHeads) || heads % kvHeads ||
        kvHeads != vt.getDimSize(headsAxis(op.getVLayout())) ||
        ShapedType::isDynamic(width) || ShapedType::isDynamic(vWidth) ||
        width % 16 || vWidth % 16)
      return rewriter.notifyMatchFailure(
          op, "the CPU kernel needs static head widths (multiples of 16), "
              "static head counts (K/V's dividing Q's) and no general mask");

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
    Value offsets = adaptor.getQueryOffsets()
                        ? toBuffer(adaptor.getQueryOffsets())
                        : Value();
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
    if (offsets)
      operands.push_back(offsets);
    operands.push_back(out);
    func::CallOp::create(b, loc,
                         getKernel(op, operands, ids != nullptr,
                                   offsets != nullptr, heads, width, vWidth,
                                   rewriter),
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
