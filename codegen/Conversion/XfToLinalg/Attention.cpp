//===- Attention.cpp - xf.attention decomposed into unfused xf ops--------===//
//
// Where no attention kernel takes an xf.attention (the target's kernel
// patterns run first and win), it becomes the unfused ops it was fused
// from, which the other patterns then lower.
//
//===----------------------------------------------------------------------===//

#include "codegen/Conversion/XfToLinalg/Builders.h"
#include "codegen/Conversion/XfToLinalg/Patterns.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::linalg_lowering;

namespace {

struct AttentionDecomposition : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto &b = rewriter;
    Value q = adaptor.getQuery(), k = adaptor.getKey(), v = adaptor.getValue();
    // 1. Bring q, v to bhsd and k to bhds (Kᵀ).
    if (op.getQLayout() == Layout::BSHD)
      q = TransposeOp::create(b, loc, q, ArrayRef<int64_t>{0, 2, 1, 3});
    if (op.getKLayout() == Layout::BHSD)
      k = TransposeOp::create(b, loc, k, ArrayRef<int64_t>{0, 1, 3, 2});
    else if (op.getKLayout() == Layout::BSHD)
      k = TransposeOp::create(b, loc, k, ArrayRef<int64_t>{0, 2, 3, 1});
    if (op.getVLayout() == Layout::BSHD)
      v = TransposeOp::create(b, loc, v, ArrayRef<int64_t>{0, 2, 1, 3});
    auto qt = cast<RankedTensorType>(q.getType());
    auto kt = cast<RankedTensorType>(k.getType());
    auto vt = cast<RankedTensorType>(v.getType());
    int64_t heads = qt.getDimSize(1), kvHeads = kt.getDimSize(1);
    if (ShapedType::isDynamic(heads) != ShapedType::isDynamic(kvHeads) ||
        (ShapedType::isDynamic(heads) && heads != kvHeads))
      return rewriter.notifyMatchFailure(op, "dynamic head counts");
    bool grouped = heads != kvHeads;
    Value batch = tensor::DimOp::create(b, loc, q, 0);
    Value lq = tensor::DimOp::create(b, loc, q, 2);
    Value lk = tensor::DimOp::create(b, loc, k, 3);
    const int64_t dyn = ShapedType::kDynamic;
    auto reshape = [&](Value t, SmallVector<int64_t> shape,
                       SmallVector<Value> dims) -> Value {
      auto elt = cast<RankedTensorType>(t.getType()).getElementType();
      return ReshapeOp::create(b, loc, RankedTensorType::get(shape, elt), t,
                               dims);
    };
    if (grouped) {
      int64_t g = heads / kvHeads, d = qt.getDimSize(3);
      q = reshape(q, {dyn, kvHeads, g, dyn, d}, {batch, lq});
      k = reshape(k, {dyn, kvHeads, 1, kt.getDimSize(2), dyn}, {batch, lk});
      v = reshape(v, {dyn, kvHeads, 1, dyn, vt.getDimSize(3)}, {batch, lk});
    }
    // 2. Scores, scaled.
    Value s = MatmulOp::create(b, loc, q, k, false, false);
    s = ScaleOp::create(b, loc, s, op.getScaleAttr());
    // 3. The blocked positions, as one boolean mask broadcastable to s.
    unsigned rank = grouped ? 5 : 4;
    Value mask;
    auto unite = [&](Value m) {
      mask = mask ? Value(OrOp::create(b, loc, mask, m)) : m;
    };
    if (Value ids = adaptor.getKeyIds()) {
      Value pad = PaddingMaskOp::create(b, loc, ids, op.getPadId());
      SmallVector<int64_t> shape(rank, 1);
      shape[0] = dyn;
      shape.back() = dyn;
      unite(reshape(pad, shape, {batch, lk}));
    }
    if (Value offsets = adaptor.getQueryOffsets()) {
      // [B, Lq, Lk] with a head dim (and a group dim) of 1.
      Value causal = CausalMaskOp::create(b, loc, lq, lk, offsets);
      SmallVector<int64_t> shape(rank, 1);
      shape[0] = dyn;
      shape[rank - 2] = dyn;
      shape.back() = dyn;
      unite(reshape(causal, shape, {batch, lq, lk}));
    } else if (op.getCausal()) {
      unite(CausalMaskOp::create(b, loc, lq, lk));
    }
    if (Value m = adaptor.getMask()) {
      auto mt = cast<RankedTensorType>(m.getType());
      if (grouped) {
        // Insert the group dim; only masks shared by all heads qualify.
        if (mt.getRank() == 4 && mt.getDimSize(1) != 1)
          return rewriter.notifyMatchFailure(
              op, "per-head mask with grouped queries");
        if (mt.getRank() == 4) {
          SmallVector<int64_t> shape = {mt.getDimSize(0), 1, 1,
                                        mt.getDimSize(2), mt.getDimSize(3)};
          SmallVector<Value> dims;
          for (int64_t d : {0, 2, 3})
            if (mt.isDynamicDim(d))
              dims.push_back(tensor::DimOp::create(b, loc, m, d));
          m = reshape(m, shape, dims);
        }
      }
      unite(m);
    }
    if (mask)
      s = MaskedFillOp::create(b, loc, s, mask, op.getMaskValueAttr());
    // 4. Softmax over the keys, then P · V, back to [B, H, Lq, Dv].
    Value p = SoftmaxOp::create(b, loc, s, rank - 1);
    Value o = MatmulOp::create(b, loc, p, v, false, false);
    if (grouped)
      o = reshape(o, {dyn, heads, dyn, vt.getDimSize(3)}, {batch, lq});
    if (op.getOutLayout() == Layout::BSHD)
      o = TransposeOp::create(b, loc, o, ArrayRef<int64_t>{0, 2, 1, 3});
    rewriter.replaceOp(op, o);
    return success();
  }
};

} // namespace

void linalg_lowering::populateAttentionDecompositionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<AttentionDecomposition>(patterns.getContext());
}
