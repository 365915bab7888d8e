//===- Pipeline.h - The CPU lowering pipeline -------------------*- C++ -*-===//

#ifndef XF_CODEGEN_CPU_PIPELINE_H
#define XF_CODEGEN_CPU_PIPELINE_H

#include "mlir/Pass/PassManager.h"

namespace mlir::xf {

/// xf IR (parameters still as xf.param) → LLVM dialect, on the CPU.
void buildXfCpuLoweringPipeline(OpPassManager &pm);

/// Registers `xf-cpu-lowering` so lit tests and xf-opt can run it.
void registerXfCpuPipelines();

} // namespace mlir::xf

#endif // XF_CODEGEN_CPU_PIPELINE_H
