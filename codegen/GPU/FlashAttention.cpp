//===- FlashAttention.cpp - A flash-style GPU lowering of xf.attention ----===//
//
// One workgroup per (query block of 64, head, batch element), one thread
// per query row. Per block of 32 keys the workgroup stages K and V in
// workgroup memory (each element loaded once, shared by 64 rows; as
// vectors of 4 when both head widths allow, so a thread reads 4 values per
// load), then each thread runs the online softmax over the block (q·k as 4
// interleaved partial sums, not one chain of dependent FMAs):
//   s = scale·q·k_j (blocked keys: mask_value), m' = max(m, s),
//   l = l·e^(m-m') + e^(s-m'), acc = acc·e^(m-m') + e^(s-m')·v_j,
// with q, m, l and acc in registers; the row is acc / l. No [Lq, Lk] score
// buffer exists. Masks come from the key ids and positions as the unfused
// ops compute them (blocked scores are mask_value, so a fully blocked row
// is uniform, not NaN). K/V with fewer heads (grouped queries) are shared
// by the query heads of a group. In a generation step (`query_offsets`)
// row b's queries sit after its cache (query i at position off_b + i) and
// a workgroup's key loop stops after its last query's position. Head
// widths must be static and at most 64 (q and acc live in registers);
// other cases take the decomposition.
//
// The conversion pattern replaces xf.attention by a kernel call and
// emitAttentionKernel builds the body (see KernelCalls.h for the two
// steps). The CPU sibling is codegen/CPU/FlashAttention.cpp.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/LoopBuilder.h"
#include "codegen/GPU/FlatBuffer.h"
#include "codegen/GPU/KernelCalls.h"
#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>

using namespace mlir;
using namespace mlir::xf;

namespace {

constexpr int64_t kRows = 64;     ///< query rows (threads) per workgroup
constexpr int64_t kKeys = 32;     ///< keys staged per step
constexpr int64_t kMaxWidth = 64; ///< head widths kept in registers
constexpr int64_t kGroup = 4;     ///< floats per workgroup-memory element

/// What the kernel needs to know of an xf.attention, kept on the
/// declaration that stands for it until the kernel is built.
struct AttentionSpec {
  int64_t heads, kvHeads, width, vWidth;
  Layout q, k, v, out;
  float scale, maskValue;
  int64_t padId;
  bool causal, offsets;

  DictionaryAttr toAttr(MLIRContext *ctx) const {
    Builder b(ctx);
    auto layout = [&](Layout l) { return LayoutAttr::get(ctx, l); };
    return b.getDictionaryAttr({
        b.getNamedAttr("heads", b.getI64IntegerAttr(heads)),
        b.getNamedAttr("kv_heads", b.getI64IntegerAttr(kvHeads)),
        b.getNamedAttr("width", b.getI64IntegerAttr(width)),
        b.getNamedAttr("v_width", b.getI64IntegerAttr(vWidth)),
        b.getNamedAttr("q_layout", layout(q)),
        b.getNamedAttr("k_layout", layout(k)),
        b.getNamedAttr("v_layout", layout(v)),
        b.getNamedAttr("out_layout", layout(out)),
        b.getNamedAttr("scale", b.getF32FloatAttr(scale)),
        b.getNamedAttr("mask_value", b.getF32FloatAttr(maskValue)),
        b.getNamedAttr("pad_id", b.getI64IntegerAttr(padId)),
        b.getNamedAttr("causal", b.getBoolAttr(causal)),
        b.getNamedAttr("offsets", b.getBoolAttr(offsets)),
    });
  }

  static AttentionSpec fromAttr(DictionaryAttr d) {
    auto i = [&](StringRef n) { return d.getAs<IntegerAttr>(n).getInt(); };
    auto f = [&](StringRef n) {
      return d.getAs<FloatAttr>(n).getValue().convertToFloat();
    };
    auto l = [&](StringRef n) { return d.getAs<LayoutAttr>(n).getValue(); };
    return {i("heads"),    i("kv_heads"),
            i("width"),    i("v_width"),
            l("q_layout"), l("k_layout"),
            l("v_layout"), l("out_layout"),
            f("scale"),    f("mask_value"),
            i("pad_id"),   d.getAs<BoolAttr>("causal").getValue(),
            d.getAs<BoolAttr>("offsets").getValue()};
  }
};

/// xf.attention → call of a declared kernel function (see the file comment).
struct GpuFlashAttentionLowering : OpConversionPattern<AttentionOp> {
  GpuFlashAttentionLowering(MLIRContext *ctx)
      : OpConversionPattern<AttentionOp>(ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto qt = cast<RankedTensorType>(adaptor.getQuery().getType());
    auto kt = cast<RankedTensorType>(adaptor.getKey().getType());
    auto vt = cast<RankedTensorType>(adaptor.getValue().getType());
    AttentionSpec spec{qt.getDimSize(headsAxis(op.getQLayout())),
                       kt.getDimSize(headsAxis(op.getKLayout())),
                       qt.getDimSize(3),
                       vt.getDimSize(3),
                       op.getQLayout(),
                       op.getKLayout(),
                       op.getVLayout(),
                       op.getOutLayout(),
                       op.getScale().convertToFloat(),
                       op.getMaskValue().convertToFloat(),
                       static_cast<int64_t>(op.getPadId()),
                       op.getCausal(),
                       adaptor.getQueryOffsets() != nullptr};
    if (adaptor.getMask() || ShapedType::isDynamic(spec.heads) ||
        ShapedType::isDynamic(spec.kvHeads) ||
        spec.kvHeads != vt.getDimSize(headsAxis(op.getVLayout())) ||
        spec.heads % spec.kvHeads || ShapedType::isDynamic(spec.width) ||
        ShapedType::isDynamic(spec.vWidth) || spec.width > kMaxWidth ||
        spec.vWidth > kMaxWidth)
      return rewriter.notifyMatchFailure(
          op, "the GPU kernel needs static head counts and widths (at most "
              "64) and no general mask");

    // The output's sizes: batch and queries from q, heads and width.
    Location loc = op.getLoc();
    Value q = adaptor.getQuery();
    Value batch = tensor::DimOp::create(rewriter, loc, q, 0);
    Value lq = tensor::DimOp::create(rewriter, loc, q, seqAxis(spec.q));
    Value headsV = idx(rewriter, loc, spec.heads);
    Value vWidthV = idx(rewriter, loc, spec.vWidth);
    SmallVector<Value> outDims =
        spec.out == Layout::BSHD
            ? SmallVector<Value>{batch, lq, headsV, vWidthV}
            : SmallVector<Value>{batch, headsV, lq, vWidthV};
    RankedTensorType outType = op.getType();
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < 4; ++d)
      if (outType.isDynamicDim(d))
        dynSizes.push_back(outDims[d]);
    SmallVector<Value> operands = {q, adaptor.getKey(), adaptor.getValue()};
    if (adaptor.getKeyIds())
      operands.push_back(adaptor.getKeyIds());
    if (adaptor.getQueryOffsets())
      operands.push_back(adaptor.getQueryOffsets());
    replaceWithKernelCall(rewriter, op, XfDialect::getGpuKernelAttrName(), "attention",
                          spec.toAttr(op.getContext()), operands, outType,
                          dynSizes);
    return success();
  }
};

} // namespace

/// The body of a declared kernel function (out, q, k, v[, ids][, offsets]):
/// one launch writing `out`.
void xf::emitAttentionKernel(func::FuncOp fn, DictionaryAttr specAttr) {
  AttentionSpec spec = AttentionSpec::fromAttr(specAttr);
  Location loc = fn.getLoc();
  OpBuilder b = OpBuilder::atBlockBegin(fn.addEntryBlock());
  Value out = fn.getArgument(0), q = fn.getArgument(1), k = fn.getArgument(2),
        v = fn.getArgument(3);
  std::optional<FlatBuffer> fids, foffsets;
  unsigned extra = fn.getNumArguments() - 4;
  if (extra == 2 || (extra == 1 && !spec.offsets))
    fids = flatten(b, loc, fn.getArgument(4));
  if (spec.offsets)
    foffsets = flatten(b, loc, fn.getArguments().back());
  const int64_t heads = spec.heads, kvHeads = spec.kvHeads;
  const int64_t width = spec.width, vWidth = spec.vWidth;
  bool qBshd = spec.q == Layout::BSHD;
  bool kBshd = spec.k == Layout::BSHD;
  bool kT = spec.k == Layout::BHDS;
  bool vBshd = spec.v == Layout::BSHD;
  bool oBshd = spec.out == Layout::BSHD;

  // Host: sizes, the output buffer, flat views, the grid.
  Value c0 = idx(b, loc, 0), c1 = idx(b, loc, 1);
  Value batch = memref::DimOp::create(b, loc, q, 0);
  Value lq = memref::DimOp::create(b, loc, q, seqAxis(spec.q));
  Value lk = memref::DimOp::create(b, loc, k, seqAxis(spec.k));
  Value headsV = idx(b, loc, heads);
  FlatBuffer fq = flatten(b, loc, q), fk = flatten(b, loc, k),
             fv = flatten(b, loc, v), fo = flatten(b, loc, out);
  Value rowsV = idx(b, loc, kRows);
  Value gridX = arith::MaxSIOp::create(
      b, loc, arith::CeilDivSIOp::create(b, loc, lq, rowsV), c1);
  Value gridZ = arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, batch, idx(b, loc, 65535)), c1);
  // Workgroup memory holds K then V of a block, `group` floats per element
  // (a vector<4xf32> when 4 divides both widths, else scalars).
  const int64_t group = width % kGroup || vWidth % kGroup ? 1 : kGroup;
  Type f32 = b.getF32Type();
  Type groupType = group == 1 ? f32 : VectorType::get({group}, f32);
  auto sharedType = MemRefType::get(
      {kKeys * (width + vWidth) / group}, groupType,
      MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto launch = gpu::LaunchOp::create(
      b, loc, gridX, headsV, gridZ, rowsV, c1, c1,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{sharedType},
      /*privateAttributions=*/{}, nullptr, nullptr, nullptr,
      /*module=*/nullptr, FlatSymbolRefAttr::get(fn.getNameAttr()));
  Value shared = launch.getWorkgroupAttributions()[0];
  func::ReturnOp::create(b, loc);

  // Device.
  OpBuilder::InsertionGuard guard(b);
  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  auto cst = [&](OpBuilder &ob, float x) -> Value {
    return arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(x));
  };
  auto lt = [&](OpBuilder &ob, Value x, Value bound) -> Value {
    return arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::slt, x, bound);
  };
  Value tid = launch.getThreadIds().x;
  Value i = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, rowsV),
      tid);
  Value h = launch.getBlockIds().y;
  Value hk = arith::DivUIOp::create(b, loc, h, idx(b, loc, heads / kvHeads));
  Value lastRow = arith::SubIOp::create(b, loc, lq, c1);
  // Rows past Lq compute on a copy of the last row (never stored); with
  // Lq = 0 there is nothing to do.
  Value row = arith::MinSIOp::create(b, loc, i, lastRow);
  Value kGroupsC = idx(b, loc, width / group),
        vGroupsC = idx(b, loc, vWidth / group);
  Value keysV = idx(b, loc, kKeys);
  Value padId = arith::ConstantIntOp::create(b, loc, spec.padId, 64);
  float scale = spec.scale, maskValue = spec.maskValue;
  bool causal = spec.causal;
  auto at = [](bool bshd, Value bi, Value hh, Value pos, Value last) {
    return bshd ? SmallVector<Value>{bi, pos, hh, last}
                : SmallVector<Value>{bi, hh, pos, last};
  };

  auto work = scf::IfOp::create(b, loc, lt(b, c0, lq));
  b.setInsertionPointToStart(&work.getThenRegion().front());
  forRange(
      b, loc, launch.getBlockIds().z, batch, launch.getGridSize().z,
      [&](OpBuilder &zb, Location, Value z) {
        // Row z's queries after its cache: query i at position off + i,
        // and no key past the workgroup's last query (the same bound for
        // all its threads, which share the staging barriers).
        Value off = c0, keyEnd = lk;
        if (foffsets) {
          off = arith::IndexCastOp::create(
              zb, loc, zb.getIndexType(),
              memref::LoadOp::create(zb, loc, foffsets->flat,
                                     linearIndex(zb, loc, *foffsets, z)));
          Value lastQuery = arith::MinSIOp::create(
              zb, loc, lq,
              arith::MulIOp::create(
                  zb, loc, addIdx(zb, loc, launch.getBlockIds().x, 1), rowsV));
          keyEnd = arith::MinSIOp::create(
              zb, loc, lk, arith::AddIOp::create(zb, loc, off, lastQuery));
        }
        // The query row, in registers.
        SmallVector<Value> qRow;
        for (int64_t c = 0; c < width; ++c)
          qRow.push_back(memref::LoadOp::create(
              zb, loc, fq.flat,
              linearIndex(zb, loc, fq, at(qBshd, z, h, row, idx(zb, loc, c)))));

        // Stages keys x w floats of K or V from key j0 into shared[base
        // ...]: element e holds [key e / (w / group), columns from
        // (e % (w / group)) · group].
        auto stage = [&](OpBuilder &sb, Value j0, int64_t w, int64_t base,
                         function_ref<Value(OpBuilder &, Value, Value)> index,
                         const FlatBuffer &f) {
          Value perKey = idx(sb, loc, w / group);
          forRange(sb, loc, tid, idx(sb, loc, kKeys * w / group), rowsV,
                   [&](OpBuilder &lb, Location, Value e) {
                     Value key = arith::AddIOp::create(
                         lb, loc, j0,
                         arith::DivUIOp::create(lb, loc, e, perKey));
                     Value col0 = arith::MulIOp::create(
                         lb, loc, arith::RemUIOp::create(lb, loc, e, perKey),
                         idx(lb, loc, group));
                     Value inside = lt(lb, key, keyEnd);
                     SmallVector<Value> values;
                     for (int64_t g = 0; g < group; ++g)
                       values.push_back(
                           loadOrZero(lb, loc, inside, f, [&](OpBuilder &ib) {
                             return index(ib, key, addIdx(ib, loc, col0, g));
                           }));
                     Value value =
                         group == 1
                             ? values[0]
                             : vector::FromElementsOp::create(
                                   lb, loc, cast<VectorType>(groupType), values)
                                   .getResult();
                     memref::StoreOp::create(lb, loc, value, shared,
                                             addIdx(lb, loc, e, base / group));
                   });
        };
        // The `count` floats of shared from element `first` on.
        auto read = [&](OpBuilder &rb, Value first, int64_t count) {
          SmallVector<Value> out;
          for (int64_t e = 0; e < count / group; ++e) {
            Value v = memref::LoadOp::create(rb, loc, shared,
                                             addIdx(rb, loc, first, e));
            for (int64_t g = 0; g < group; ++g)
              out.push_back(group == 1 ? v
                                       : vector::ExtractOp::create(
                                             rb, loc, v, ArrayRef<int64_t>{g})
                                             .getResult());
          }
          return out;
        };

        // State: m, l, acc[vWidth].
        SmallVector<Value> init = {cst(zb, -INFINITY), cst(zb, 0)};
        init.append(vWidth, cst(zb, 0));
        auto blocks = scf::ForOp::create(
            zb, loc, c0, keyEnd, keysV, init,
            [&](OpBuilder &kb, Location, Value j0, ValueRange state) {
              stage(
                  kb, j0, width, 0,
                  [&](OpBuilder &ib, Value key, Value col) {
                    return linearIndex(ib, loc, fk,
                                       kT ? SmallVector<Value>{z, hk, col, key}
                                          : at(kBshd, z, hk, key, col));
                  },
                  fk);
              stage(
                  kb, j0, vWidth, kKeys * width,
                  [&](OpBuilder &ib, Value key, Value col) {
                    return linearIndex(ib, loc, fv, at(vBshd, z, hk, key, col));
                  },
                  fv);
              gpu::BarrierOp::create(kb, loc);
              Value n = arith::MinSIOp::create(
                  kb, loc, keysV, arith::SubIOp::create(kb, loc, keyEnd, j0));
              auto keysLoop = scf::ForOp::create(
                  kb, loc, c0, n, c1, state,
                  [&](OpBuilder &tb, Location, Value t, ValueRange st) {
                    SmallVector<Value> kRow = read(
                        tb, arith::MulIOp::create(tb, loc, t, kGroupsC), width);
                    // Partial sums over columns c ≡ r (mod 4), then added.
                    SmallVector<Value> partial(std::min<int64_t>(4, width),
                                               cst(tb, 0));
                    for (int64_t c = 0; c < width; ++c)
                      partial[c % partial.size()] =
                          math::FmaOp::create(tb, loc, qRow[c], kRow[c],
                                              partial[c % partial.size()]);
                    Value dot = partial[0];
                    for (size_t r = 1; r < partial.size(); ++r)
                      dot = arith::AddFOp::create(tb, loc, dot, partial[r]);
                    Value s =
                        arith::MulFOp::create(tb, loc, dot, cst(tb, scale));
                    Value key = arith::AddIOp::create(tb, loc, j0, t);
                    Value blocked = arith::ConstantIntOp::create(tb, loc, 0, 1);
                    if (fids) {
                      Value id = memref::LoadOp::create(
                          tb, loc, fids->flat,
                          linearIndex(tb, loc, *fids, ValueRange{z, key}));
                      blocked = arith::OrIOp::create(
                          tb, loc, blocked,
                          arith::CmpIOp::create(
                              tb, loc, arith::CmpIPredicate::eq, id, padId));
                    }
                    if (causal)
                      blocked = arith::OrIOp::create(
                          tb, loc, blocked,
                          arith::CmpIOp::create(
                              tb, loc, arith::CmpIPredicate::sgt, key,
                              arith::AddIOp::create(tb, loc, i, off)));
                    s = arith::SelectOp::create(tb, loc, blocked,
                                                cst(tb, maskValue), s);
                    Value m = st[0], l = st[1];
                    Value mNew = arith::MaximumFOp::create(tb, loc, m, s);
                    Value alpha = math::ExpOp::create(
                        tb, loc, arith::SubFOp::create(tb, loc, m, mNew));
                    Value p = math::ExpOp::create(
                        tb, loc, arith::SubFOp::create(tb, loc, s, mNew));
                    SmallVector<Value> next = {
                        mNew, math::FmaOp::create(tb, loc, l, alpha, p)};
                    SmallVector<Value> vRow =
                        read(tb,
                             addIdx(tb, loc,
                                    arith::MulIOp::create(tb, loc, t, vGroupsC),
                                    kKeys * width / group),
                             vWidth);
                    for (int64_t c = 0; c < vWidth; ++c)
                      next.push_back(math::FmaOp::create(
                          tb, loc, p, vRow[c],
                          arith::MulFOp::create(tb, loc, st[2 + c], alpha)));
                    scf::YieldOp::create(tb, loc, next);
                  });
              // Nobody stages the next block while others still read this one.
              gpu::BarrierOp::create(kb, loc);
              scf::YieldOp::create(kb, loc, keysLoop.getResults());
            });

        auto store = scf::IfOp::create(zb, loc, lt(zb, i, lq));
        OpBuilder sb = store.getThenBodyBuilder();
        Value l = blocks.getResult(1);
        for (int64_t c = 0; c < vWidth; ++c)
          memref::StoreOp::create(
              sb, loc,
              arith::DivFOp::create(sb, loc, blocks.getResult(2 + c), l),
              fo.flat,
              linearIndex(sb, loc, fo, at(oBshd, z, h, i, idx(sb, loc, c))));
      });
}

void mlir::xf::populateXfGpuAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<GpuFlashAttentionLowering>(patterns.getContext());
}
