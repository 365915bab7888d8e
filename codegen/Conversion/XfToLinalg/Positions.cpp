//===- Positions.cpp - embeddings, position tables, masks from ids, rotary ===//
//
// Token embeddings (gathers), sinusoidal tables, vectors and aranges, a
// generation step's positions, causal and padding masks, and rotary
// positions.
//
//===----------------------------------------------------------------------===//

#include "codegen/Conversion/XfToLinalg/Builders.h"
#include "codegen/Conversion/XfToLinalg/Patterns.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::linalg_lowering;

namespace {

struct EmbeddingLowering : OpConversionPattern<EmbeddingOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(EmbeddingOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value table = adaptor.getTable(), ids = adaptor.getIds();
    RankedTensorType out = op.getType();
    unsigned rank = out.getRank();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, ids);
    sizes.push_back(tensor::getMixedSize(rewriter, loc, table, 1));
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, out.getElementType());
    SmallVector<AffineMap> maps = {
        dropDimMap(ctx, rank, rank - 1),
        AffineMap::getMultiDimIdentityMap(rank, ctx)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{out}, ValueRange{ids}, ValueRange{init}, maps,
        parallel(rank), [&](OpBuilder &b, Location l, ValueRange a) {
          // The runtime checks ids against the vocabulary before the call.
          Value row = arith::IndexCastOp::create(b, l, b.getIndexType(), a[0]);
          Value col = linalg::IndexOp::create(b, l, rank - 1);
          Value v =
              tensor::ExtractOp::create(b, l, table, ValueRange{row, col});
          linalg::YieldOp::create(b, l, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Ops computed from indices alone (tables and masks).
template <typename XfOp> struct IndexTableLowering : OpConversionPattern<XfOp> {
  using OpConversionPattern<XfOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(XfOp op, typename XfOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // Computed from index operands alone (a causal mask with per-row
    // offsets has its own pattern).
    if (llvm::any_of(op->getOperandTypes(), llvm::IsaPred<TensorType>))
      return rewriter.notifyMatchFailure(op, "has tensor operands");
    Location loc = op.getLoc();
    RankedTensorType out = op.getType();
    SmallVector<OpFoldResult> sizes = this->sizes(op, adaptor, rewriter);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, out.getElementType());
    unsigned rank = out.getRank();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{out}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{
            AffineMap::getMultiDimIdentityMap(rank, rewriter.getContext())},
        parallel(rank), [&](OpBuilder &b, Location l, ValueRange) {
          SmallVector<Value> idx;
          for (unsigned d = 0; d < rank; ++d)
            idx.push_back(linalg::IndexOp::create(b, l, d));
          linalg::YieldOp::create(b, l, compute(op, b, l, idx));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
  SmallVector<OpFoldResult> sizes(XfOp op, typename XfOp::Adaptor adaptor,
                                  OpBuilder &b) const;
  static Value compute(XfOp op, OpBuilder &b, Location l, ValueRange idx);
};

template <>
SmallVector<OpFoldResult> IndexTableLowering<SinusoidTableOp>::sizes(
    SinusoidTableOp op, SinusoidTableOp::Adaptor adaptor, OpBuilder &b) const {
  return {adaptor.getLength(), b.getIndexAttr(op.getDim())};
}
/// Element `column` of the sinusoidal vector of the position `pos` (an i64),
/// as PyTorch computes it in f32: angle = p * exp(2i * (-ln(1e4) / D)).
Value sinusoidAt(OpBuilder &b, Location l, Value pos, Value column,
                 int64_t dim) {
  auto toF32 = [&](Value index) -> Value {
    Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), index);
    return arith::SIToFPOp::create(b, l, b.getF32Type(), i);
  };
  Value two = indexConst(b, l, 2);
  Value odd = arith::RemUIOp::create(b, l, column, two);
  Value even = arith::SubIOp::create(b, l, column, odd);
  Value factor = f32Const(b, l, -std::log(10000.0) / dim);
  Value divTerm = math::ExpOp::create(
      b, l, arith::MulFOp::create(b, l, toF32(even), factor));
  Value posF32 = arith::SIToFPOp::create(b, l, b.getF32Type(), pos);
  Value angle = arith::MulFOp::create(b, l, posF32, divTerm);
  Value isOdd = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, odd,
                                      indexConst(b, l, 0));
  return arith::SelectOp::create(b, l, isOdd, math::CosOp::create(b, l, angle),
                                 math::SinOp::create(b, l, angle));
}

template <>
Value IndexTableLowering<SinusoidTableOp>::compute(SinusoidTableOp op,
                                                   OpBuilder &b, Location l,
                                                   ValueRange idx) {
  Value pos = arith::IndexCastOp::create(b, l, b.getI64Type(), idx[0]);
  return sinusoidAt(b, l, pos, idx[1], op.getDim());
}

/// xf.sinusoid: the table's formula at the positions of an id tensor.
struct SinusoidLowering : OpConversionPattern<SinusoidOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SinusoidOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value pos = adaptor.getPositions();
    RankedTensorType out = op.getType();
    unsigned rank = out.getRank();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, pos);
    sizes.push_back(rewriter.getIndexAttr(op.getDim()));
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, out.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = {
        dropDimMap(ctx, rank, rank - 1),
        AffineMap::getMultiDimIdentityMap(rank, ctx)};
    int64_t dim = op.getDim();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{out}, ValueRange{pos}, ValueRange{init}, maps,
        parallel(rank), [&](OpBuilder &b, Location l, ValueRange a) {
          Value column = linalg::IndexOp::create(b, l, rank - 1);
          linalg::YieldOp::create(b, l, sinusoidAt(b, l, a[0], column, dim));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// xf.positions: offsets[b] + t over [B, length].
struct PositionsLowering : OpConversionPattern<PositionsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PositionsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value offsets = adaptor.getOffsets();
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, offsets, 0), adaptor.getLength()};
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getI64Type());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = {dropDimMap(ctx, 2, 1),
                                   AffineMap::getMultiDimIdentityMap(2, ctx)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{op.getType()}, ValueRange{offsets},
        ValueRange{init}, maps, parallel(2),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value t = arith::IndexCastOp::create(
              b, l, b.getI64Type(), linalg::IndexOp::create(b, l, 1));
          linalg::YieldOp::create(b, l,
                                  ValueRange{arith::AddIOp::create(b, l, a[0], t)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// xf.causal_mask with per-row offsets: k > offsets[b] + q over [B, Lq, Lk].
struct CausalOffsetsLowering : OpConversionPattern<CausalMaskOp> {
  CausalOffsetsLowering(MLIRContext *ctx)
      : OpConversionPattern<CausalMaskOp>(ctx, /*benefit=*/2) {}
  LogicalResult
  matchAndRewrite(CausalMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value offsets = adaptor.getOffsets();
    if (!offsets)
      return rewriter.notifyMatchFailure(op, "no offsets");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, offsets, 0),
        adaptor.getQueryLength(), adaptor.getKeyLength()};
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getI1Type());
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineMap> maps = {
        AffineMap::get(3, 0, {getAffineDimExpr(0, ctx)}, ctx),
        AffineMap::getMultiDimIdentityMap(3, ctx)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{op.getType()}, ValueRange{offsets},
        ValueRange{init}, maps, parallel(3),
        [&](OpBuilder &b, Location l, ValueRange a) {
          auto i64 = [&](unsigned d) -> Value {
            return arith::IndexCastOp::create(b, l, b.getI64Type(),
                                              linalg::IndexOp::create(b, l, d));
          };
          Value last = arith::AddIOp::create(b, l, a[0], i64(1));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt,
                                               i64(2), last)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

template <>
SmallVector<OpFoldResult>
IndexTableLowering<ArangeOp>::sizes(ArangeOp, ArangeOp::Adaptor adaptor,
                                    OpBuilder &) const {
  return {adaptor.getLength()};
}
template <>
Value IndexTableLowering<ArangeOp>::compute(ArangeOp, OpBuilder &b, Location l,
                                            ValueRange idx) {
  return arith::IndexCastOp::create(b, l, b.getI64Type(), idx[0]);
}

template <>
SmallVector<OpFoldResult> IndexTableLowering<CausalMaskOp>::sizes(
    CausalMaskOp, CausalMaskOp::Adaptor adaptor, OpBuilder &) const {
  return {adaptor.getQueryLength(), adaptor.getKeyLength()};
}
template <>
Value IndexTableLowering<CausalMaskOp>::compute(CausalMaskOp, OpBuilder &b,
                                                Location l, ValueRange idx) {
  return arith::CmpIOp::create(b, l, arith::CmpIPredicate::ugt, idx[1], idx[0]);
}

struct PaddingMaskLowering : OpConversionPattern<PaddingMaskOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PaddingMaskOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value ids = adaptor.getIds();
    SmallVector<OpFoldResult> sizes = {
        tensor::getMixedSize(rewriter, loc, ids, 0), rewriter.getIndexAttr(1),
        tensor::getMixedSize(rewriter, loc, ids, 1)};
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getI1Type());
    SmallVector<AffineMap> maps = {
        AffineMap::get(
            3, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(2, ctx)}, ctx),
        AffineMap::getMultiDimIdentityMap(3, ctx)};
    int64_t pad = op.getPadId();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{op.getType()}, ValueRange{ids},
        ValueRange{init}, maps, parallel(3),
        [&](OpBuilder &b, Location l, ValueRange a) {
          Value p = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(pad));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                               a[0], p)});
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct RopeLowering : OpConversionPattern<RopeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RopeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput(), positions = adaptor.getPositions();
    RankedTensorType type = op.getType();
    unsigned rank = type.getRank();
    Value width = tensor::DimOp::create(rewriter, loc, x, rank - 1);
    Value half = arith::DivUIOp::create(rewriter, loc, width,
                                        indexConst(rewriter, loc, 2));
    Value widthF = dimAsF32(rewriter, loc, x, rank - 1);
    float logBase = std::log(op.getBase().convertToFloat());
    Value init = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, x),
        type.getElementType());
    MLIRContext *ctx = rewriter.getContext();
    auto id = AffineMap::getMultiDimIdentityMap(rank, ctx);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{x}, ValueRange{init},
        SmallVector<AffineMap>{id, id}, parallel(rank),
        [&](OpBuilder &b, Location l, ValueRange a) {
          SmallVector<Value> idx;
          for (unsigned d = 0; d < rank; ++d)
            idx.push_back(linalg::IndexOp::create(b, l, d));
          Value i = idx.back();
          Value low =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, i, half);
          // Pair (i, i + D/2): the frequency index is i mod D/2.
          Value freqIdx = arith::RemUIOp::create(b, l, i, half);
          Value partner = arith::SelectOp::create(
              b, l, low, arith::AddIOp::create(b, l, i, half),
              arith::SubIOp::create(b, l, i, half));
          SmallVector<Value> pidx(idx.begin(), idx.end() - 1);
          pidx.push_back(partner);
          Value other = tensor::ExtractOp::create(b, l, x, pidx);
          auto toF32 = [&](Value index) -> Value {
            Value v = arith::IndexCastOp::create(b, l, b.getI64Type(), index);
            return arith::SIToFPOp::create(b, l, b.getF32Type(), v);
          };
          // angle = pos * base^(-2 j / D) = pos * exp(-2 j ln(base) / D).
          Value expo = arith::DivFOp::create(
              b, l,
              arith::MulFOp::create(b, l, toF32(freqIdx),
                                    f32Const(b, l, -2 * logBase)),
              widthF);
          Value pos;
          if (positions) {
            Value p = tensor::ExtractOp::create(
                b, l, positions, ValueRange{idx[0], idx[rank - 2]});
            pos = arith::SIToFPOp::create(b, l, b.getF32Type(), p);
          } else {
            pos = toF32(idx[rank - 2]);
          }
          Value angle = arith::MulFOp::create(b, l, pos,
                                              math::ExpOp::create(b, l, expo));
          Value c = math::CosOp::create(b, l, angle),
                s = math::SinOp::create(b, l, angle);
          Value xs = arith::MulFOp::create(b, l, other, s);
          Value signedXs = arith::SelectOp::create(
              b, l, low, arith::NegFOp::create(b, l, xs), xs);
          Value y = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, a[0], c), signedXs);
          linalg::YieldOp::create(b, l, y);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void linalg_lowering::populatePositionLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<EmbeddingLowering, IndexTableLowering<SinusoidTableOp>,
               IndexTableLowering<ArangeOp>, IndexTableLowering<CausalMaskOp>,
               CausalOffsetsLowering, PositionsLowering, SinusoidLowering,
               PaddingMaskLowering, RopeLowering>(patterns.getContext());
}
