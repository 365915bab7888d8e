//===- Bufferize.h - The lowering steps every target shares -----*- C++ -*-===//
//
// xf IR (parameters as arguments) → linalg on tensors → buffers with every
// temporary freed: the common prefix of the CPU and GPU pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_COMMON_BUFFERIZE_H
#define XF_CODEGEN_COMMON_BUFFERIZE_H

#include "mlir/Pass/PassManager.h"
#include <string>
#include <vector>

namespace mlir::xf {

/// Whose hand-written kernels replace decompositions where they apply: the
/// CPU's flash attention, or the GPU's attention and norm kernels.
enum class KernelTarget { Cpu, Gpu };

/// Which op classes (matmul, attention, norm, elementwise, embedding, positions) go to
/// Halide kernels, and whether each says so (--explain-fusion).
struct HalideChoice {
  std::vector<std::string> classes;
  bool explain = false;
};

/// Adds: convert-xf-to-linalg (with the hand-written kernels of `kernels`,
/// and `halide`'s classes as calls of Halide kernels), elementwise fusion,
/// xf-approximate-math, one-shot bufferization with identity layouts at
/// function boundaries, buffer deallocation, and the Halide calls' bodies.
void buildXfToBuffersPipeline(OpPassManager &pm, KernelTarget kernels,
                              const HalideChoice &halide = {});

} // namespace mlir::xf

#endif // XF_CODEGEN_COMMON_BUFFERIZE_H
