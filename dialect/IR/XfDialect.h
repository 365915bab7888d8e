//===- XfDialect.h - The xf dialect and its attributes ----------*- C++ -*-===//
//
// Declares the `xf` dialect class and its enum attributes (generated), and
// the axes an attention layout puts each dim on.
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_IR_XFDIALECT_H
#define XF_DIALECT_IR_XFDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "dialect/IR/XfDialect.h.inc"
#include "dialect/IR/XfEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/XfAttrs.h.inc"

namespace mlir::xf {

/// The axes of a 4-D attention operand stored in `layout` (batch is axis 0):
/// heads, sequence positions, head dims.
inline unsigned headsAxis(Layout layout) {
  return layout == Layout::BSHD ? 2 : 1;
}
inline unsigned seqAxis(Layout layout) {
  return layout == Layout::BSHD ? 1 : layout == Layout::BHDS ? 3 : 2;
}
inline unsigned widthAxis(Layout layout) {
  return layout == Layout::BHDS ? 2 : 3;
}

/// Checks that every xf op under `root` sits in a region with SSA
/// dominance (a function body), emitting an error on the first that does
/// not. The verifier allows xf ops at a module's top level, a graph
/// region, where an op may use its own result; rewrites such as
/// scale(scale(x)) -> scale(x) would then loop forever.
LogicalResult verifyXfOpsInFunctions(Operation *root);

} // namespace mlir::xf

#endif // XF_DIALECT_IR_XFDIALECT_H
