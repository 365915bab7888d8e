//===- Pipeline.h - The CPU lowering pipeline -------------------*- C++ -*-===//

#ifndef XF_CODEGEN_CPU_PIPELINE_H
#define XF_CODEGEN_CPU_PIPELINE_H

#include "codegen/Common/Bufferize.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::xf {

/// What the CPU code may use beyond the target's vector width.
struct CpuLoweringOptions {
  bool vnni = false;       ///< AVX512-VNNI: int8 dot products
  bool avx512bf16 = false; ///< AVX512-BF16: bf16 dot products
  HalideChoice halide;     ///< ops that run as Halide kernels
  bool profile = false;    ///< time every kernel (xfc --profile)
};

/// xf IR (parameters still as xf.param) → LLVM dialect, on the CPU.
void buildXfCpuLoweringPipeline(OpPassManager &pm,
                                const CpuLoweringOptions &options = {});

/// Registers `xf-cpu-lowering` so lit tests and xf-opt can run it.
void registerXfCpuPipelines();

} // namespace mlir::xf

#endif // XF_CODEGEN_CPU_PIPELINE_H
