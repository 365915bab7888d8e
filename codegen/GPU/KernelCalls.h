//===- KernelCalls.h - GPU kernels called from tensor code -------*- C++
//-*-===//
//
// Buffer deallocation does not model gpu.launch's workgroup memory and
// barriers, so the hand-written GPU kernels enter in two steps: the
// xf→linalg conversion replaces an op by a call, on buffers, of a private
// declaration carrying what the kernel needs (`xf.gpu_kernel`: the kind and
// a spec); after bufferization and deallocation, xf-gpu-define-kernels gives
// each declaration its body, the launch.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_GPU_KERNELCALLS_H
#define XF_CODEGEN_GPU_KERNELCALLS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::xf {

/// Replaces `op` by a call of a new private declaration `<caller>_<kind>`
/// with arguments (out, operands...) on buffers: the operands become
/// read-only buffers, `out` a fresh buffer of `outType` (dynamic sizes
/// `dynSizes`) that replaces the op's result through to_tensor. The call has
/// no tensor operand, so bufferization neither copies the operands nor
/// assumes the result aliases them.
void replaceWithKernelCall(ConversionPatternRewriter &rewriter, Operation *op,
                           StringRef kind, DictionaryAttr spec,
                           ValueRange operands, RankedTensorType outType,
                           ValueRange dynSizes);

/// The kernel bodies, one per kind: `fn` is a declaration made by
/// replaceWithKernelCall; each adds the entry block with its launch.
void emitAttentionKernel(func::FuncOp fn, DictionaryAttr spec);
void emitNormKernel(func::FuncOp fn, DictionaryAttr spec);

} // namespace mlir::xf

#endif // XF_CODEGEN_GPU_KERNELCALLS_H
