//===- HostAlloc.h - The CPU allocator behind generated code ----*- C++ -*-===//
//
// Compiled CPU code allocates its temporaries and results through
// `_mlir_memref_to_llvm_alloc/free` (runtime/src/Gpu.cpp routes them here
// when no GPU backend is bound), and a CPU generation state's caches come
// from it too. Blocks of 64 KiB and more are kept after they are freed and
// handed out again, so a model run in a loop (or a state per request) does
// not map, fault in and unmap its large buffers on every call (which cost a
// third of a linear layer's time); smaller blocks are plain malloc.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_HOSTALLOC_H
#define XF_RUNTIME_SRC_HOSTALLOC_H

#include <cstddef>

namespace xf::rt {

/// At least `bytes` bytes, 16-byte aligned, from malloc (a block that is not
/// freed here may be released with free); nullptr when out of memory.
void *hostAlloc(size_t bytes);
/// Frees (or keeps for reuse) a block from hostAlloc; nullptr is ignored.
void hostFree(void *ptr);

/// The library's own xf_host_free (XF_SYM_HOST_FREE): each library holds
/// its own runtime copy, so the runtime that runs a model frees through the
/// library's symbol.
using HostFreeFn = void (*)(void *);

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_HOSTALLOC_H
