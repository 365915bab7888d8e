//===- Gpu.h - GPU backends behind the generated launch calls ---*- C++ -*-===//
//
// A GPU library's host code calls two things: the generic allocation
// functions (_mlir_memref_to_llvm_alloc/free) and xf_gpu_launch(kernel,
// grid, block, args). Both go to the backend the runtime made current on the
// calling thread for the run. Backends: CUDA (driver API via dlopen of
// libcuda.so.1) and Vulkan (the system loader via dlopen of libvulkan.so.1).
// Memory is host-addressable on both (CUDA managed memory, Vulkan
// host-visible coherent memory), so the runtime copies inputs, weights and
// results with memcpy; the kernels do all the work.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_GPU_H
#define XF_RUNTIME_SRC_GPU_H

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xf::rt {

/// One kernel of the library's table: its name and operand kinds
/// (m buffer, i index, l i64, w i32, f f32).
struct KernelSpec {
  std::string name, kinds;
};

/// Parses the library's `xf_gpu_kernels` text (one "name:kinds" per line).
bool parseKernelTable(const char *text, std::vector<KernelSpec> &out,
                      std::string &error);

class GpuBackend {
public:
  virtual ~GpuBackend();

  /// Loads the library's device code (PTX or SPIR-V).
  virtual bool loadModule(const void *binary, size_t size,
                          const std::vector<KernelSpec> &kernels,
                          std::string &error) = 0;

  /// Queues a kernel; errors are kept for the next sync().
  virtual void launch(int kernel, const int64_t grid[3], const int64_t block[3],
                      const int64_t *args) = 0;

  /// Makes the device current on the calling thread (CUDA contexts are
  /// per thread); the runtime calls it when a run starts.
  virtual void activate() {}

  /// Waits for queued work, then makes freed blocks reusable; false with
  /// the first error since the last sync.
  bool sync(std::string &error);

  /// Device memory the host can address. Freed blocks become reusable
  /// only after the next sync(): queued kernels may still use them.
  void *alloc(size_t bytes);
  void free(void *ptr);

  /// Copies `bytes` from the host into a block from alloc(), queued in
  /// order with the launches (`host` may be reused when it returns;
  /// failures are kept for the next sync()), and, after sync(), a result
  /// back. The defaults copy with memcpy, for memory the device reads in
  /// place; CUDA copies by DMA to where the pages are, since its managed
  /// pages written by the host would move back to the device fault by
  /// fault.
  virtual void upload(void *device, const void *host, size_t bytes);
  virtual bool download(void *host, const void *device, size_t bytes,
                        std::string &error);

  /// Records an error for the next sync() (the generated code has no
  /// error path).
  void fail(std::string message) {
    if (pendingError.empty())
      pendingError = std::move(message);
  }

protected:
  /// Submits what is queued and waits until the device is idle, recording
  /// failures with fail().
  virtual void waitIdle() = 0;
  virtual void *rawAlloc(size_t bytes) = 0;
  virtual void rawFree(void *ptr) = 0;
  /// Releases every cached block; backends call it before tearing down.
  void releaseAll();
  std::string pendingError;

private:
  std::multimap<size_t, void *> reusable; ///< by size
  std::vector<void *> freedThisRun;
  std::map<void *, size_t> sizes; ///< every live or cached block
};

/// The backends; nullptr with `error` ("no CUDA driver", "no Vulkan
/// device", ...) where they cannot start.
std::unique_ptr<GpuBackend> createCudaBackend(int device, std::string &error);
std::unique_ptr<GpuBackend> createVulkanBackend(int device, std::string &error);

/// The library's own xf_gpu_bind (XF_SYM_GPU_BIND): makes a backend the
/// target of its generated code's calls on the calling thread (nullptr
/// unbinds). Each library holds its own runtime copy, so the runtime that
/// runs a model binds through the library's symbol, never its own.
using BindFn = void (*)(GpuBackend *);

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_GPU_H
