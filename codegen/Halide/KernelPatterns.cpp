//===- KernelPatterns.cpp - Fused xf ops handed to Halide kernels ---------===//
//
// With `convert-xf-to-linalg{halide-kernels=...}`, the ops of the chosen
// classes become calls of declarations marked `xf.halide_kernel` (codegen/
// Common/KernelCalls.h) instead of linalg, where the Halide kernels
// (halide/) cover them:
//   matmul     xf.matmul of x [..., K] by a weight W [N, K] (transpose_b)
//              or [K, N], with its bias and activation, and an xf.add of
//              a residual of the result's shape when the product has no
//              other use (fuseXfLinearResidualsForHalide, before the
//              conversion); x's leading dims are collapsed into rows
//              (linear);
//   attention  xf.attention without a boolean mask or cache offsets, static
//              head counts and width;
//   norm       xf.layer_norm (residual, weight, bias) and xf.rms_norm, rows
//              collapsed;
//   embedding  xf.embedding of a static table, the ids collapsed;
//   positions  xf.sinusoid_table, xf.sinusoid (positions collapsed) and
//              xf.rope on [..., L, D] (its leading dims collapsed; those
//              between the first and L static).
// Every other op, and these where they do not qualify, keep the MLIR
// lowering; with `halide-explain` each op of a chosen class says which.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/KernelCalls.h"
#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include <optional>

using namespace mlir;
using namespace mlir::xf;

namespace {

/// Remarks for --explain-fusion, when asked for.
struct Explain {
  bool enabled;
  LogicalResult kept(Operation *op, const Twine &why) const {
    if (enabled)
      op->emitRemark() << op->getName() << " keeps the MLIR kernel: " << why;
    return failure();
  }
  void taken(Operation *op, StringRef kind) const {
    if (enabled)
      op->emitRemark() << op->getName() << " runs as the Halide " << kind
                       << " kernel";
  }
};

/// A conversion of `Op` to a Halide kernel call, preferred over the MLIR
/// lowerings (benefit 3), with --explain-fusion remarks when asked for.
template <typename Op>
struct HalidePattern : OpConversionPattern<Op> {
  HalidePattern(MLIRContext *ctx, Explain explain)
      : OpConversionPattern<Op>(ctx, /*benefit=*/3), explain(explain) {}
  Explain explain;
};

/// `v` (a tensor or a memref) [d0, ..., dn-1, last] as [d0·...·dn-1, last].
template <typename CollapseOp>
Value collapseRows(OpBuilder &b, Location loc, Value v) {
  int64_t rank = cast<ShapedType>(v.getType()).getRank();
  if (rank == 2)
    return v;
  ReassociationIndices rows;
  for (int64_t d = 0; d + 1 < rank; ++d)
    rows.push_back(d);
  return CollapseOp::create(b, loc, v,
                            ArrayRef<ReassociationIndices>{rows, {rank - 1}});
}

/// Replaces `op` by a Halide kernel on rows: the first `rowsOperands`
/// operands ([..., n] like `shapeOf`) collapse into [rows, n], and the
/// kernel writes the op's result through a [rows, last] view of it (the
/// result itself is never reshaped as a memref: expand-strided-metadata
/// fails on memref.expand_shape with several dynamic sizes in one group).
void replaceOnRows(RewriterBase &rewriter, Operation *op,
                   StringRef kind, DictionaryAttr spec, Value shapeOf,
                   SmallVector<Value> operands, unsigned rowsOperands) {
  Location loc = op->getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  for (unsigned i = 0; i < rowsOperands; ++i)
    operands[i] =
        collapseRows<tensor::CollapseShapeOp>(rewriter, loc, operands[i]);
  SmallVector<Value> dynSizes;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      dynSizes.push_back(tensor::DimOp::create(rewriter, loc, shapeOf, d));
  replaceWithKernelCall(
      rewriter, op, XfDialect::getHalideKernelAttrName(), kind, spec, operands,
      resultType, dynSizes, [&](Value out) {
        return collapseRows<memref::CollapseShapeOp>(rewriter, loc, out);
      });
}

/// Replaces `op`, whose result is [ids..., width], by a Halide kernel on
/// `operands` and `ids` flattened to one dim; the kernel writes the result
/// through an [N, width] view of it.
void replaceOnIds(ConversionPatternRewriter &rewriter, Operation *op,
                  StringRef kind, DictionaryAttr spec,
                  SmallVector<Value> operands, Value ids) {
  Location loc = op->getLoc();
  auto idsType = cast<RankedTensorType>(ids.getType());
  Value flat = ids;
  if (idsType.getRank() > 1) {
    ReassociationIndices all;
    for (int64_t d = 0; d < idsType.getRank(); ++d)
      all.push_back(d);
    flat = tensor::CollapseShapeOp::create(rewriter, loc, ids,
                                           ArrayRef<ReassociationIndices>{all});
  }
  operands.push_back(flat);
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Value> dynSizes;
  for (int64_t d = 0; d + 1 < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynSizes.push_back(tensor::DimOp::create(rewriter, loc, ids, d));
  replaceWithKernelCall(
      rewriter, op, XfDialect::getHalideKernelAttrName(), kind, spec, operands,
      type, dynSizes, [&](Value out) {
        return collapseRows<memref::CollapseShapeOp>(rewriter, loc, out);
      });
}

/// Whether `op` is a linear layer (not a batched product, which unfused
/// attention makes); "" when the Halide linear kernel takes it, else why
/// not.
std::optional<StringRef> linearUnsupported(MatmulOp op) {
  auto x = cast<RankedTensorType>(op.getLhs().getType());
  auto w = cast<RankedTensorType>(op.getRhs().getType());
  if (w.getRank() != 2 || x.getRank() < 2)
    return std::nullopt;
  if (op.getTransposeA())
    return StringRef("x is transposed");
  if (!w.hasStaticShape() || x.isDynamicDim(x.getRank() - 1))
    return StringRef("K or N is dynamic");
  return StringRef();
}

/// Replaces `replaced` (`op`, or the add of `residual` to its result) by
/// the Halide linear kernel on x, w, bias (`op`'s operands as converted)
/// and `residual` (null: none).
void replaceWithLinear(RewriterBase &rewriter, MatmulOp op, Value x, Value w,
                       Value bias, Value residual, Operation *replaced) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  int64_t k = xType.getDimSize(xType.getRank() - 1);
  int64_t n = wType.getDimSize(op.getTransposeB() ? 0 : 1);
  Builder b(op.getContext());
  DictionaryAttr spec = b.getDictionaryAttr(
      {b.getNamedAttr("transpose_b", b.getBoolAttr(op.getTransposeB())),
       b.getNamedAttr("bias", b.getBoolAttr(bool(bias))),
       b.getNamedAttr("residual", b.getBoolAttr(bool(residual))),
       b.getNamedAttr("activation",
                      b.getStringAttr(stringifyActivation(op.getActivation()))),
       b.getNamedAttr("k", b.getI64IntegerAttr(k)),
       b.getNamedAttr("n", b.getI64IntegerAttr(n))});
  // The kernel's operand order: x, [residual], w, [bias].
  SmallVector<Value> operands = {x};
  if (residual)
    operands.push_back(residual);
  operands.push_back(w);
  if (bias)
    operands.push_back(bias);
  replaceOnRows(rewriter, replaced, "linear", spec, x, operands,
                /*rowsOperands=*/residual ? 2 : 1);
}

struct HalideMatmul : HalidePattern<MatmulOp> {
  using HalidePattern::HalidePattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    std::optional<StringRef> why = linearUnsupported(op);
    if (!why)
      return failure(); // a batched product: no remark
    if (!why->empty())
      return explain.kept(op, *why);
    explain.taken(op, "linear");
    replaceWithLinear(rewriter, op, adaptor.getLhs(), adaptor.getRhs(),
                      adaptor.getBias(), /*residual=*/nullptr, op);
    return success();
  }
};

template <typename NormOp>
struct HalideNorm : HalidePattern<NormOp> {
  using HalidePattern<NormOp>::HalidePattern;
  using HalidePattern<NormOp>::explain;

  LogicalResult
  matchAndRewrite(NormOp op, typename NormOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    constexpr bool rms = std::is_same_v<NormOp, RmsNormOp>;
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getRank() < 2 || type.isDynamicDim(type.getRank() - 1))
      return explain.kept(op, "not rows of a static width");
    int64_t n = type.getDimSize(type.getRank() - 1);
    Builder b(op.getContext());
    SmallVector<NamedAttribute> spec = {
        b.getNamedAttr("n", b.getI64IntegerAttr(n)),
        b.getNamedAttr("weight", b.getBoolAttr(bool(adaptor.getWeight()))),
        b.getNamedAttr("epsilon", op.getEpsilonAttr())};
    SmallVector<Value> operands = {input};
    unsigned rowsOperands = 1;
    if constexpr (!rms) {
      if (adaptor.getResidual()) {
        if (adaptor.getResidual().getType() != input.getType())
          return explain.kept(op, "a broadcast residual");
        operands.push_back(adaptor.getResidual());
        rowsOperands = 2;
      }
      spec.push_back(
          b.getNamedAttr("residual", b.getBoolAttr(bool(adaptor.getResidual()))));
      spec.push_back(
          b.getNamedAttr("bias", b.getBoolAttr(bool(adaptor.getBias()))));
    }
    if (adaptor.getWeight())
      operands.push_back(adaptor.getWeight());
    if constexpr (!rms)
      if (adaptor.getBias())
        operands.push_back(adaptor.getBias());
    StringRef kind = rms ? "rms_norm" : "layer_norm";
    explain.taken(op, kind);
    replaceOnRows(rewriter, op, kind, b.getDictionaryAttr(spec), input,
                  operands, rowsOperands);
    return success();
  }
};

struct HalideAttention : HalidePattern<AttentionOp> {
  using HalidePattern::HalidePattern;

  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (adaptor.getMask())
      return explain.kept(op, "a boolean mask");
    if (adaptor.getQueryOffsets())
      return explain.kept(op, "attention over a generation cache");
    auto q = cast<RankedTensorType>(adaptor.getQuery().getType());
    auto k = cast<RankedTensorType>(adaptor.getKey().getType());
    auto outType = cast<RankedTensorType>(op.getType());
    Layout qL = op.getQLayout(), kL = op.getKLayout();
    int64_t heads = q.getDimSize(headsAxis(qL)),
            kvHeads = k.getDimSize(headsAxis(kL)),
            width = q.getDimSize(widthAxis(qL));
    if (ShapedType::isDynamic(heads) || ShapedType::isDynamic(kvHeads) ||
        ShapedType::isDynamic(width))
      return explain.kept(op, "dynamic head counts or width");
    Builder b(op.getContext());
    auto layout = [&](Layout l) {
      return b.getStringAttr(stringifyLayout(l));
    };
    DictionaryAttr spec = b.getDictionaryAttr(
        {b.getNamedAttr("q_layout", layout(qL)),
         b.getNamedAttr("k_layout", layout(kL)),
         b.getNamedAttr("v_layout", layout(op.getVLayout())),
         b.getNamedAttr("out_layout", layout(op.getOutLayout())),
         b.getNamedAttr("heads", b.getI64IntegerAttr(heads)),
         b.getNamedAttr("kv_heads", b.getI64IntegerAttr(kvHeads)),
         b.getNamedAttr("head_dim", b.getI64IntegerAttr(width)),
         b.getNamedAttr("scale", op.getScaleAttr()),
         b.getNamedAttr("causal", b.getBoolAttr(op.getCausal())),
         b.getNamedAttr("key_ids", b.getBoolAttr(bool(adaptor.getKeyIds()))),
         b.getNamedAttr("pad_id", op.getPadIdAttr()),
         b.getNamedAttr("mask_value", op.getMaskValueAttr())});
    SmallVector<Value> operands = {adaptor.getQuery(), adaptor.getKey(),
                                   adaptor.getValue()};
    if (adaptor.getKeyIds())
      operands.push_back(adaptor.getKeyIds());
    // The result's batch and query dims are the query's (its head count
    // and width are static).
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < outType.getRank(); ++d)
      if (outType.isDynamicDim(d))
        dynSizes.push_back(tensor::DimOp::create(
            rewriter, op.getLoc(), adaptor.getQuery(),
            d == 0 ? 0 : seqAxis(qL)));
    explain.taken(op, "attention");
    replaceWithKernelCall(rewriter, op, XfDialect::getHalideKernelAttrName(),
                          "attention", spec, operands, outType, dynSizes);
    return success();
  }
};

struct HalideEmbedding : HalidePattern<EmbeddingOp> {
  using HalidePattern::HalidePattern;

  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto table = cast<RankedTensorType>(adaptor.getTable().getType());
    auto ids = cast<RankedTensorType>(adaptor.getIds().getType());
    if (!table.hasStaticShape() || table.getRank() != 2 || ids.getRank() < 1)
      return explain.kept(op, "a dynamic table");
    Builder b(op.getContext());
    DictionaryAttr spec = b.getDictionaryAttr(
        {b.getNamedAttr("rows", b.getI64IntegerAttr(table.getDimSize(0))),
         b.getNamedAttr("width", b.getI64IntegerAttr(table.getDimSize(1)))});
    explain.taken(op, "embedding");
    replaceOnIds(rewriter, op, "embedding", spec, {adaptor.getTable()},
                 adaptor.getIds());
    return success();
  }
};

/// `v` [d0, ..., dn-3, L, D] as [d0·...·dn-3, L, D] (a tensor or memref).
template <typename CollapseOp>
Value collapseToRank3(OpBuilder &b, Location loc, Value v) {
  int64_t rank = cast<ShapedType>(v.getType()).getRank();
  if (rank == 3)
    return v;
  ReassociationIndices lead;
  for (int64_t d = 0; d + 2 < rank; ++d)
    lead.push_back(d);
  return CollapseOp::create(
      b, loc, v, ArrayRef<ReassociationIndices>{lead, {rank - 2}, {rank - 1}});
}

struct HalideSinusoidTable : HalidePattern<SinusoidTableOp> {
  using HalidePattern::HalidePattern;
  LogicalResult
  matchAndRewrite(SinusoidTableOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Builder b(op.getContext());
    DictionaryAttr spec = b.getDictionaryAttr(
        {b.getNamedAttr("dim", op.getDimAttr()),
         b.getNamedAttr("table", b.getBoolAttr(true))});
    auto type = cast<RankedTensorType>(op.getType());
    SmallVector<Value> dynSizes;
    if (type.isDynamicDim(0))
      dynSizes.push_back(adaptor.getLength());
    explain.taken(op, "sinusoid");
    replaceWithKernelCall(rewriter, op, XfDialect::getHalideKernelAttrName(),
                          "sinusoid", spec, {}, type, dynSizes);
    return success();
  }
};

struct HalideSinusoid : HalidePattern<SinusoidOp> {
  using HalidePattern::HalidePattern;
  LogicalResult
  matchAndRewrite(SinusoidOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Builder b(op.getContext());
    DictionaryAttr spec = b.getDictionaryAttr(
        {b.getNamedAttr("dim", op.getDimAttr()),
         b.getNamedAttr("table", b.getBoolAttr(false))});
    explain.taken(op, "sinusoid");
    replaceOnIds(rewriter, op, "sinusoid", spec, {}, adaptor.getPositions());
    return success();
  }
};

struct HalideRope : HalidePattern<RopeOp> {
  using HalidePattern::HalidePattern;
  LogicalResult
  matchAndRewrite(RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = type.getRank();
    if (rank < 3 || type.isDynamicDim(rank - 1))
      return explain.kept(op, "not [..., L, D] with a static D");
    int64_t group = 1;
    for (int64_t d = 1; d + 2 < rank; ++d) {
      if (type.isDynamicDim(d))
        return explain.kept(op, "a dynamic dim between the batch and L");
      group *= type.getDimSize(d);
    }
    Builder b(op.getContext());
    DictionaryAttr spec = b.getDictionaryAttr(
        {b.getNamedAttr("width", b.getI64IntegerAttr(type.getDimSize(rank - 1))),
         b.getNamedAttr("group", b.getI64IntegerAttr(group)),
         b.getNamedAttr("base", op.getBaseAttr()),
         b.getNamedAttr("positions",
                        b.getBoolAttr(bool(adaptor.getPositions())))});
    SmallVector<Value> operands = {collapseToRank3<tensor::CollapseShapeOp>(
        rewriter, loc, adaptor.getInput())};
    if (adaptor.getPositions())
      operands.push_back(adaptor.getPositions());
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (type.isDynamicDim(d))
        dynSizes.push_back(
            tensor::DimOp::create(rewriter, loc, adaptor.getInput(), d));
    explain.taken(op, "rope");
    replaceWithKernelCall(
        rewriter, op, XfDialect::getHalideKernelAttrName(), "rope", spec,
        operands, type, dynSizes, [&](Value out) {
          return collapseToRank3<memref::CollapseShapeOp>(rewriter, loc, out);
        });
    return success();
  }
};

} // namespace

void mlir::xf::fuseXfLinearResidualsForHalide(Operation *root, bool explain) {
  SmallVector<std::pair<AddOp, MatmulOp>> found;
  root->walk([&](AddOp add) {
    for (unsigned i = 0; i < 2; ++i) {
      auto mm = add->getOperand(i).getDefiningOp<MatmulOp>();
      Value residual = add->getOperand(1 - i);
      std::optional<StringRef> why = mm ? linearUnsupported(mm) : std::nullopt;
      if (why && why->empty() && mm->hasOneUse() &&
          residual.getType() == add.getType() &&
          mm.getType() == add.getType() && residual != mm.getResult()) {
        found.push_back({add, mm});
        return;
      }
    }
  });
  IRRewriter rewriter(root->getContext());
  for (auto [add, mm] : found) {
    Value residual = add.getLhs() == mm.getResult() ? add.getRhs() : add.getLhs();
    if (explain) {
      mm->emitRemark() << mm->getName()
                       << " runs as the Halide linear kernel with the "
                          "residual add as its epilogue";
      add->emitRemark() << add->getName()
                        << " runs in the Halide linear kernel's epilogue";
    }
    rewriter.setInsertionPoint(add);
    replaceWithLinear(rewriter, mm, mm.getLhs(), mm.getRhs(), mm.getBias(),
                      residual, add);
    rewriter.eraseOp(mm);
  }
}

void mlir::xf::populateXfHalidePatterns(RewritePatternSet &patterns,
                                        ArrayRef<std::string> classes,
                                        bool explain) {
  MLIRContext *ctx = patterns.getContext();
  Explain e{explain};
  for (const std::string &c : classes) {
    if (c == "matmul")
      patterns.add<HalideMatmul>(ctx, e);
    else if (c == "attention")
      patterns.add<HalideAttention>(ctx, e);
    else if (c == "norm")
      patterns.add<HalideNorm<LayerNormOp>, HalideNorm<RmsNormOp>>(ctx, e);
    else if (c == "embedding")
      patterns.add<HalideEmbedding>(ctx, e);
    else if (c == "positions")
      patterns.add<HalideSinusoidTable, HalideSinusoid, HalideRope>(ctx, e);
  }
}
