//===- XfDialect.h - The xf dialect and its attributes ----------*- C++ -*-===//
//
// Declares the `xf` dialect class and its enum attributes (generated).
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

#endif // XF_DIALECT_IR_XFDIALECT_H
