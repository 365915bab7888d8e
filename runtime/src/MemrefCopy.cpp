//===- MemrefCopy.cpp - The strided copy compiled code calls --------------===//
//
// MLIR lowers a memref.copy between buffers that are not both contiguous
// (a slice of a fused projection's columns, say) to a call of
// `memrefCopy(elementSize, &src, &dst)` on unranked descriptors; upstream
// it lives in libmlir_c_runner_utils, which a library must not need, so
// the runtime that every library links provides it.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstring>

namespace {

/// An unranked memref: its rank and a ranked descriptor {allocated,
/// aligned, offset, sizes[rank], strides[rank]}.
struct Unranked {
  int64_t rank;
  void *descriptor;
};

struct View {
  char *data;
  const int64_t *sizes, *strides;
};

View view(const Unranked &m, int64_t elementSize) {
  auto *d = static_cast<char **>(m.descriptor);
  auto *fields = reinterpret_cast<const int64_t *>(d + 2);
  return {d[1] + fields[0] * elementSize, fields + 1, fields + 1 + m.rank};
}

void copy(const View &src, const View &dst, int64_t rank, int64_t dim,
          int64_t srcOffset, int64_t dstOffset, int64_t elementSize) {
  if (dim == rank) {
    std::memcpy(dst.data + dstOffset * elementSize,
                src.data + srcOffset * elementSize, elementSize);
    return;
  }
  if (dim == rank - 1 && src.strides[dim] == 1 && dst.strides[dim] == 1) {
    std::memcpy(dst.data + dstOffset * elementSize,
                src.data + srcOffset * elementSize,
                src.sizes[dim] * elementSize);
    return;
  }
  for (int64_t i = 0; i < src.sizes[dim]; ++i)
    copy(src, dst, rank, dim + 1, srcOffset + i * src.strides[dim],
         dstOffset + i * dst.strides[dim], elementSize);
}

} // namespace

extern "C" void memrefCopy(int64_t elementSize, Unranked *src, Unranked *dst) {
  for (int64_t k = 0; k < src->rank; ++k)
    if (view(*src, elementSize).sizes[k] == 0)
      return;
  copy(view(*src, elementSize), view(*dst, elementSize), src->rank, 0, 0, 0,
       elementSize);
}
