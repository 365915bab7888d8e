//===- XfDialect.cpp - The xf dialect -------------------------------------===//
//
// Registers the ops and attributes of the `xf` dialect.
//
//===----------------------------------------------------------------------===//

#include "dialect/IR/XfDialect.h"
#include "dialect/IR/XfOps.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::xf;

#include "dialect/IR/XfDialect.cpp.inc"
#include "dialect/IR/XfEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dialect/IR/XfAttrs.cpp.inc"

void XfDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "dialect/IR/XfOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialect/IR/XfAttrs.cpp.inc"
      >();
}
