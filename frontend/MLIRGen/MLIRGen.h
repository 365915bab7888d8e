//===- MLIRGen.h - Expands a model description into xf IR -------*- C++ -*-===//
//
// Emits one `func.func` per entry point, with the ops a framework executes
// for the model: linear layers as a transpose of the stored [out, in] weight
// feeding a matmul, heads split by reshape + transpose, scores scaled, masked
// with -1e9 and softmaxed, heads merged by transpose + reshape. Nothing is
// fused here. Every op carries the location of the description line that
// caused it.
//
//===----------------------------------------------------------------------===//

#ifndef XF_FRONTEND_MLIRGEN_MLIRGEN_H
#define XF_FRONTEND_MLIRGEN_MLIRGEN_H

#include "frontend/AST/ModelAST.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace xf {

/// The value blocked attention scores are set to (the seed model's -1e9).
constexpr float kMaskValue = -1e9f;

/// Builds the module of `model`. Returns null with `error` set on a user
/// error Sema cannot see (one weight name used with two shapes), and null
/// with `error` untouched if the result does not verify (an internal error:
/// a checked model always gives valid IR).
mlir::OwningOpRef<mlir::ModuleOp> mlirGen(mlir::MLIRContext &context,
                                          const ast::Model &model,
                                          ast::Error *error = nullptr);

} // namespace xf

#endif // XF_FRONTEND_MLIRGEN_MLIRGEN_H
