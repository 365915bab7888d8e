//===- ElementwiseChains.cpp - Elementwise xf chains as Halide kernels ----===//
//
// With `convert-xf-to-linalg{halide-kernels=elementwise}`, each chain of
// elementwise float ops (add, sub, mul, div, scale, relu, silu, tanh, gelu)
// becomes one Halide kernel: the chain is a tree whose inner ops have one
// use each, its leaves the kernel's inputs, its root the kernel's result.
// The tree is written into the spec as one expression, e.g. for LLaMA's
// gated MLP `mul(silu(i0),i1)`, and each input's broadcast as one letter
// per result dim (`d` indexed, `1` a stretched size-1 dim, `-` a missing
// leading dim): the same rules as the linalg lowering (trailing dims
// align; only a static 1 stretches).
//
// Chains are grouped here, before the conversion: its patterns see one op
// at a time and would lower a chain's first ops before reaching its root.
//
//===----------------------------------------------------------------------===//

#include "codegen/Common/KernelCalls.h"
#include "codegen/Passes.h"
#include "dialect/IR/XfOps.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::xf;

namespace {

/// The op's function in the spec's expression language, "" when the op is
/// not a chain op.
StringRef functionOf(Operation *op) {
  return llvm::TypeSwitch<Operation *, StringRef>(op)
      .Case([](AddOp) { return "add"; })
      .Case([](SubOp) { return "sub"; })
      .Case([](MulOp) { return "mul"; })
      .Case([](DivOp) { return "div"; })
      .Case([](ScaleOp) { return "mul"; })
      .Case([](ReluOp) { return "relu"; })
      .Case([](SiluOp) { return "silu"; })
      .Case([](TanhOp) { return "tanh"; })
      .Case([](GeluOp op) { return op.getTanh() ? "gelu_tanh" : "gelu"; })
      .Default([](Operation *) { return ""; });
}

bool isChainOp(Operation *op) { return op && !functionOf(op).empty(); }

/// Whether `op` belongs to the chain of its only user.
bool isInner(Operation *op) {
  if (!isChainOp(op) || !op->hasOneUse())
    return false;
  Operation *user = *op->getUsers().begin();
  return isChainOp(user) && user->getBlock() == op->getBlock();
}

/// One chain: its ops (producers first), inputs and expression.
struct Chain {
  SmallVector<Operation *> ops;
  SmallVector<Value> inputs;

  /// The expression of `v` within the chain.
  std::string expression(Value v) {
    Operation *op = v.getDefiningOp();
    if (!op || !isInner(op)) {
      auto *it = llvm::find(inputs, v);
      if (it == inputs.end())
        it = inputs.insert(it, v);
      return "i" + std::to_string(it - inputs.begin());
    }
    return apply(op);
  }

  std::string apply(Operation *op) {
    std::string text = functionOf(op).str() + "(";
    for (auto [i, operand] : llvm::enumerate(op->getOperands()))
      text += (i ? "," : "") + expression(operand);
    if (auto scale = dyn_cast<ScaleOp>(op))
      text += llvm::formatv(",{0:e9}", scale.getFactor().convertToDouble())
                  .str();
    ops.push_back(op);
    return text + ")";
  }
};

/// How `input` broadcasts into `out`: a letter per dim of `out`.
std::string broadcastOf(RankedTensorType input, RankedTensorType out) {
  int64_t offset = out.getRank() - input.getRank();
  std::string letters(offset, '-');
  for (int64_t k = 0; k < input.getRank(); ++k)
    letters += input.getDimSize(k) == 1 && out.getDimSize(offset + k) != 1
                   ? '1'
                   : 'd';
  return letters;
}

void replaceChain(IRRewriter &rewriter, Operation *root, bool explain) {
  Chain chain;
  std::string expression = chain.apply(root);
  auto outType = cast<RankedTensorType>(root->getResult(0).getType());
  if (outType.getRank() == 0) {
    if (explain)
      root->emitRemark() << root->getName()
                         << " keeps the MLIR kernel: a scalar result";
    return;
  }
  Builder b(root->getContext());
  SmallVector<NamedAttribute> spec = {
      b.getNamedAttr("rank", b.getI64IntegerAttr(outType.getRank())),
      b.getNamedAttr("inputs", b.getI64IntegerAttr(chain.inputs.size())),
      b.getNamedAttr("expr", b.getStringAttr(expression))};
  for (auto [i, input] : llvm::enumerate(chain.inputs))
    spec.push_back(b.getNamedAttr(
        "in" + std::to_string(i),
        b.getStringAttr(broadcastOf(cast<RankedTensorType>(input.getType()),
                                    outType))));
  rewriter.setInsertionPoint(root);
  Location loc = root->getLoc();
  // A dynamic result dim is the size of an input that has it unstretched.
  SmallVector<Value> dynSizes;
  for (int64_t d = 0; d < outType.getRank(); ++d) {
    if (!outType.isDynamicDim(d))
      continue;
    for (Value input : chain.inputs) {
      auto type = cast<RankedTensorType>(input.getType());
      int64_t k = d - (outType.getRank() - type.getRank());
      if (k < 0 || type.getDimSize(k) == 1)
        continue;
      dynSizes.push_back(getValueOrCreateConstantIndexOp(
          rewriter, loc, tensor::getMixedSize(rewriter, loc, input, k)));
      break;
    }
  }
  if (explain)
    for (Operation *op : chain.ops)
      op->emitRemark() << op->getName()
                       << " runs in the Halide elementwise kernel of a chain "
                          "of "
                       << chain.ops.size() << " op(s)";
  replaceWithKernelCall(rewriter, root, XfDialect::getHalideKernelAttrName(),
                        "elementwise", b.getDictionaryAttr(spec),
                        chain.inputs, outType, dynSizes);
  // The root is replaced; the rest were used by the chain alone.
  for (Operation *op : llvm::reverse(ArrayRef(chain.ops).drop_back()))
    rewriter.eraseOp(op);
}

} // namespace

void mlir::xf::groupXfElementwiseChainsForHalide(Operation *root,
                                                 bool explain) {
  SmallVector<Operation *> roots;
  root->walk([&](Operation *op) {
    if (isChainOp(op) && !isInner(op))
      roots.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (Operation *op : roots)
    replaceChain(rewriter, op, explain);
}
