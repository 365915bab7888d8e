//===- CacheWrite.cpp - xf.cache_write as strips GPU threads share --------===//
//
// On the CPU a cache write is a loop over the batch rows, each copying its
// slice (codegen/Conversion/XfToLinalg/Cache.cpp); its offsets are read by
// the host. On a GPU the host must not read a buffer kernels use (the
// offsets are an input, uploaded in order with the launches), and one
// thread per batch row would copy whole slices alone. So here the write is
// an scf.forall over every dim of the new rows but the cache axis and the
// innermost one; each iteration reads its row's offset and copies one strip
// (the axis and the innermost dim) into the cache's slice at the offset,
// inserted back with tensor.parallel_insert_slice. One-shot bufferization
// writes the cache's own buffer in place; the GPU pipeline turns the forall
// into the parallel loop a launch maps to threads, and folds the slices
// into the loads and stores (memref views cannot enter a kernel).
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::xf;

namespace {

struct GpuCacheWriteLowering : OpConversionPattern<CacheWriteOp> {
  GpuCacheWriteLowering(MLIRContext *ctx)
      : OpConversionPattern<CacheWriteOp>(ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(CacheWriteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value rows = adaptor.getRows(), cache = adaptor.getCache(),
          offsets = adaptor.getOffsets();
    auto rowsType = cast<RankedTensorType>(rows.getType());
    int64_t rank = rowsType.getRank(), axis = op.getAxis();
    // The strip: the axis and the innermost dim (one of them when equal).
    auto inStrip = [&](int64_t d) { return d == axis || d == rank - 1; };
    SmallVector<OpFoldResult> outer;
    for (int64_t d = 0; d < rank; ++d)
      if (!inStrip(d))
        outer.push_back(tensor::getMixedSize(rewriter, loc, rows, d));
    SmallVector<int64_t> stripShape;
    for (int64_t d = 0; d < rank; ++d)
      stripShape.push_back(inStrip(d) ? rowsType.getDimSize(d) : 1);
    auto stripType =
        RankedTensorType::get(stripShape, rowsType.getElementType());
    SmallVector<OpFoldResult> sizes, unit(rank, rewriter.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(inStrip(d)
                          ? tensor::getMixedSize(rewriter, loc, rows, d)
                          : rewriter.getIndexAttr(1));

    auto forall = scf::ForallOp::create(
        rewriter, loc, outer, ValueRange{cache}, /*mapping=*/std::nullopt,
        [&](OpBuilder &b, Location l, ValueRange args) {
          ValueRange ivs = args.take_front(outer.size());
          Value shared = args.back();
          SmallVector<OpFoldResult> from(rank, b.getIndexAttr(0));
          for (int64_t d = 0, k = 0; d < rank; ++d)
            if (!inStrip(d))
              from[d] = ivs[k++];
          SmallVector<OpFoldResult> to = from;
          if (offsets) {
            // Dim 0 is the batch row: never in the strip (the verifier
            // keeps the axis off it, and a rank-1 cache has no rows).
            Value at = tensor::ExtractOp::create(b, l, offsets, ivs[0]);
            to[axis] = arith::IndexCastOp::create(b, l, b.getIndexType(), at)
                           .getResult();
          }
          Value strip = tensor::ExtractSliceOp::create(b, l, stripType, rows,
                                                       from, sizes, unit);
          Value dest = tensor::ExtractSliceOp::create(b, l, stripType, shared,
                                                      to, sizes, unit);
          Value copied =
              linalg::CopyOp::create(b, l, strip, dest).getResult(0);
          auto terminator = scf::InParallelOp::create(b, l);
          OpBuilder tb = OpBuilder::atBlockBegin(terminator.getBody());
          tensor::ParallelInsertSliceOp::create(tb, l, copied, shared, to,
                                                sizes, unit);
        });
    rewriter.replaceOp(op, forall.getResult(0));
    return success();
  }
};

} // namespace

void mlir::xf::populateXfGpuCachePatterns(RewritePatternSet &patterns) {
  patterns.add<GpuCacheWriteLowering>(patterns.getContext());
}
