//===- Interpreter.h - The reference semantics of the xf ops ----*- C++ -*-===//
//
// Runs a function of xf IR on host tensors with straightforward loops (no
// fusion, no codegen). It defines what every op means and is the oracle that
// passes and code generation are tested against. Bad inputs (token ids out of
// range, shapes that do not broadcast at run time, missing parameters) give
// an error message, never a crash.
//
//===----------------------------------------------------------------------===//

#ifndef XF_DIALECT_INTERPRETER_INTERPRETER_H
#define XF_DIALECT_INTERPRETER_INTERPRETER_H

#include "dialect/Interpreter/HostTensor.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include <functional>
#include <optional>

namespace mlir::xf {

/// Supplies the parameter `name` with the given static shape, or returns
/// nothing and explains why in `error`.
using ParamProvider = std::function<std::optional<HostTensor>(
    const std::string &name, const std::vector<int64_t> &shape,
    std::string &error)>;

/// Evaluates `fn` on `inputs` (one per argument, checked against the
/// argument types). On failure returns false with a message in `error`.
bool interpret(func::FuncOp fn, const std::vector<HostTensor> &inputs,
               const ParamProvider &params, std::vector<HostTensor> &results,
               std::string &error);

} // namespace mlir::xf

#endif // XF_DIALECT_INTERPRETER_INTERPRETER_H
