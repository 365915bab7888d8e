//===- Builders.cpp - linalg builders shared by the xf→linalg patterns ----===//

#include "codegen/Conversion/XfToLinalg/Builders.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include <cmath>

namespace mlir::xf::linalg_lowering {

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
          arith::MulFOp::create(b, l, f32Const(b, l, std::sqrt(2 / M_PI)),
                                poly));
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

} // namespace mlir::xf::linalg_lowering
