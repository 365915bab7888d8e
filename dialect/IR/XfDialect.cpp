//===- XfDialect.cpp - The xf dialect -------------------------------------===//
//
// Registers the ops, attributes and interfaces of the `xf` dialect.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/XfDialect.h"
#include "dialect/IR/XfOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Transforms/InliningUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::xf;

#include "dialect/IR/XfDialect.cpp.inc"
#include "dialect/IR/XfEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/XfAttrs.cpp.inc"

namespace {
/// Every xf op is pure and region-free, so it may be inlined anywhere (the
/// layer functions MLIRGen emits, for instance).
struct XfInlinerInterface : DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void XfDialect::initialize() {
  addInterfaces<XfInlinerInterface>();
  addOperations<
#define GET_OP_LIST
#include "dialect/IR/XfOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/IR/XfAttrs.cpp.inc"
      >();
}
