//===- Cache.cpp - xf.cache_write as slice inserts into the cache ---------===//
//
// A loop over the batch rows, each copying its new rows into the cache's
// slice at the row's offset. The cache is the loop's carried value, so one-shot
// bufferization writes into the cache's own buffer: a function argument of
// a generation step is updated in place and never copied.
//
// The copy is a generic whose outermost loop is the cache axis: a step
// writes one token, and keys cached transposed have the axis innermost,
// where a loop of one iteration per element would wrap each store. New
// rows made by a transpose are read from the transpose's input instead
// (the transpose is then dead): a step's keys go from the projection's
// [B, T, H, D] into the [B, H, D, capacity] cache in one pass.
//
//===----------------------------------------------------------------------===//

#include "codegen/Conversion/XfToLinalg/Builders.h"
#include "codegen/Conversion/XfToLinalg/Patterns.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::xf;
using namespace mlir::xf::linalg_lowering;

namespace {

struct CacheWriteLowering : OpConversionPattern<CacheWriteOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CacheWriteOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value rows = adaptor.getRows(), cache = adaptor.getCache(),
          offsets = adaptor.getOffsets();
    auto rowsType = cast<RankedTensorType>(rows.getType());
    int64_t rank = rowsType.getRank(), axis = op.getAxis();
    Value c0 = indexConst(rewriter, loc, 0), c1 = indexConst(rewriter, loc, 1);
    Value batch = tensor::DimOp::create(rewriter, loc, rows, 0);
    SmallVector<OpFoldResult> rowSizes =
        tensor::getMixedSizes(rewriter, loc, rows);
    rowSizes[0] = rewriter.getIndexAttr(1);
    SmallVector<OpFoldResult> unit(rank, rewriter.getIndexAttr(1));
    // The loop over each dim of the rows: the axis's first, then the
    // others in order.
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> loopOf(rank);
    loopOf[axis] = getAffineDimExpr(0, ctx);
    for (int64_t d = 0, l = 1; d < rank; ++d)
      if (d != axis)
        loopOf[d] = getAffineDimExpr(l++, ctx);
    AffineMap destMap = AffineMap::get(rank, 0, loopOf, ctx);
    AffineMap sourceMap = destMap;
    Value source = rows;
    SmallVector<OpFoldResult> sourceSizes = rowSizes;
    auto transpose = rows.getDefiningOp<linalg::TransposeOp>();
    if (transpose && transpose.getPermutation()[0] == 0) {
      ArrayRef<int64_t> perm = transpose.getPermutation();
      source = transpose.getInput();
      SmallVector<AffineExpr> sourceOf(rank);
      for (int64_t i = 0; i < rank; ++i)
        sourceOf[perm[i]] = loopOf[i];
      sourceMap = AffineMap::get(rank, 0, sourceOf, ctx);
      sourceSizes = tensor::getMixedSizes(rewriter, loc, source);
      sourceSizes[0] = rewriter.getIndexAttr(1);
    }
    auto loop = scf::ForOp::create(
        rewriter, loc, c0, batch, c1, ValueRange{cache},
        [&](OpBuilder &b, Location l, Value row, ValueRange carried) {
          // Row `row` of the new rows, or of the transpose's input (dim
          // perm[i] of which is dim i of the rows).
          auto sourceType = cast<RankedTensorType>(source.getType());
          SmallVector<int64_t> sourceRow(sourceType.getShape());
          sourceRow[0] = 1;
          SmallVector<OpFoldResult> from(rank, b.getIndexAttr(0));
          from[0] = row;
          Value slice = tensor::ExtractSliceOp::create(
              b, l,
              RankedTensorType::get(sourceRow, sourceType.getElementType()),
              source, from, sourceSizes, unit);
          SmallVector<OpFoldResult> to(rank, b.getIndexAttr(0));
          to[0] = row;
          if (offsets) {
            Value at = tensor::ExtractOp::create(b, l, offsets, row);
            to[axis] = arith::IndexCastOp::create(b, l, b.getIndexType(), at)
                           .getResult();
          }
          // Copied into the cache's own slice and inserted back: bufferized,
          // a loop writing the cache's subview, no temporary. Elementwise
          // fusion swaps the slice for a tensor.empty (the generic never
          // reads it); empty-tensor elimination swaps it back before
          // bufferization (codegen/Common/Bufferize.cpp). Rows read as they
          // are give the generic equal maps: canonicalization then inserts
          // the rows' slice itself, a memref.copy into the subview.
          SmallVector<int64_t> rowShape(rowsType.getShape());
          rowShape[0] = 1;
          Value dest = tensor::ExtractSliceOp::create(
              b, l, RankedTensorType::get(rowShape, rowsType.getElementType()),
              carried[0], to, rowSizes, unit);
          Value copied =
              linalg::GenericOp::create(
                  b, l, dest.getType(), slice, dest,
                  ArrayRef<AffineMap>{sourceMap, destMap}, parallel(rank),
                  [](OpBuilder &gb, Location gl, ValueRange args) {
                    linalg::YieldOp::create(gb, gl, args[0]);
                  })
                  .getResult(0);
          Value updated = tensor::InsertSliceOp::create(
              b, l, copied, carried[0], to, rowSizes, unit);
          scf::YieldOp::create(b, l, updated);
        });
    rewriter.replaceOp(op, loop.getResult(0));
    return success();
  }
};

} // namespace

void linalg_lowering::populateCacheLoweringPatterns(
    RewritePatternSet &patterns) {
  patterns.add<CacheWriteLowering>(patterns.getContext());
}
