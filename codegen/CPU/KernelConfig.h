//===- KernelConfig.h - The CPU kernels' tiling per target ------*- C++ -*-===//
//
// The register tiling of the CPU linear kernel, chosen per target in one
// place and carried in the IR as the module attribute
// `xf.cpu_kernel_config` (so `--emit` shows it, and a hand-written module
// may set its own).
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_CPU_KERNELCONFIG_H
#define XF_CODEGEN_CPU_KERNELCONFIG_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::xf::cpu {

/// A linear kernel's tile: `panels` panels of 16 rows of x times `cols`
/// columns of W in accumulators, K unrolled by `kUnroll`; and for a few
/// rows of x (a generation step's), the streaming shapes: (rows of x, rows
/// of W) per step, the first whose rows of x cover M. Vector operands are
/// 16 f32 lanes whatever the target; LLVM splits them into two 256-bit
/// halves where there is no AVX-512, so an accumulator costs 512 / vector
/// bits registers.
struct KernelConfig {
  int64_t panels = 2, cols = 12, kUnroll = 4;
  /// One row of W at a time: the kernel then reads W front to back, one
  /// sequential stream per thread (with its L2 prefetch 16 KB ahead), which
  /// in huge pages (the runtime's weight arena) streams faster than
  /// several rows of W side by side: a seed model's generation step 15-20%
  /// faster with AVX-512, ~10% with AVX2; from the file's mapping, the same.
  SmallVector<std::pair<int64_t, int64_t>> dotShapes = {{1, 1}, {2, 1}, {4, 1}};

  /// For a CPU with AVX-512 (32 zmm registers: 2x12 accumulators, 2 x
  /// vectors and a broadcast) or without (16 ymm: 1x6 accumulators of two
  /// halves each, one x vector of two halves and a broadcast).
  static KernelConfig forTarget(bool avx512);
  /// The module's `xf.cpu_kernel_config`, the AVX-512 tiling where it has
  /// none.
  static KernelConfig of(ModuleOp module);
  DictionaryAttr toAttr(MLIRContext *ctx) const;
};

} // namespace mlir::xf::cpu

#endif // XF_CODEGEN_CPU_KERNELCONFIG_H
