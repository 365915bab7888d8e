//===- KernelCalls.h - GPU kernels called from tensor code -------*- C++
//-*-===//
//
// Buffer deallocation does not model gpu.launch's workgroup memory and
// barriers, so the hand-written GPU kernels enter as calls of declarations
// marked `xf.gpu_kernel` (codegen/Common/KernelCalls.h); after
// bufferization and deallocation, xf-gpu-define-kernels gives each
// declaration its body, the launch.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_GPU_KERNELCALLS_H
#define XF_CODEGEN_GPU_KERNELCALLS_H

#include "codegen/Common/KernelCalls.h"

namespace mlir::xf {

/// The kernel bodies, one per kind: `fn` is a declaration made by
/// replaceWithKernelCall; each adds the entry block with its launch.
void emitAttentionKernel(func::FuncOp fn, DictionaryAttr spec);
void emitNormKernel(func::FuncOp fn, DictionaryAttr spec);

} // namespace mlir::xf

#endif // XF_CODEGEN_GPU_KERNELCALLS_H
