//===- KernelCalls.h - Ops replaced by calls of kernel declarations -*- C++ -*-//
//
// Kernels that are not linalg (the hand-written GPU kernels, the Halide
// kernels) enter the tensor code in two steps: the xf→linalg conversion
// replaces an op by a call, on buffers, of a private declaration that
// carries what the kernel needs under a marker attribute ({kind, spec});
// after bufferization a target's define pass gives each such declaration
// its body (a GPU launch, a call of a Halide pipeline).
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_COMMON_KERNELCALLS_H
#define XF_CODEGEN_COMMON_KERNELCALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::xf {

/// Replaces `op` by a call of a new private declaration `<caller>_<kind>`
/// marked `marker` = {kind, spec}, with arguments (out, operands...) on
/// buffers: the operands become read-only buffers, `out` a fresh buffer of
/// `outType` (dynamic sizes `dynSizes`) whose tensor replaces the op's
/// result; the call gets `outView(out)` instead when given (a reshaped
/// view of it). The call has no tensor operand, so bufferization neither
/// copies the operands nor assumes the result aliases them.
void replaceWithKernelCall(
    RewriterBase &rewriter, Operation *op, StringRef marker,
    StringRef kind, DictionaryAttr spec, ValueRange operands,
    RankedTensorType outType, ValueRange dynSizes,
    function_ref<Value(Value)> outView = nullptr);

} // namespace mlir::xf

#endif // XF_CODEGEN_COMMON_KERNELCALLS_H
