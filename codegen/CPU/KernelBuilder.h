//===- KernelBuilder.h - Small builders the CPU kernels share ---*- C++ -*-===//
//
// The 16x16 register transpose both hand-written CPU kernels (MatmulKernel,
// FlashAttention) use to turn rows into columns without a transposed copy in
// memory, next to the loop builders all kernels share.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_CPU_KERNELBUILDER_H
#define XF_CODEGEN_CPU_KERNELBUILDER_H

#include "codegen/Common/LoopBuilder.h"

namespace mlir::xf::cpu {

/// The 16 columns of the 16x16 f32 tile whose rows are `rows` (up to 16
/// vectors of 16; missing rows are zero), by one `vector.transpose`
/// (lowered to AVX-512 shuffles).
SmallVector<Value> transpose16(OpBuilder &b, Location loc, ValueRange rows);

} // namespace mlir::xf::cpu

#endif // XF_CODEGEN_CPU_KERNELBUILDER_H
