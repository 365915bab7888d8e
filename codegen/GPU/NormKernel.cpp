//===- NormKernel.cpp - LayerNorm and RMSNorm as one GPU kernel -----------===//
//
// One workgroup of 128 threads per row (grid-stride over rows): the threads
// stride over the row to sum x (or x² for RMSNorm), reduce the partial sums
// as a tree in workgroup memory, then sum (x - mean)² the same way for
// LayerNorm, and write (x - mean) · rstd · weight + bias. x is
// `input + residual` when a residual add was fused into the norm; it is
// recomputed per pass instead of stored. The decomposition it replaces is
// four to five kernels with one thread per row for the reductions. See
// KernelCalls.h for how the kernel enters the pipeline.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/LoopBuilder.h"
#include "codegen/GPU/FlatBuffer.h"
#include "codegen/GPU/KernelCalls.h"
#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"

using namespace mlir;
using namespace mlir::xf;

namespace {

constexpr int64_t kThreads = 128; ///< threads per row

/// LayerNorm or RMSNorm: which operands there are and epsilon.
struct NormSpec {
  bool rms, residual, weight, bias;
  float epsilon;

  DictionaryAttr toAttr(MLIRContext *ctx) const {
    Builder b(ctx);
    return b.getDictionaryAttr(
        {b.getNamedAttr("rms", b.getBoolAttr(rms)),
         b.getNamedAttr("residual", b.getBoolAttr(residual)),
         b.getNamedAttr("weight", b.getBoolAttr(weight)),
         b.getNamedAttr("bias", b.getBoolAttr(bias)),
         b.getNamedAttr("epsilon", b.getF32FloatAttr(epsilon))});
  }
  static NormSpec fromAttr(DictionaryAttr d) {
    auto flag = [&](StringRef n) { return d.getAs<BoolAttr>(n).getValue(); };
    return {flag("rms"), flag("residual"), flag("weight"), flag("bias"),
            d.getAs<FloatAttr>("epsilon").getValue().convertToFloat()};
  }
};

/// Both norms → a kernel call with operands (input[, residual][, weight]
/// [, bias]).
template <typename NormOp>
struct GpuNormLowering : OpConversionPattern<NormOp> {
  GpuNormLowering(MLIRContext *ctx)
      : OpConversionPattern<NormOp>(ctx, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(NormOp op, typename NormOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    constexpr bool rms = std::is_same_v<NormOp, RmsNormOp>;
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    if (!type.getElementType().isF32() || type.getRank() < 1)
      return rewriter.notifyMatchFailure(op, "the GPU kernel is for f32");
    SmallVector<Value> operands = {input};
    NormSpec spec{rms, false, false, false, op.getEpsilon().convertToFloat()};
    if constexpr (!rms) {
      if ((spec.residual = static_cast<bool>(adaptor.getResidual())))
        operands.push_back(adaptor.getResidual());
      if (adaptor.getResidual() &&
          adaptor.getResidual().getType() != input.getType())
        return rewriter.notifyMatchFailure(op, "a broadcast residual");
    }
    if ((spec.weight = static_cast<bool>(adaptor.getWeight())))
      operands.push_back(adaptor.getWeight());
    if constexpr (!rms)
      if ((spec.bias = static_cast<bool>(adaptor.getBias())))
        operands.push_back(adaptor.getBias());
    SmallVector<Value> dynSizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        dynSizes.push_back(
            tensor::DimOp::create(rewriter, op.getLoc(), input, d));
    replaceWithKernelCall(rewriter, op, XfDialect::getGpuKernelAttrName(), "norm", spec.toAttr(op.getContext()),
                          operands, cast<RankedTensorType>(op.getType()),
                          dynSizes);
    return success();
  }
};

} // namespace

/// (out, input[, residual][, weight][, bias]), identity layouts: element j
/// of row r is at offset + r·D + j.
void xf::emitNormKernel(func::FuncOp fn, DictionaryAttr specAttr) {
  NormSpec spec = NormSpec::fromAttr(specAttr);
  Location loc = fn.getLoc();
  OpBuilder b = OpBuilder::atBlockBegin(fn.addEntryBlock());
  unsigned next = 1;
  Value input = fn.getArgument(next++);
  std::optional<FlatBuffer> fr, fw, fbias;
  if (spec.residual)
    fr = flatten(b, loc, fn.getArgument(next++));
  if (spec.weight)
    fw = flatten(b, loc, fn.getArgument(next++));
  if (spec.bias)
    fbias = flatten(b, loc, fn.getArgument(next++));
  FlatBuffer fo = flatten(b, loc, fn.getArgument(0));
  FlatBuffer fi = flatten(b, loc, input);

  auto inType = cast<MemRefType>(input.getType());
  int64_t rank = inType.getRank();
  Value c1 = idx(b, loc, 1);
  Value d = memref::DimOp::create(b, loc, input, rank - 1);
  Value rows = c1;
  for (int64_t i = 0; i + 1 < rank; ++i)
    rows = arith::MulIOp::create(b, loc, rows,
                                 memref::DimOp::create(b, loc, input, i));
  Value threads = idx(b, loc, kThreads);
  Value grid = arith::MaxSIOp::create(
      b, loc, arith::MinSIOp::create(b, loc, rows, idx(b, loc, 65535)), c1);
  auto sharedType = MemRefType::get(
      {kThreads}, b.getF32Type(), MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup));
  auto launch = gpu::LaunchOp::create(
      b, loc, grid, c1, c1, threads, c1, c1,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{sharedType},
      /*privateAttributions=*/{}, nullptr, nullptr, nullptr,
      /*module=*/nullptr, FlatSymbolRefAttr::get(fn.getNameAttr()));
  Value shared = launch.getWorkgroupAttributions()[0];
  func::ReturnOp::create(b, loc);

  Block &body = launch.getBody().front();
  b.setInsertionPointToStart(&body);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(&body);
  Value tid = launch.getThreadIds().x;
  auto cst = [&](OpBuilder &ob, float x) -> Value {
    return arith::ConstantOp::create(ob, loc, ob.getF32FloatAttr(x));
  };
  Value dF = arith::UIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastUIOp::create(b, loc, b.getI64Type(), d));

  forRange(
      b, loc, launch.getBlockIds().x, rows, launch.getGridSize().x,
      [&](OpBuilder &rb, Location, Value row) {
        Value base = arith::MulIOp::create(rb, loc, row, d);
        // x[j] of this row (input + residual).
        auto xAt = [&](OpBuilder &ob, Value j) -> Value {
          Value at = arith::AddIOp::create(ob, loc, base, j);
          Value x = memref::LoadOp::create(
              ob, loc, fi.flat,
              ValueRange{arith::AddIOp::create(ob, loc, fi.offset, at)});
          if (fr)
            x = arith::AddFOp::create(
                ob, loc, x,
                memref::LoadOp::create(ob, loc, fr->flat,
                                       ValueRange{arith::AddIOp::create(
                                           ob, loc, fr->offset, at)}));
          return x;
        };
        // Σ_j term(x[j]) over the row, by all threads.
        auto rowSum =
            [&](OpBuilder &sb,
                function_ref<Value(OpBuilder &, Value)> term) -> Value {
          auto partial = scf::ForOp::create(
              sb, loc, tid, d, threads, ValueRange{cst(sb, 0)},
              [&](OpBuilder &lb, Location, Value j, ValueRange acc) {
                scf::YieldOp::create(
                    lb, loc,
                    ValueRange{arith::AddFOp::create(lb, loc, acc[0],
                                                     term(lb, xAt(lb, j)))});
              });
          memref::StoreOp::create(sb, loc, partial.getResult(0), shared, tid);
          gpu::BarrierOp::create(sb, loc);
          for (int64_t s = kThreads / 2; s >= 1; s /= 2) {
            Value active = arith::CmpIOp::create(
                sb, loc, arith::CmpIPredicate::ult, tid, idx(sb, loc, s));
            scf::IfOp::create(sb, loc, active, [&](OpBuilder &tb, Location) {
              Value other = memref::LoadOp::create(tb, loc, shared,
                                                   addIdx(tb, loc, tid, s));
              Value mine = memref::LoadOp::create(tb, loc, shared, tid);
              memref::StoreOp::create(
                  tb, loc, arith::AddFOp::create(tb, loc, mine, other), shared,
                  tid);
              scf::YieldOp::create(tb, loc);
            });
            gpu::BarrierOp::create(sb, loc);
          }
          Value total =
              memref::LoadOp::create(sb, loc, shared, idx(sb, loc, 0));
          // Everyone has read the total before the buffer is reused.
          gpu::BarrierOp::create(sb, loc);
          return total;
        };

        Value mean, variance;
        if (spec.rms) { // no mean subtracted
          variance = arith::DivFOp::create(
              rb, loc,
              rowSum(rb,
                     [&](OpBuilder &ob, Value x) {
                       return arith::MulFOp::create(ob, loc, x, x);
                     }),
              dF);
        } else {
          mean = arith::DivFOp::create(
              rb, loc, rowSum(rb, [](OpBuilder &, Value x) { return x; }), dF);
          variance = arith::DivFOp::create(
              rb, loc,
              rowSum(rb,
                     [&](OpBuilder &ob, Value x) {
                       Value c = arith::SubFOp::create(ob, loc, x, mean);
                       return arith::MulFOp::create(ob, loc, c, c);
                     }),
              dF);
        }
        Value rstd = arith::DivFOp::create(
            rb, loc, cst(rb, 1),
            math::SqrtOp::create(rb, loc,
                                 arith::AddFOp::create(rb, loc, variance,
                                                       cst(rb, spec.epsilon))));
        forRange(
            rb, loc, tid, d, threads, [&](OpBuilder &lb, Location, Value j) {
              Value x = xAt(lb, j);
              if (mean)
                x = arith::SubFOp::create(lb, loc, x, mean);
              Value y = arith::MulFOp::create(lb, loc, x, rstd);
              auto column = [&](const FlatBuffer &f) -> Value {
                return memref::LoadOp::create(
                    lb, loc, f.flat, linearIndex(lb, loc, f, ValueRange{j}));
              };
              if (fw)
                y = arith::MulFOp::create(lb, loc, y, column(*fw));
              if (fbias)
                y = arith::AddFOp::create(lb, loc, y, column(*fbias));
              memref::StoreOp::create(
                  lb, loc, y, fo.flat,
                  ValueRange{arith::AddIOp::create(
                      lb, loc, fo.offset,
                      arith::AddIOp::create(lb, loc, base, j))});
            });
      });
}

void mlir::xf::populateXfGpuNormPatterns(RewritePatternSet &patterns) {
  patterns.add<GpuNormLowering<LayerNormOp>, GpuNormLowering<RmsNormOp>>(
      patterns.getContext());
}
