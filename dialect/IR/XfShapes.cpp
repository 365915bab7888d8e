//===- XfShapes.cpp - Shape rules of the xf ops ---------------------------===//
//
// Broadcasting and matmul shape rules shared by type inference and the
// interpreter.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/XfShapes.h"
#include "mlir/IR/BuiltinTypeInterfaces.h"

using namespace mlir;

static std::string dimStr(int64_t d) {
  return ShapedType::isDynamic(d) ? "?" : std::to_string(d);
}

std::string xf::formatShape(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? "x" : "") + dimStr(d);
  return s;
}

LogicalResult xf::broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                                  SmallVectorImpl<int64_t> &result,
                                  std::string &reason) {
  size_t rank = std::max(lhs.size(), rhs.size());
  result.assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    // Align from the trailing dim; missing leading dims act as 1.
    int64_t a = i < lhs.size() ? lhs[lhs.size() - 1 - i] : 1;
    int64_t b = i < rhs.size() ? rhs[rhs.size() - 1 - i] : 1;
    int64_t &out = result[rank - 1 - i];
    if (a == 1)
      out = b;
    else if (b == 1 || a == b)
      out = a;
    else if (ShapedType::isDynamic(a))
      out = b;
    else if (ShapedType::isDynamic(b))
      out = a;
    else {
      reason = "shapes " + formatShape(lhs) + " and " + formatShape(rhs) +
               " do not broadcast (dim " + std::to_string(a) + " vs " +
               std::to_string(b) + ")";
      return failure();
    }
  }
  return success();
}

bool xf::isBroadcastableTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[from.size() - 1 - i], t = to[to.size() - 1 - i];
    if (f != 1 && f != t && !ShapedType::isDynamic(f) &&
        !ShapedType::isDynamic(t))
      return false;
  }
  return true;
}

LogicalResult xf::matmulShape(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                              bool transposeA, bool transposeB,
                              SmallVectorImpl<int64_t> &result,
                              std::string &reason) {
  if (lhs.size() < 2 || rhs.size() < 2) {
    reason = "operands must have rank >= 2, found " + formatShape(lhs) +
             " and " + formatShape(rhs);
    return failure();
  }
  size_t lr = lhs.size(), rr = rhs.size();
  int64_t m = transposeA ? lhs[lr - 1] : lhs[lr - 2];
  int64_t ka = transposeA ? lhs[lr - 2] : lhs[lr - 1];
  int64_t kb = transposeB ? rhs[rr - 1] : rhs[rr - 2];
  int64_t n = transposeB ? rhs[rr - 2] : rhs[rr - 1];
  if (!ShapedType::isDynamic(ka) && !ShapedType::isDynamic(kb) && ka != kb) {
    reason = "contraction dims differ: lhs " + formatShape(lhs) +
             (transposeA ? " (transposed)" : "") + " has K = " + dimStr(ka) +
             ", rhs " + formatShape(rhs) + (transposeB ? " (transposed)" : "") +
             " has K = " + dimStr(kb);
    return failure();
  }
  if (failed(broadcastShapes(lhs.drop_back(2), rhs.drop_back(2), result,
                             reason))) {
    reason = "batch dims: " + reason;
    return failure();
  }
  result.push_back(m);
  result.push_back(n);
  return success();
}
