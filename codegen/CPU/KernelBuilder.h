//===- KernelBuilder.h - Small builders the CPU kernels share ---*- C++ -*-===//
//
// What both hand-written CPU kernels (MatmulKernel, FlashAttention) share:
// the 16x16 register transpose that turns rows into columns (x into its
// panels, K into its blocks of Kᵀ), and the marking of their out-of-line
// kernel functions; next to the loop builders all kernels share.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_CPU_KERNELBUILDER_H
#define XF_CODEGEN_CPU_KERNELBUILDER_H

#include "codegen/Common/LoopBuilder.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::xf::cpu {

/// The 16 columns of the 16x16 f32 tile whose rows are `rows` (up to 16
/// vectors of 16; missing rows are zero), by one `vector.transpose`
/// (lowered to AVX-512 shuffles).
SmallVector<Value> transpose16(OpBuilder &b, Location loc, ValueRange rows);

/// Makes `kernel` private, internal to the library and never inlined: a
/// kernel function is shared by its call sites, and inlined copies cost
/// seconds of LLVM time.
void markOutOfLine(func::FuncOp kernel);

} // namespace mlir::xf::cpu

#endif // XF_CODEGEN_CPU_KERNELBUILDER_H
