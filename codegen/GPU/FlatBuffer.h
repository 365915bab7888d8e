//===- FlatBuffer.h - Memrefs seen by GPU kernels as 1-D buffers -*- C++
//-*-===//
//
// GPU kernels take only 1-D buffers and scalars (the one calling convention
// both NVVM and SPIR-V lower): the host flattens each memref over its base
// allocation and the kernel indexes it with offset + Σ index·stride.
//
//===----------------------------------------------------------------------===//

#ifndef XF_CODEGEN_GPU_FLATBUFFER_H
#define XF_CODEGEN_GPU_FLATBUFFER_H

#include "mlir/IR/Builders.h"

namespace mlir::xf {

/// A memref seen as one flat buffer: element [i0, .., in] of the memref is
/// flat[offset + Σ ik·strides[k]].
struct FlatBuffer {
  Value flat;
  Value offset;
  SmallVector<Value> strides;
};

/// Emits, at `b`'s insertion point (host code), the flat view of `memref`.
FlatBuffer flatten(OpBuilder &b, Location loc, Value memref);

/// offset + Σ indices[k]·strides[k], emitted at `b`'s insertion point.
Value linearIndex(OpBuilder &b, Location loc, const FlatBuffer &fb,
                  ValueRange indices);

/// `cond ? fb.flat[index] : 0.0f`, touching memory only when `cond` holds
/// (edges of tiles and blocks); `index` is built inside the guard.
Value loadOrZero(OpBuilder &b, Location loc, Value cond, const FlatBuffer &fb,
                 function_ref<Value(OpBuilder &)> index);

} // namespace mlir::xf

#endif // XF_CODEGEN_GPU_FLATBUFFER_H
