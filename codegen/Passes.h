//===- Passes.h - Code generation passes of xfc -----------------*- C++ -*-===//

#ifndef XF_CODEGEN_PASSES_H
#define XF_CODEGEN_PASSES_H

#include "dialect/IR/XfDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::xf {

#define GEN_PASS_DECL
#include "codegen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/Passes.h.inc"

/// Adds the patterns that lower xf ops to linalg/tensor/arith/math.
void populateXfToLinalgConversionPatterns(RewritePatternSet &patterns);

/// Adds the flash-style CPU lowering of xf.attention (preferred over the
/// decomposition where it applies).
void populateXfCpuAttentionPatterns(RewritePatternSet &patterns);

/// Adds the patterns that hand the ops of `classes` (matmul, attention,
/// norm, embedding, positions) to Halide kernels where they cover them
/// (codegen/Halide), with a remark per op when `explain` is set.
void populateXfHalidePatterns(RewritePatternSet &patterns,
                              ArrayRef<std::string> classes, bool explain);

/// Replaces each xf.add of a linear layer's result (used by nothing else)
/// and a residual of the same shape by one Halide linear kernel with the
/// add as its epilogue; run before the conversion. A remark per op when
/// `explain` is set.
void fuseXfLinearResidualsForHalide(Operation *root, bool explain);

/// Replaces each chain of elementwise xf ops under `root` (a tree of
/// single-use float ops ending in one result) by one call of a Halide
/// elementwise kernel; run before the conversion, whose patterns see one
/// op at a time. A remark per op when `explain` is set.
void groupXfElementwiseChainsForHalide(Operation *root, bool explain);

/// Adds the first step of the GPU kernels for xf.attention (flash-style)
/// and the norms: calls of kernel declarations, preferred over the
/// decompositions where they apply (codegen/GPU/KernelCalls.h).
void populateXfGpuAttentionPatterns(RewritePatternSet &patterns);
void populateXfGpuNormPatterns(RewritePatternSet &patterns);
/// xf.cache_write as an scf.forall of strips, preferred over the CPU's
/// loop over batch rows on GPUs (codegen/GPU/CacheWrite.cpp).
void populateXfGpuCachePatterns(RewritePatternSet &patterns);

} // namespace mlir::xf

#endif // XF_CODEGEN_PASSES_H
