//===- Cache.cpp - xf.cache_write as slice inserts into the cache ---------===//
//
// A loop over the batch rows, each copying its new rows into the cache's
// slice at the row's offset. The cache is the loop's carried value, so one-shot
// bufferization writes into the cache's own buffer: a function argument of
// a generation step is updated in place and never copied.
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
    auto loop = scf::ForOp::create(
        rewriter, loc, c0, batch, c1, ValueRange{cache},
        [&](OpBuilder &b, Location l, Value row, ValueRange carried) {
          SmallVector<OpFoldResult> from(rank, b.getIndexAttr(0));
          from[0] = row;
          Value slice = tensor::ExtractSliceOp::create(
              b, l,
              RankedTensorType::get(
                  [&] {
                    SmallVector<int64_t> shape(rowsType.getShape());
                    shape[0] = 1;
                    return shape;
                  }(),
                  rowsType.getElementType()),
              rows, from, rowSizes, unit);
          SmallVector<OpFoldResult> to = from;
          if (offsets) {
            Value at = tensor::ExtractOp::create(b, l, offsets, row);
            to[axis] = arith::IndexCastOp::create(b, l, b.getIndexType(), at)
                           .getResult();
          }
          // Copied into the cache's own slice and inserted back: bufferized,
          // a loop writing the cache's subview (no temporary, and no
          // memref.copy of a strided view, which would need a library).
          Value dest = tensor::ExtractSliceOp::create(
              b, l, cast<RankedTensorType>(slice.getType()), carried[0], to,
              rowSizes, unit);
          Value copied =
              linalg::CopyOp::create(b, l, slice, dest).getResult(0);
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
