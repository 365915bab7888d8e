//===- XfOps.h - Operations of the xf dialect -------------------*- C++ -*-===//
//
// Declares the generated op classes of the `xf` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_IR_XFOPS_H
#define XF_DIALECT_IR_XFOPS_H

#include "dialect/IR/XfDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "dialect/IR/XfOps.h.inc"

#endif // XF_DIALECT_IR_XFOPS_H
