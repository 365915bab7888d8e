//===- XfToLinalg.cpp - Lowering of xf ops to linalg on tensors -----------===//
//
// Dialect conversion patterns, one per xf op, each building `linalg.generic`s
// (or linalg.transpose / tensor.reshape). Broadcasting and matmul transposes
// are expressed in indexing maps, so no operand is copied to change its
// layout. `xf.attention` is decomposed into unfused xf ops first, which the
// same conversion then lowers.
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/Transforms/DialectConversion.h"
#include <cmath>

namespace mlir::xf {
#define GEN_PASS_DEF_CONVERTXFTOLINALGPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

Value f32Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc,
                                   b.getF32FloatAttr(static_cast<float>(v)));
}
Value indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Reductions may be reassociated (and multiply-adds contracted into FMAs)
/// so LLVM can vectorize them; results stay within the float tolerance.
arith::FastMathFlagsAttr reassoc(OpBuilder &b) {
  return arith::FastMathFlagsAttr::get(b.getContext(),
                                       arith::FastMathFlags::reassoc |
                                           arith::FastMathFlags::contract);
}

SmallVector<utils::IteratorType> parallel(unsigned n) {
  return SmallVector<utils::IteratorType>(n, utils::IteratorType::parallel);
}

/// The map reading an operand of shape `in`, broadcast (aligned right) into
/// an iteration space whose first `out.size()` dims are the output dims. A
/// static 1 that stretches reads index 0.
AffineMap broadcastMap(MLIRContext *ctx, ArrayRef<int64_t> in,
                       ArrayRef<int64_t> out, unsigned numDims) {
  SmallVector<AffineExpr> exprs;
  unsigned offset = out.size() - in.size();
  for (unsigned k = 0; k < in.size(); ++k) {
    if (in[k] == 1 && out[offset + k] != 1)
      exprs.push_back(getAffineConstantExpr(0, ctx));
    else
      exprs.push_back(getAffineDimExpr(offset + k, ctx));
  }
  return AffineMap::get(numDims, 0, exprs, ctx);
}

/// The sizes of `out`: static dims as attributes, dynamic ones read from the
/// first operand that has that dim (not stretched).
SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType out,
                                         ValueRange operands) {
  SmallVector<OpFoldResult> sizes;
  int64_t rank = out.getRank();
  for (int64_t i = 0; i < rank; ++i) {
    if (!out.isDynamicDim(i)) {
      sizes.push_back(b.getIndexAttr(out.getDimSize(i)));
      continue;
    }
    OpFoldResult size = b.getIndexAttr(1);
    for (Value v : operands) {
      auto t = cast<RankedTensorType>(v.getType());
      int64_t k = i - (rank - t.getRank());
      if (k >= 0 && t.getDimSize(k) != 1) {
        size = tensor::getMixedSize(b, loc, v, k);
        break;
      }
    }
    sizes.push_back(size);
  }
  return sizes;
}

/// A parallel generic computing `out` from `inputs` broadcast to its shape.
Value elementwise(OpBuilder &b, Location loc, RankedTensorType out,
                  ValueRange inputs, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = out.getRank();
  SmallVector<AffineMap> maps;
  for (Value in : inputs)
    maps.push_back(broadcastMap(ctx,
                                cast<RankedTensorType>(in.getType()).getShape(),
                                out.getShape(), rank));
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = tensor::EmptyOp::create(
      b, loc, broadcastSizes(b, loc, out, inputs), out.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{out}, inputs, ValueRange{init}, maps, parallel(rank),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
      });
  return generic.getResult(0);
}

/// Maps for a generic over the full shape of `x` (rank `rank`) in which
/// `reduced` operands lack dim `axis`.
AffineMap dropDimMap(MLIRContext *ctx, unsigned rank, int64_t axis) {
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < rank; ++d)
    if (static_cast<int64_t>(d) != axis)
      exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(rank, 0, exprs, ctx);
}

/// Reduces along `axis` of the full-shape operands `full` (the first sets
/// the shape), with `reduced` operands (shape without `axis`) broadcast
/// along it. `body(args..., acc)` returns the new accumulator.
Value reduceAlong(OpBuilder &b, Location loc, ValueRange full,
                  ValueRange reduced, int64_t axis, double init, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(full[0].getType());
  unsigned rank = type.getRank();
  SmallVector<OpFoldResult> sizes;
  SmallVector<int64_t> shape;
  for (unsigned d = 0; d < rank; ++d)
    if (static_cast<int64_t>(d) != axis) {
      sizes.push_back(tensor::getMixedSize(b, loc, full[0], d));
      shape.push_back(type.getDimSize(d));
    }
  auto outType = RankedTensorType::get(shape, b.getF32Type());
  Value empty = tensor::EmptyOp::create(b, loc, sizes, b.getF32Type());
  Value filled =
      linalg::FillOp::create(b, loc, ValueRange{f32Const(b, loc, init)},
                             ValueRange{empty})
          .getResult(0);
  SmallVector<AffineMap> maps;
  for (size_t i = 0; i < full.size(); ++i)
    maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  for (size_t i = 0; i < reduced.size(); ++i)
    maps.push_back(dropDimMap(ctx, rank, axis));
  maps.push_back(dropDimMap(ctx, rank, axis));
  SmallVector<utils::IteratorType> iters = parallel(rank);
  iters[axis] = utils::IteratorType::reduction;
  SmallVector<Value> inputs(full);
  inputs.append(reduced.begin(), reduced.end());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, inputs, ValueRange{filled}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return generic.getResult(0);
}

/// An elementwise generic over the shape of `full[0]` with `reduced`
/// operands broadcast along `axis` and `vectors` (rank 1) along the last dim.
Value mapAlong(OpBuilder &b, Location loc, ValueRange full, ValueRange reduced,
               ValueRange vectors, int64_t axis, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(full[0].getType());
  unsigned rank = type.getRank();
  SmallVector<AffineMap> maps;
  SmallVector<Value> inputs;
  for (Value v : full) {
    maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
    inputs.push_back(v);
  }
  for (Value v : reduced) {
    maps.push_back(dropDimMap(ctx, rank, axis));
    inputs.push_back(v);
  }
  for (Value v : vectors) {
    maps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, ctx)));
    inputs.push_back(v);
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, full[0]), b.getF32Type());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, parallel(rank),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args.drop_back()));
      });
  return generic.getResult(0);
}

/// `dim` of `v` as an f32 value (a norm's element count).
Value dimAsF32(OpBuilder &b, Location loc, Value v, int64_t dim) {
  Value size = tensor::DimOp::create(b, loc, v, dim);
  Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), size);
  return arith::SIToFPOp::create(b, loc, b.getF32Type(), i64);
}

/// `act(x)` on one element, as the unfused activation ops compute it.
Value applyActivation(OpBuilder &b, Location l, Activation act, Value x) {
  switch (act) {
  case Activation::None:
    return x;
  case Activation::Relu:
    return arith::MaximumFOp::create(b, l, x, f32Const(b, l, 0));
  case Activation::Silu: {
    // x / (1 + exp(-x))
    Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
    return arith::DivFOp::create(
        b, l, x, arith::AddFOp::create(b, l, f32Const(b, l, 1), e));
  }
  case Activation::Gelu:
  case Activation::GeluTanh: {
    Value inner;
    if (act == Activation::GeluTanh) {
      // tanh(sqrt(2/pi) * (x + 0.044715 x^3))
      Value x3 =
          arith::MulFOp::create(b, l, arith::MulFOp::create(b, l, x, x), x);
      Value poly = arith::AddFOp::create(
          b, l, x, arith::MulFOp::create(b, l, f32Const(b, l, 0.044715), x3));
      inner = math::TanhOp::create(
          b, l,
          arith::MulFOp::create(b, l, f32Const(b, l, std::sqrt(2 / M_PI)), poly));
    } else {
      inner = math::ErfOp::create(
          b, l, arith::MulFOp::create(b, l, x, f32Const(b, l, M_SQRT1_2)));
    }
    Value half = arith::MulFOp::create(b, l, f32Const(b, l, 0.5), x);
    return arith::MulFOp::create(
        b, l, half, arith::AddFOp::create(b, l, f32Const(b, l, 1), inner));
  }
  }
  return x;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// Binary arithmetic with broadcasting.
template <typename XfOp, typename ArithOp>
struct BinaryLowering : OpConversionPattern<XfOp> {
  using OpConversionPattern<XfOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(XfOp op, typename XfOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value r = elementwise(rewriter, op.getLoc(), op.getType(),
                          {adaptor.getLhs(), adaptor.getRhs()},
                          [](OpBuilder &b, Location l, ValueRange a) -> Value {
                            return ArithOp::create(b, l, a[0], a[1]);
                          });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Unary ops whose body is a function of one element.
template <typename XfOp> struct UnaryLowering : OpConversionPattern<XfOp> {
  using OpConversionPattern<XfOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(XfOp op, typename XfOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value r =
        elementwise(rewriter, op.getLoc(), op.getType(), {adaptor.getInput()},
                    [&](OpBuilder &b, Location l, ValueRange a) {
                      return compute(op, b, l, a[0]);
                    });
    rewriter.replaceOp(op, r);
    return success();
  }
  static Value compute(XfOp op, OpBuilder &b, Location l, Value x);
};

template <>
Value UnaryLowering<ScaleOp>::compute(ScaleOp op, OpBuilder &b, Location l,
                                      Value x) {
  return arith::MulFOp::create(b, l, x,
                               f32Const(b, l, op.getFactor().convertToFloat()));
}
template <>
Value UnaryLowering<ReluOp>::compute(ReluOp, OpBuilder &b, Location l,
                                     Value x) {
  return applyActivation(b, l, Activation::Relu, x);
}
template <>
Value UnaryLowering<SiluOp>::compute(SiluOp, OpBuilder &b, Location l,
                                     Value x) {
  return applyActivation(b, l, Activation::Silu, x);
}
template <>
Value UnaryLowering<GeluOp>::compute(GeluOp op, OpBuilder &b, Location l,
                                     Value x) {
  return applyActivation(
      b, l, op.getTanh() ? Activation::GeluTanh : Activation::Gelu, x);
}

struct OrLowering : OpConversionPattern<OrOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OrOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getType(),
                        {adaptor.getLhs(), adaptor.getRhs()},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::OrIOp::create(b, l, a[0], a[1]);
                        }));
    return success();
  }
};

struct MaskedFillLowering : OpConversionPattern<MaskedFillOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MaskedFillOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    float value = op.getValue().convertToFloat();
    rewriter.replaceOp(
        op, elementwise(rewriter, op.getLoc(), op.getType(),
                        {adaptor.getInput(), adaptor.getMask()},
                        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::SelectOp::create(
                              b, l, a[1], f32Const(b, l, value), a[0]);
                        }));
    return success();
  }
};

struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    auto lt = cast<RankedTensorType>(lhs.getType());
    auto rt = cast<RankedTensorType>(rhs.getType());
    RankedTensorType out = op.getType();
    bool transposeB = op.getTransposeB();
    if (!transposeB && rt.getRank() > 2) {
      // A batched rhs [.., k, n] (P · V) would be read with a stride in the
      // innermost k loop: copy it to [.., n, k] once (k·n elements for
      // m·k·n multiply-adds) and take dot products of contiguous rows.
      SmallVector<int64_t> perm =
          llvm::to_vector(llvm::seq<int64_t>(0, rt.getRank()));
      std::swap(perm[rt.getRank() - 1], perm[rt.getRank() - 2]);
      SmallVector<OpFoldResult> in = tensor::getMixedSizes(rewriter, loc, rhs);
      SmallVector<OpFoldResult> sizes;
      for (int64_t p : perm)
        sizes.push_back(in[p]);
      Value init =
          tensor::EmptyOp::create(rewriter, loc, sizes, rt.getElementType());
      rhs = linalg::TransposeOp::create(rewriter, loc, rhs, init, perm)
                ->getResult(0);
      rt = cast<RankedTensorType>(rhs.getType());
      transposeB = true;
    }
    // Loop order after the batch dims: m, n, then the reduction k (parallel
    // loops must stay outermost: they become one OpenMP loop). When the rhs
    // is a weight shared by all rows, n goes outside m, so each weight row
    // stays cached while the lhs rows stream past it.
    unsigned rank = out.getRank(), numDims = rank + 1;
    unsigned mDim = rank - 2, nDim = rank - 1, kDim = rank;
    if (rt.getRank() == 2)
      std::swap(mDim, nDim);
    AffineExpr m = getAffineDimExpr(mDim, ctx), n = getAffineDimExpr(nDim, ctx),
               k = getAffineDimExpr(kDim, ctx);
    ArrayRef<int64_t> batch = out.getShape().drop_back(2);
    auto operandMap = [&](RankedTensorType t, AffineExpr row, AffineExpr col,
                          bool transposed) {
      AffineMap b =
          broadcastMap(ctx, t.getShape().drop_back(2), batch, numDims);
      SmallVector<AffineExpr> exprs(b.getResults());
      exprs.push_back(transposed ? col : row);
      exprs.push_back(transposed ? row : col);
      return AffineMap::get(numDims, 0, exprs, ctx);
    };
    SmallVector<AffineExpr> outExprs;
    for (unsigned d = 0; d + 2 < rank; ++d)
      outExprs.push_back(getAffineDimExpr(d, ctx));
    outExprs.push_back(m);
    outExprs.push_back(n);
    SmallVector<AffineMap> maps = {operandMap(lt, m, k, op.getTransposeA()),
                                   operandMap(rt, k, n, transposeB),
                                   AffineMap::get(numDims, 0, outExprs, ctx)};
    // Output sizes: batch from either operand, m from lhs, n from rhs.
    SmallVector<OpFoldResult> sizes;
    for (unsigned d = 0; d + 2 < rank; ++d) {
      if (!out.isDynamicDim(d)) {
        sizes.push_back(rewriter.getIndexAttr(out.getDimSize(d)));
        continue;
      }
      int64_t la = d - (rank - lt.getRank()), ra = d - (rank - rt.getRank());
      sizes.push_back(la >= 0 && lt.getDimSize(la) != 1
                          ? tensor::getMixedSize(rewriter, loc, lhs, la)
                          : tensor::getMixedSize(rewriter, loc, rhs, ra));
    }
    sizes.push_back(tensor::getMixedSize(
        rewriter, loc, lhs, lt.getRank() - (op.getTransposeA() ? 1 : 2)));
    sizes.push_back(tensor::getMixedSize(rewriter, loc, rhs,
                                         rt.getRank() - (transposeB ? 2 : 1)));
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, sizes, out.getElementType());
    Value zero = linalg::FillOp::create(rewriter, loc,
                                        ValueRange{f32Const(rewriter, loc, 0)},
                                        ValueRange{empty})
                     .getResult(0);
    SmallVector<utils::IteratorType> iters = parallel(numDims);
    iters[kDim] = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{out}, ValueRange{lhs, rhs}, ValueRange{zero},
        maps, iters, [](OpBuilder &b, Location l, ValueRange a) {
          Value prod = arith::MulFOp::create(b, l, a[0], a[1], reassoc(b));
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::AddFOp::create(b, l, a[2], prod, reassoc(b))});
        });
    // x · Wᵀ with a static weight: the CPU pipeline gives it an
    // outer-product kernel (xf-cpu-matmul-kernel).
    if (rt.getRank() == 2 && transposeB && !op.getTransposeA() &&
        rt.hasStaticShape() && lt.getRank() >= 2 &&
        lt.getDimSize(lt.getRank() - 1) == rt.getDimSize(1))
      generic->setAttr("xf.weight_matmul", rewriter.getUnitAttr());
    Value result = generic.getResult(0);
    // The fused epilogue: + bias (over the last dim), then the activation.
    Value bias = adaptor.getBias();
    Activation act = op.getActivation();
    if (bias || act != Activation::None) {
      SmallVector<Value> operands = {result};
      if (bias)
        operands.push_back(bias);
      result = elementwise(rewriter, loc, out, operands,
                           [&](OpBuilder &b, Location l, ValueRange a) {
                             Value x = a[0];
                             if (bias)
                               x = arith::AddFOp::create(b, l, x, a[1]);
                             return applyActivation(b, l, act, x);
                           });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct TransposeLowering : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> in =
        tensor::getMixedSizes(rewriter, loc, adaptor.getInput());
    SmallVector<OpFoldResult> sizes;
    for (int64_t p : op.getPermutation())
      sizes.push_back(in[p]);
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes,
                                         op.getType().getElementType());
    auto t = linalg::TransposeOp::create(rewriter, loc, adaptor.getInput(),
                                         init, op.getPermutation());
    rewriter.replaceOp(op, t->getResult(0));
    return success();
  }
};

struct ReshapeLowering : OpConversionPattern<ReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType out = op.getType();
    SmallVector<Value> dims;
    unsigned next = 0;
    for (int64_t d = 0; d < out.getRank(); ++d)
      dims.push_back(out.isDynamicDim(d)
                         ? adaptor.getDynamicDims()[next++]
                         : indexConst(rewriter, loc, out.getDimSize(d)));
    Value shape = tensor::FromElementsOp::create(
        rewriter, loc,
        RankedTensorType::get({out.getRank()}, rewriter.getIndexType()), dims);
    rewriter.replaceOpWithNewOp<tensor::ReshapeOp>(op, out, adaptor.getInput(),
                                                   shape);
    return success();
  }
};

struct SoftmaxLowering : OpConversionPattern<SoftmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SoftmaxOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    int64_t axis = op.getAxis();
    // 1. m = max(x); 2. s = sum(exp(x - m)); 3. exp(x - m) / s.
    Value mx = reduceAlong(rewriter, loc, {x}, {}, axis, -INFINITY,
                           [](OpBuilder &b, Location l, ValueRange a) -> Value {
                             return arith::MaximumFOp::create(b, l, a[0], a[1]);
                           });
    Value sum =
        reduceAlong(rewriter, loc, {x}, {mx}, axis, 0,
                    [](OpBuilder &b, Location l, ValueRange a) -> Value {
                      Value e = math::ExpOp::create(
                          b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                      return arith::AddFOp::create(b, l, a[2], e, reassoc(b));
                    });
    rewriter.replaceOp(
        op, mapAlong(rewriter, loc, {x}, {mx, sum}, {}, axis,
                     [](OpBuilder &b, Location l, ValueRange a) -> Value {
                       Value e = math::ExpOp::create(
                           b, l, arith::SubFOp::create(b, l, a[0], a[1]));
                       return arith::DivFOp::create(b, l, e, a[2]);
                     }));
    return success();
  }
};

/// Layer and RMS norm over the last axis.
template <typename NormOp> struct NormLowering : OpConversionPattern<NormOp> {
  using OpConversionPattern<NormOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(NormOp op, typename NormOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    constexpr bool isRms = std::is_same_v<NormOp, RmsNormOp>;
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    if constexpr (!isRms) {
      // A fused residual: elementwise fusion inlines this sum into the
      // reductions below, so it is never stored.
      if (Value residual = adaptor.getResidual())
        x = elementwise(rewriter, loc, op.getType(), {x, residual},
                        [](OpBuilder &b, Location l, ValueRange a) -> Value {
                          return arith::AddFOp::create(b, l, a[0], a[1]);
                        });
    }
    int64_t axis = op.getType().getRank() - 1;
    Value count = dimAsF32(rewriter, loc, x, axis);
    float eps = op.getEpsilon().convertToFloat();
    // 1. mean (layer norm only); 2. variance (or mean square); 3. normalize.
    Value mean;
    if (!isRms) {
      Value sum = reduceAlong(
          rewriter, loc, {x}, {}, axis, 0,
          [](OpBuilder &b, Location l, ValueRange a) -> Value {
            return arith::AddFOp::create(b, l, a[1], a[0], reassoc(b));
          });
      mean = mapAlongReduced(rewriter, loc, sum, count);
    }
    SmallVector<Value> reduced;
    if (mean)
      reduced.push_back(mean);
    Value var = reduceAlong(
        rewriter, loc, {x}, reduced, axis, 0,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value c = mean ? arith::SubFOp::create(b, l, a[0], a[1]) : a[0];
          Value sq = arith::MulFOp::create(b, l, c, c);
          return arith::AddFOp::create(b, l, a.back(), sq, reassoc(b));
        });
    reduced.push_back(var);
    SmallVector<Value> vectors;
    Value weight = adaptor.getWeight(), bias;
    if constexpr (!isRms)
      bias = adaptor.getBias();
    if (weight)
      vectors.push_back(weight);
    if (bias)
      vectors.push_back(bias);
    Value out = mapAlong(
        rewriter, loc, {x}, reduced, vectors, axis,
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          unsigned i = 1;
          Value centered =
              mean ? arith::SubFOp::create(b, l, a[0], a[i++]) : a[0];
          Value v = arith::DivFOp::create(b, l, a[i++], count);
          Value inv = math::RsqrtOp::create(
              b, l, arith::AddFOp::create(b, l, v, f32Const(b, l, eps)));
          Value y = arith::MulFOp::create(b, l, centered, inv);
          if (weight)
            y = arith::MulFOp::create(b, l, y, a[i++]);
          if (bias)
            y = arith::AddFOp::create(b, l, y, a[i++]);
          return y;
        });
    rewriter.replaceOp(op, out);
    return success();
  }

  /// sum / count, elementwise on the reduced tensor.
  static Value mapAlongReduced(OpBuilder &b, Location loc, Value sum,
                               Value count) {
    return elementwise(b, loc, cast<RankedTensorType>(sum.getType()), {sum},
                       [&](OpBuilder &nb, Location l, ValueRange a) -> Value {
                         return arith::DivFOp::create(nb, l, a[0], count);
                       });
  }
};

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
template <>
Value IndexTableLowering<SinusoidTableOp>::compute(SinusoidTableOp op,
                                                   OpBuilder &b, Location l,
                                                   ValueRange idx) {
  // As PyTorch computes it in f32: angle = p * exp(2i * (-ln(1e4) / D)).
  auto toF32 = [&](Value index) -> Value {
    Value i = arith::IndexCastOp::create(b, l, b.getI64Type(), index);
    return arith::SIToFPOp::create(b, l, b.getF32Type(), i);
  };
  Value two = indexConst(b, l, 2);
  Value odd = arith::RemUIOp::create(b, l, idx[1], two);
  Value even = arith::SubIOp::create(b, l, idx[1], odd);
  Value factor = f32Const(b, l, -std::log(10000.0) / op.getDim());
  Value divTerm = math::ExpOp::create(
      b, l, arith::MulFOp::create(b, l, toF32(even), factor));
  Value angle = arith::MulFOp::create(b, l, toF32(idx[0]), divTerm);
  Value isOdd = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, odd,
                                      indexConst(b, l, 0));
  return arith::SelectOp::create(b, l, isOdd, math::CosOp::create(b, l, angle),
                                 math::SinOp::create(b, l, angle));
}

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
    Value x = adaptor.getInput();
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
          Value angle = arith::MulFOp::create(b, l, toF32(idx[rank - 2]),
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

/// Rewrites xf.attention into the unfused ops a framework runs.
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
    if (op.getCausal())
      unite(CausalMaskOp::create(b, loc, lq, lk));
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

struct ConvertXfToLinalgPass final
    : mlir::xf::impl::ConvertXfToLinalgPassBase<ConvertXfToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    ConversionTarget target(getContext());
    target.addLegalDialect<
        linalg::LinalgDialect, tensor::TensorDialect, arith::ArithDialect,
        math::MathDialect, func::FuncDialect,
        bufferization::BufferizationDialect, vector::VectorDialect,
        scf::SCFDialect, memref::MemRefDialect>();
    target.addIllegalDialect<XfDialect>();
    RewritePatternSet patterns(&getContext());
    populateXfToLinalgConversionPatterns(patterns);
    if (cpuAttention)
      populateXfCpuAttentionPatterns(patterns);
    if (gpuKernels) {
      populateXfGpuAttentionPatterns(patterns);
      populateXfGpuNormPatterns(patterns);
    }
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::xf::populateXfToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns
      .add<BinaryLowering<AddOp, arith::AddFOp>,
           BinaryLowering<SubOp, arith::SubFOp>,
           BinaryLowering<MulOp, arith::MulFOp>,
           BinaryLowering<DivOp, arith::DivFOp>, UnaryLowering<ScaleOp>,
           UnaryLowering<ReluOp>, UnaryLowering<SiluOp>, UnaryLowering<GeluOp>,
           OrLowering, MaskedFillLowering, MatmulLowering, TransposeLowering,
           ReshapeLowering, SoftmaxLowering, NormLowering<LayerNormOp>,
           NormLowering<RmsNormOp>, EmbeddingLowering,
           IndexTableLowering<SinusoidTableOp>, IndexTableLowering<ArangeOp>,
           IndexTableLowering<CausalMaskOp>, PaddingMaskLowering, RopeLowering,
           AttentionDecomposition>(patterns.getContext());
}
