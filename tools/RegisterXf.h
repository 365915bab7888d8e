//===- RegisterXf.h - Dialects and passes every xfc tool registers -*- C++ -*-//
//
// One place that lists what the tools load, so `xf-opt`, `xfc` and the tests
// agree on the registered dialects and passes.
//
//===----------------------------------------------------------------------===//

#ifndef XF_TOOLS_REGISTERXF_H
#define XF_TOOLS_REGISTERXF_H

#include "dialect/IR/XfDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::xf {

/// Registers the `xf` dialect and the upstream dialects its IR uses.
inline void registerXfDialects(DialectRegistry &registry) {
  registry.insert<XfDialect, arith::ArithDialect, func::FuncDialect,
                  tensor::TensorDialect>();
}

/// Registers the upstream and xf passes the tools can run by name.
inline void registerXfPasses() {
  registerCanonicalizerPass();
  registerCSEPass();
}

} // namespace mlir::xf

#endif // XF_TOOLS_REGISTERXF_H
