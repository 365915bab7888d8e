//===- FuseAttention.cpp - Scaled dot-product attention into one op -------===//
//
// Walks back from the matmul with V through softmax, masked_fill, scale and
// Q · Kᵀ; folds the masks into the op's own (key ids, causal flag, or a
// boolean mask) and the head split/merge transposes into operand layouts.
// Every refusal says why (see the pass description in passes/Passes.td).
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/PatternMatch.h"
#include "passes/Passes.h"
#include "llvm/Support/Debug.h"
#include <cmath>

#define DEBUG_TYPE "xf-fuse-attention"

namespace mlir::xf {
#define GEN_PASS_DEF_XFFUSEATTENTIONPASS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {

/// Whether `v` is `transpose(x, [0, 2, 1, 3])` (a head split or merge) used
/// only once; returns x.
Value headTransposeInput(Value v) {
  auto t = v.getDefiningOp<TransposeOp>();
  if (!t || !t->hasOneUse() ||
      !llvm::equal(t.getPermutation(), ArrayRef<int64_t>{0, 2, 1, 3}))
    return nullptr;
  return t.getInput();
}

/// The masks of the pattern, as the attention op takes them.
struct MaskParts {
  Value keyIds, mask, queryOffsets;
  int64_t padId = 0;
  bool causal = false;
};

/// Splits a boolean mask of scores of rank `rank` (4, or 5 with grouped
/// queries) into padding ids, a causal flag and a rest. Returns false if a
/// part has no place in the op (two different paddings).
bool splitMask(Value m, int64_t rank, MaskParts &parts,
               SmallVectorImpl<Value> &rest) {
  if (auto reshape = m.getDefiningOp<ReshapeOp>()) {
    // A reshape that only inserts unit dims (the head dims) is transparent.
    auto in = cast<RankedTensorType>(reshape.getInput().getType());
    auto out = reshape.getType();
    SmallVector<int64_t> squeezed;
    for (int64_t d : out.getShape())
      if (d != 1)
        squeezed.push_back(d);
    SmallVector<int64_t> inSqueezed;
    for (int64_t d : in.getShape())
      if (d != 1)
        inSqueezed.push_back(d);
    bool unitHeads = out.getRank() == rank;
    for (int64_t d = 1; unitHeads && d + 2 < rank; ++d)
      unitHeads = out.getDimSize(d) == 1;
    if (squeezed == inSqueezed && unitHeads)
      return splitMask(reshape.getInput(), rank, parts, rest);
  }
  if (auto orOp = m.getDefiningOp<OrOp>())
    return splitMask(orOp.getLhs(), rank, parts, rest) &&
           splitMask(orOp.getRhs(), rank, parts, rest);
  if (auto pad = m.getDefiningOp<PaddingMaskOp>()) {
    if (parts.keyIds &&
        (parts.keyIds != pad.getIds() || parts.padId != pad.getPadId()))
      return false;
    parts.keyIds = pad.getIds();
    parts.padId = pad.getPadId();
    return true;
  }
  if (auto causal = m.getDefiningOp<CausalMaskOp>()) {
    // With per-row offsets (a generation step over a cache) there is one
    // causal mask or none: two would place the queries twice.
    Value offsets = causal.getOffsets();
    if (parts.causal && parts.queryOffsets != offsets)
      return false;
    parts.causal = true;
    parts.queryOffsets = offsets;
    return true;
  }
  rest.push_back(m);
  return true;
}

/// For grouped queries: `qGroups` views Q [B, H, Lq, d] as [B, Hkv, G, Lq,
/// d]; `k` and `v` must view 4-D tensors with Hkv heads (K as [B, Hkv, Lk,
/// d] or Kᵀ [B, Hkv, d, Lk]) as [B, Hkv, 1, ...]. Sets q, k, v to the 4-D
/// tensors.
LogicalResult groupedInputs(ReshapeOp qGroups, Value &q, Value &k, Value &v) {
  auto heads4 = [](Value x) -> RankedTensorType {
    auto t = dyn_cast<RankedTensorType>(x.getType());
    return t && t.getRank() == 4 ? t : RankedTensorType();
  };
  auto qIn = heads4(qGroups.getInput());
  auto qOut = qGroups.getType();
  if (!qIn || qOut.getRank() != 5 || qIn.isDynamicDim(1) ||
      qOut.isDynamicDim(1) || qOut.isDynamicDim(2) ||
      qIn.getDimSize(1) != qOut.getDimSize(1) * qOut.getDimSize(2) ||
      qIn.getDimSize(3) != qOut.getDimSize(4))
    return failure();
  int64_t kvHeads = qOut.getDimSize(1);
  // K or V: a reshape of [B, Hkv, x, y] into [B, Hkv, 1, x, y], used once.
  auto shared = [&](Value x) -> Value {
    auto r = x.getDefiningOp<ReshapeOp>();
    if (!r || !r->hasOneUse())
      return nullptr;
    auto in = heads4(r.getInput());
    auto out = r.getType();
    if (!in || out.getRank() != 5 || in.getDimSize(1) != kvHeads ||
        out.getDimSize(1) != kvHeads || out.getDimSize(2) != 1 ||
        in.getDimSize(2) != out.getDimSize(3) ||
        in.getDimSize(3) != out.getDimSize(4))
      return nullptr;
    return r.getInput();
  };
  Value k4 = shared(k), v4 = shared(v);
  if (!k4 || !v4)
    return failure();
  q = qGroups.getInput();
  k = k4;
  v = v4;
  return success();
}

/// Dim `i` of the ranked tensor `x`.
int64_t dimOf(Value x, unsigned i) {
  return cast<RankedTensorType>(x.getType()).getDimSize(i);
}

/// Whether a static 1 meets a size that is not 1: the matmuls and masks
/// stretch it (only a static 1 broadcasts), the op does not.
bool stretches(int64_t a, int64_t b) { return (a == 1) != (b == 1); }

/// Refuses Q, K, V (4-D, batch and heads first) whose batch or head dims
/// broadcast against each other. K/V heads of 1 against more query heads
/// are grouped queries, which the op reads.
LogicalResult checkNoStretch(RewriterBase &rewriter, MatmulOp pv, Value q,
                             Value k, Value v) {
  if (stretches(dimOf(q, 0), dimOf(k, 0)) ||
      stretches(dimOf(q, 0), dimOf(v, 0)))
    return rewriter.notifyMatchFailure(
        pv, "Q, K and V broadcast along the batch (the op reads them at the "
            "same batch row)");
  if (stretches(dimOf(k, 1), dimOf(v, 1)) ||
      (dimOf(q, 1) == 1 && dimOf(k, 1) != 1))
    return rewriter.notifyMatchFailure(
        pv, "the heads broadcast (the op takes K/V heads that divide the "
            "query heads)");
  return success();
}

} // namespace

FailureOr<AttentionOp> mlir::xf::fuseAttention(RewriterBase &rewriter,
                                               MatmulOp pv) {
  // 1. P · V, P = softmax over the keys, used only here.
  auto softmax = pv.getLhs().getDefiningOp<SoftmaxOp>();
  if (!softmax)
    return rewriter.notifyMatchFailure(pv, "the lhs is not a softmax");
  int64_t rank = softmax.getType().getRank();
  if (rank != 4 && rank != 5)
    return rewriter.notifyMatchFailure(
        pv, "the scores are neither [B, H, Lq, Lk] nor, grouped, "
            "[B, Hkv, G, Lq, Lk]");
  if (softmax.getAxis() != rank - 1)
    return rewriter.notifyMatchFailure(pv,
                                       "the softmax axis is not the key axis");
  if (!softmax->hasOneUse())
    return rewriter.notifyMatchFailure(
        pv, "the attention probabilities have another use");
  if (pv.getTransposeA() || pv.getTransposeB())
    return rewriter.notifyMatchFailure(pv, "P or V is read transposed");

  // 2. Optional masked_fill with a finite value, optional scale.
  Value scores = softmax.getInput();
  float maskValue = -1e9f;
  SmallVector<Value> fills;
  if (auto fill = scores.getDefiningOp<MaskedFillOp>()) {
    if (!fill->hasOneUse())
      return rewriter.notifyMatchFailure(pv,
                                         "the masked scores have another use");
    maskValue = fill.getValue().convertToFloat();
    if (!std::isfinite(maskValue))
      return rewriter.notifyMatchFailure(
          pv, "the fill value is not finite (fully masked rows would differ)");
    fills.push_back(fill.getMask());
    scores = fill.getInput();
  }
  double scale = 1.0;
  if (auto s = scores.getDefiningOp<ScaleOp>()) {
    if (!s->hasOneUse())
      return rewriter.notifyMatchFailure(pv,
                                         "the scaled scores have another use");
    scale = s.getFactor().convertToFloat();
    scores = s.getInput();
  }

  // 3. Q · Kᵀ, used only here; a scale on Q moves into the op.
  auto qk = scores.getDefiningOp<MatmulOp>();
  if (!qk)
    return rewriter.notifyMatchFailure(pv, "the scores are not a matmul");
  if (!qk->hasOneUse())
    return rewriter.notifyMatchFailure(pv, "the scores have another use");
  if (qk.getTransposeA())
    return rewriter.notifyMatchFailure(pv, "Q is read transposed");
  Value q = qk.getLhs(), k = qk.getRhs(), v = pv.getRhs();
  if (auto s = q.getDefiningOp<ScaleOp>(); s && s->hasOneUse()) {
    scale *= s.getFactor().convertToFloat();
    q = s.getInput();
  }
  // Grouped queries: Q [B, H, Lq, d] viewed as [B, Hkv, G, Lq, d] against
  // K and V [B, Hkv, L, d] viewed as [B, Hkv, 1, L, d]; the op takes the
  // 4-D tensors (K/V heads shared by each group of G query heads).
  ReshapeOp qGroups;
  if (rank == 5) {
    qGroups = q.getDefiningOp<ReshapeOp>();
    if (!qGroups || !qGroups->hasOneUse() ||
        failed(groupedInputs(qGroups, q, k, v)))
      return rewriter.notifyMatchFailure(
          pv, "5-D scores whose Q, K, V are not the 4-D heads viewed as "
              "[B, Hkv, G, L, d] and [B, Hkv, 1, L, d]");
  }
  auto rank4 = [](Value x) {
    return cast<RankedTensorType>(x.getType()).getRank() == 4;
  };
  if (!rank4(q) || !rank4(k) || !rank4(v))
    return rewriter.notifyMatchFailure(pv, "Q, K or V is not 4-D");
  if (failed(checkNoStretch(rewriter, pv, q, k, v)))
    return failure();

  // 4. Masks.
  MaskParts parts;
  SmallVector<Value> rest;
  for (Value m : fills)
    if (!splitMask(m, rank, parts, rest))
      return rewriter.notifyMatchFailure(
          pv, "two different padding masks, or causal masks with different "
              "offsets");
  // The ids are [batch, keys] (xf.padding_mask's rule).
  if (parts.keyIds &&
      (stretches(dimOf(parts.keyIds, 0), dimOf(q, 0)) ||
       stretches(dimOf(parts.keyIds, 1),
                 dimOf(k, qk.getTransposeB() ? 2 : 3))))
    return rewriter.notifyMatchFailure(
        pv, "the padding ids broadcast over the batch or the keys (the op "
            "reads one id per batch row and key)");
  if (rest.size() > 1)
    return rewriter.notifyMatchFailure(pv, "more than one general mask");
  if (rank == 5 && !rest.empty())
    return rewriter.notifyMatchFailure(
        pv, "a general mask with grouped queries (only padding and causal)");
  parts.mask = rest.empty() ? Value() : rest.front();

  // 5. Head transposes become layouts.
  Layout qLayout = Layout::BHSD, vLayout = Layout::BHSD,
         outLayout = Layout::BHSD;
  Layout kLayout = qk.getTransposeB() ? Layout::BHSD : Layout::BHDS;
  if (Value x = headTransposeInput(q)) {
    q = x;
    qLayout = Layout::BSHD;
  }
  if (kLayout == Layout::BHSD) {
    if (Value x = headTransposeInput(k)) {
      k = x;
      kLayout = Layout::BSHD;
    }
  } else if (auto t = k.getDefiningOp<TransposeOp>();
             t && t->hasOneUse() &&
             llvm::equal(t.getPermutation(), ArrayRef<int64_t>{0, 2, 3, 1})) {
    // Kᵀ of a head split, composed into one transpose [B,L,H,d] → [B,H,d,L].
    k = t.getInput();
    kLayout = Layout::BSHD;
  }
  if (Value x = headTransposeInput(v)) {
    v = x;
    vLayout = Layout::BSHD;
  }
  Operation *replaced = pv;
  // The head merge: [0, 2, 1, 3], or [0, 3, 1, 2, 4] of grouped heads.
  SmallVector<int64_t> merge = {0, 2, 1, 3};
  if (rank == 5)
    merge = {0, 3, 1, 2, 4};
  if (pv->hasOneUse())
    if (auto t = dyn_cast<TransposeOp>(*pv->getUsers().begin()))
      if (llvm::equal(t.getPermutation(), merge)) {
        outLayout = Layout::BSHD;
        replaced = t;
      }

  // The op's own shape rules decide last: whatever the checks above missed
  // stays unfused with a reason rather than building an op that does not
  // verify, or one whose type differs from the value it replaces.
  MLIRContext *ctx = rewriter.getContext();
  OperationState state(softmax.getLoc(), AttentionOp::getOperationName());
  AttentionOp::build(
      rewriter, state, TypeRange{}, q, k, v, parts.keyIds, parts.mask,
      parts.queryOffsets, rewriter.getF32FloatAttr(static_cast<float>(scale)),
      rewriter.getBoolAttr(parts.causal),
      rewriter.getI64IntegerAttr(parts.padId),
      rewriter.getF32FloatAttr(maskValue), LayoutAttr::get(ctx, qLayout),
      LayoutAttr::get(ctx, kLayout), LayoutAttr::get(ctx, vLayout),
      LayoutAttr::get(ctx, outLayout));
  SmallVector<Type, 1> inferred;
  if (failed(AttentionOp::inferReturnTypes(
          ctx, std::nullopt, state.operands, state.attributes.getDictionary(ctx),
          state.getRawProperties(), state.regions, inferred)))
    return rewriter.notifyMatchFailure(
        pv, "Q, K, V and the masks do not fit one xf.attention");
  Type replacedType = replaced->getResult(0).getType();
  if (!qGroups && inferred.front() != replacedType)
    return rewriter.notifyMatchFailure(pv, [&](Diagnostic &diag) {
      diag << "the fused result " << inferred.front()
           << " would replace a value of type " << replacedType;
    });
  state.addTypes(inferred);
  rewriter.setInsertionPoint(replaced);
  auto attention = cast<AttentionOp>(rewriter.create(state));
  LLVM_DEBUG(llvm::dbgs() << "fused " << attention << "\n");
  Value result = attention.getResult();
  if (qGroups) {
    // Back to the grouped view the users read: [B, Hkv, G, Lq, dv], or
    // [B, Lq, Hkv, G, dv] after the merge. Its dynamic dims are B and Lq,
    // in that order, as those of Q's grouped view.
    auto grouped = cast<RankedTensorType>(replaced->getResult(0).getType());
    result = ReshapeOp::create(rewriter, softmax.getLoc(), grouped, result,
                               qGroups.getDynamicDims());
  }
  rewriter.replaceOp(replaced, result);
  return attention;
}

namespace {

struct FuseAttentionPattern : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    return fuseAttention(rewriter, op);
  }
};

/// Keeps the last reason a match failed, for --explain-fusion.
struct ReasonListener : RewriterBase::Listener {
  std::string reason;
  void
  notifyMatchFailure(Location loc,
                     function_ref<void(Diagnostic &)> reasonCallback) override {
    Diagnostic diag(loc, DiagnosticSeverity::Remark);
    reasonCallback(diag);
    reason = diag.str();
  }
};

struct XfFuseAttentionPass final
    : mlir::xf::impl::XfFuseAttentionPassBase<XfFuseAttentionPass> {
  using Base::Base;
  void runOnOperation() override {
    // Every softmax is a candidate; its consumer decides.
    SmallVector<SoftmaxOp> candidates(getOperation().getOps<SoftmaxOp>());
    for (SoftmaxOp softmax : candidates) {
      Location loc = softmax.getLoc();
      ReasonListener listener;
      IRRewriter rewriter(&getContext(), &listener);
      std::string reason;
      MatmulOp pv;
      if (softmax->hasOneUse())
        pv = dyn_cast<MatmulOp>(*softmax->getUsers().begin());
      if (!pv || pv.getLhs() != softmax.getResult())
        reason = softmax->hasOneUse()
                     ? "the probabilities are not multiplied by V"
                     : "the attention probabilities have another use";
      else if (failed(fuseAttention(rewriter, pv)))
        reason = listener.reason;
      if (explain)
        emitRemark(loc) << "attention: "
                        << (reason.empty() ? "fused" : "not fused: " + reason);
    }
  }
};

} // namespace

void mlir::xf::populateXfFuseAttentionPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseAttentionPattern>(patterns.getContext());
}
