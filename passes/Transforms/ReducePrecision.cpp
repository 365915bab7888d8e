//===- ReducePrecision.cpp - Linear layers read bf16 or int8 weights ------===//
//
// `x · Wᵀ` with a stored 2-D weight becomes xf.quantized_linear on the same
// parameter read as bf16, or as i8 with its per-row scales; a weight that
// reaches a layer function as an argument travels as the reduced
// parameter instead.
//
//===----------------------------------------------------------------------===//

#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "passes/Passes.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFREDUCEPRECISIONPASS
#include "passes/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;
using namespace mlir::xf;

namespace {

/// Whether `m` is x · Wᵀ reading `w` as its stored weight.
bool isLinear(MatmulOp m, Value w) {
  auto x = cast<RankedTensorType>(m.getLhs().getType());
  auto t = dyn_cast<RankedTensorType>(w.getType());
  return m.getRhs() == w && m.getTransposeB() && !m.getTransposeA() &&
         x.getRank() >= 2 && t && t.getRank() == 2 && t.hasStaticShape() &&
         t.getElementType().isF32();
}

/// What xf.weight_scales gives for `rows` rows: [2, rows] f32.
RankedTensorType scalesType(Builder &b, int64_t rows) {
  return RankedTensorType::get({2, rows}, b.getF32Type());
}

/// The reduced form of f32 parameter `param` (and its scales and sums for i8),
/// stored as it is, created at the builder's insertion point.
std::pair<Value, Value> reducedParam(OpBuilder &b, ParamOp param,
                                     Type weightType) {
  Location loc = param.getLoc();
  StringRef name = param.getName();
  ArrayRef<int64_t> shape = param.getType().getShape();
  Value weight =
      ParamOp::create(b, loc, RankedTensorType::get(shape, weightType), name,
                      param.getTransposed());
  Value scales;
  if (weightType.isInteger(8))
    scales = WeightScalesOp::create(
        b, loc, scalesType(b, shape[0]), name);
  return {weight, scales};
}

QuantizedLinearOp replaceLinear(RewriterBase &rewriter, MatmulOp matmul,
                                Value weight, Value scales) {
  rewriter.setInsertionPoint(matmul);
  return rewriter.replaceOpWithNewOp<QuantizedLinearOp>(
      matmul, matmul.getLhs(), weight, scales, matmul.getBias(),
      matmul.getActivation());
}

struct ReduceLinear : OpRewritePattern<MatmulOp> {
  ReduceLinear(MLIRContext *ctx, Type weightType)
      : OpRewritePattern(ctx), weightType(weightType) {}
  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    return reduceLinearPrecision(rewriter, op, weightType);
  }
  Type weightType;
};

/// Argument `index` of the private function `fn`, when some of its uses
/// are linear layers and every call passes an f32 xf.param: the function
/// gains the reduced weight (and scales) as arguments, every call passes
/// them, the linear layers read them, and the f32 argument goes if nothing
/// else reads it.
void reduceWeightArgument(func::FuncOp fn, unsigned index,
                          ArrayRef<func::CallOp> calls, Type weightType,
                          IRRewriter &rewriter) {
  BlockArgument arg = fn.getArgument(index);
  SmallVector<MatmulOp> linears;
  for (Operation *user : arg.getUsers())
    if (auto m = dyn_cast<MatmulOp>(user); m && isLinear(m, arg))
      linears.push_back(m);
  if (linears.empty())
    return;
  SmallVector<ParamOp> params;
  for (func::CallOp call : calls) {
    auto p = call.getOperand(index).getDefiningOp<ParamOp>();
    if (!p || !p.getType().getElementType().isF32())
      return; // a weight computed or passed through: stays f32
    params.push_back(p);
  }
  auto shape = cast<RankedTensorType>(arg.getType()).getShape();
  bool int8 = weightType.isInteger(8);
  Location loc = arg.getLoc();
  unsigned at = fn.getNumArguments();
  (void)fn.insertArgument(at, RankedTensorType::get(shape, weightType), {},
                          loc);
  if (int8)
    (void)fn.insertArgument(at + 1, scalesType(rewriter, shape[0]), {}, loc);
  for (auto [i, call] : llvm::enumerate(calls)) {
    ParamOp param = params[i];
    rewriter.setInsertionPointAfter(param);
    auto [weight, scales] = reducedParam(rewriter, param, weightType);
    SmallVector<Value> operands(call->getOperands());
    operands.push_back(weight);
    if (int8)
      operands.push_back(scales);
    call->setOperands(operands);
  }
  for (MatmulOp m : linears)
    replaceLinear(rewriter, m, fn.getArgument(at),
                  int8 ? fn.getArgument(at + 1) : Value());
  if (!arg.use_empty())
    return;
  for (func::CallOp call : calls)
    call->eraseOperand(index);
  // (erasing the argument also updates the function type)
  (void)fn.eraseArgument(index);
}

struct XfReducePrecisionPass final
    : mlir::xf::impl::XfReducePrecisionPassBase<XfReducePrecisionPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    Builder b(&getContext());
    Type weightType;
    if (precision == "bf16")
      weightType = b.getBF16Type();
    else if (precision == "int8")
      weightType = b.getIntegerType(8);
    else {
      module.emitError("xf-reduce-precision: unknown precision '")
          << precision << "' (expected bf16 or int8)";
      return signalPassFailure();
    }
    // Weights that layer functions receive as arguments, from the calls.
    IRRewriter rewriter(&getContext());
    DenseMap<func::FuncOp, SmallVector<func::CallOp>> calls;
    SymbolTable symbols(module);
    module.walk([&](func::CallOp call) {
      if (auto fn = symbols.lookup<func::FuncOp>(call.getCallee()))
        calls[fn].push_back(call);
    });
    for (auto fn : module.getOps<func::FuncOp>()) {
      if (!fn.isPrivate() || fn.isExternal())
        continue;
      // Last to first: erasing an argument leaves lower indices in place.
      for (unsigned i = fn.getNumArguments(); i-- > 0;)
        reduceWeightArgument(fn, i, calls.lookup(fn), weightType, rewriter);
    }
    // Linear layers reading a parameter directly.
    RewritePatternSet patterns(&getContext());
    populateXfReducePrecisionPatterns(patterns, weightType);
    if (failed(applyPatternsGreedily(module, std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

FailureOr<QuantizedLinearOp>
mlir::xf::reduceLinearPrecision(RewriterBase &rewriter, MatmulOp matmul,
                                Type weightType) {
  auto param = matmul.getRhs().getDefiningOp<ParamOp>();
  if (!param || !isLinear(matmul, param.getResult()))
    return rewriter.notifyMatchFailure(matmul,
                                       "not x · Wᵀ of an f32 parameter");
  // Next to the f32 parameter, whose other users (a tied embedding) stay.
  rewriter.setInsertionPointAfter(param);
  auto [weight, scales] = reducedParam(rewriter, param, weightType);
  return replaceLinear(rewriter, matmul, weight, scales);
}

void mlir::xf::populateXfReducePrecisionPatterns(RewritePatternSet &patterns,
                                                 Type weightType) {
  patterns.add<ReduceLinear>(patterns.getContext(), weightType);
}
