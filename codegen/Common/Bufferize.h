//===- Bufferize.h - The lowering steps every target shares -----*- C++ -*-===//
//
// xf IR (parameters as arguments) → linalg on tensors → buffers with every
// temporary freed: the common prefix of the CPU and GPU pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_COMMON_BUFFERIZE_H
#define XF_CODEGEN_COMMON_BUFFERIZE_H

#include "mlir/Pass/PassManager.h"

namespace mlir::xf {

/// Adds: convert-xf-to-linalg (with the flash-style CPU attention kernel
/// if `cpuAttention`), elementwise fusion, xf-approximate-math, one-shot
/// bufferization with identity layouts at function boundaries, and buffer
/// deallocation.
void buildXfToBuffersPipeline(OpPassManager &pm, bool cpuAttention);

} // namespace mlir::xf

#endif // XF_CODEGEN_COMMON_BUFFERIZE_H
