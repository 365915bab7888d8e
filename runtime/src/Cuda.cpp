//===- Cuda.cpp - The CUDA backend: driver API through dlopen -------------===//
//
// libcuda.so.1 (or $XF_CUDA_LIBRARY) is opened at load time, never linked, so a
// library compiled for CUDA loads (and reports "no CUDA driver") on machines
// without one. PTX is JIT-compiled by the driver for the device's architecture;
// memory is managed (host-addressable), launches go to one stream per model;
// inputs, weights and results are copied by DMA on that stream.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Gpu.h"
#include "xf/abi.h"
#include <cstdlib>
#include <dlfcn.h>

using namespace xf::rt;

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;

constexpr unsigned kMemAttachGlobal = 1;
constexpr int kJitErrorLogBuffer = 5, kJitErrorLogBufferSize = 6;

/// The driver entry points xfc uses, by their ABI names.
struct CudaApi {
  CUresult (*init)(unsigned);
  CUresult (*getErrorString)(CUresult, const char **);
  CUresult (*deviceGetCount)(int *);
  CUresult (*deviceGet)(CUdevice *, int);
  CUresult (*primaryCtxRetain)(CUcontext *, CUdevice);
  CUresult (*primaryCtxRelease)(CUdevice);
  CUresult (*ctxSetCurrent)(CUcontext);
  CUresult (*moduleLoadDataEx)(CUmodule *, const void *, unsigned, int *,
                               void **);
  CUresult (*moduleUnload)(CUmodule);
  CUresult (*moduleGetFunction)(CUfunction *, CUmodule, const char *);
  CUresult (*memAllocManaged)(CUdeviceptr *, size_t, unsigned);
  CUresult (*memFree)(CUdeviceptr);
  CUresult (*streamCreate)(CUstream *, unsigned);
  CUresult (*streamDestroy)(CUstream);
  CUresult (*streamSynchronize)(CUstream);
  CUresult (*launchKernel)(CUfunction, unsigned, unsigned, unsigned, unsigned,
                           unsigned, unsigned, unsigned, CUstream, void **,
                           void **);
  CUresult (*memcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
  CUresult (*memcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
};

class CudaBackend : public GpuBackend {
public:
  ~CudaBackend() override {
    if (!library)
      return;
    if (context) {
      api.ctxSetCurrent(context);
      releaseAll();
      if (module)
        api.moduleUnload(module);
      if (stream)
        api.streamDestroy(stream);
      api.primaryCtxRelease(device);
    }
    dlclose(library);
  }

  bool start(int ordinal, std::string &error) {
    // XF_CUDA_LIBRARY names another driver library (tests use the
    // toolkit's stub, whose cuInit fails).
    const char *path = std::getenv("XF_CUDA_LIBRARY");
    if (!path || !*path)
      path = "libcuda.so.1";
    library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      error = std::string("no CUDA driver (cannot load ") + path + ")";
      return false;
    }
    struct {
      void **slot;
      const char *name;
    } symbols[] = {
        {(void **)&api.init, "cuInit"},
        {(void **)&api.getErrorString, "cuGetErrorString"},
        {(void **)&api.deviceGetCount, "cuDeviceGetCount"},
        {(void **)&api.deviceGet, "cuDeviceGet"},
        {(void **)&api.primaryCtxRetain, "cuDevicePrimaryCtxRetain"},
        {(void **)&api.primaryCtxRelease, "cuDevicePrimaryCtxRelease_v2"},
        {(void **)&api.ctxSetCurrent, "cuCtxSetCurrent"},
        {(void **)&api.moduleLoadDataEx, "cuModuleLoadDataEx"},
        {(void **)&api.moduleUnload, "cuModuleUnload"},
        {(void **)&api.moduleGetFunction, "cuModuleGetFunction"},
        {(void **)&api.memAllocManaged, "cuMemAllocManaged"},
        {(void **)&api.memFree, "cuMemFree_v2"},
        {(void **)&api.streamCreate, "cuStreamCreate"},
        {(void **)&api.streamDestroy, "cuStreamDestroy_v2"},
        {(void **)&api.streamSynchronize, "cuStreamSynchronize"},
        {(void **)&api.launchKernel, "cuLaunchKernel"},
        {(void **)&api.memcpyHtoDAsync, "cuMemcpyHtoDAsync_v2"},
        {(void **)&api.memcpyDtoHAsync, "cuMemcpyDtoHAsync_v2"},
    };
    for (auto &s : symbols)
      if (!(*s.slot = dlsym(library, s.name))) {
        error = std::string("the CUDA driver lacks ") + s.name;
        return false;
      }
    int count = 0;
    if (!check(api.init(0), "cuInit", error) ||
        !check(api.deviceGetCount(&count), "cuDeviceGetCount", error))
      return false;
    if (ordinal < 0 || ordinal >= count) {
      error = "CUDA device " + std::to_string(ordinal) + " requested, " +
              std::to_string(count) + " present";
      return false;
    }
    return check(api.deviceGet(&device, ordinal), "cuDeviceGet", error) &&
           check(api.primaryCtxRetain(&context, device),
                 "cuDevicePrimaryCtxRetain", error) &&
           check(api.ctxSetCurrent(context), "cuCtxSetCurrent", error) &&
           check(api.streamCreate(&stream, 0), "cuStreamCreate", error);
  }

  bool loadModule(const void *binary, size_t size,
                  const std::vector<KernelSpec> &table,
                  std::string &error) override {
    (void)size; // PTX is NUL-terminated text
    char log[4096] = {0};
    int options[] = {kJitErrorLogBuffer, kJitErrorLogBufferSize};
    void *values[] = {log, reinterpret_cast<void *>(sizeof(log))};
    if (!check(api.moduleLoadDataEx(&module, binary, 2, options, values),
               "loading the PTX", error)) {
      if (log[0])
        error += ": " + std::string(log);
      return false;
    }
    for (const KernelSpec &k : table) {
      CUfunction fn = nullptr;
      if (!check(api.moduleGetFunction(&fn, module, k.name.c_str()),
                 ("kernel " + k.name).c_str(), error))
        return false;
      kernels.push_back({fn, k.kinds});
    }
    return true;
  }

  void launch(int kernel, const int64_t grid[3], const int64_t block[3],
              const int64_t *args) override {
    if (!pendingError.empty())
      return;
    if (kernel < 0 || kernel >= static_cast<int>(kernels.size()))
      return fail("launch of unknown kernel " + std::to_string(kernel));
    const Kernel &k = kernels[kernel];
    // Each operand as the NVVM calling convention expands it: a 1-D memref
    // is {allocated, aligned, offset, size, stride}; i64 and index take a
    // word, i32 and f32 its low half. (Reserved: the pointers stay valid.)
    // A buffer's extent (its second word) is not needed here.
    std::vector<int64_t> words;
    words.reserve(5 * k.kinds.size());
    std::vector<void *> params;
    for (size_t i = 0; i < k.kinds.size(); ++i) {
      if (k.kinds[i] == XF_KIND_BUFFER) {
        words.insert(words.end(), {*args, *args, 0, INT64_MAX / 8, 1});
        args += 2;
      } else {
        words.push_back(*args++);
      }
      size_t n = k.kinds[i] == XF_KIND_BUFFER ? 5 : 1;
      for (size_t j = words.size() - n; j < words.size(); ++j)
        params.push_back(&words[j]);
    }
    std::string error;
    if (!check(api.launchKernel(k.fn, grid[0], grid[1], grid[2], block[0],
                                block[1], block[2], 0, stream, params.data(),
                                nullptr),
               "cuLaunchKernel", error))
      fail(error);
  }

  void activate() override { api.ctxSetCurrent(context); }

  // From pageable memory the driver stages the source before returning.
  void upload(void *device, const void *host, size_t bytes) override {
    std::string error;
    if (bytes &&
        !check(api.memcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(device), host,
                                   bytes, stream),
               "cuMemcpyHtoDAsync", error))
      fail(error);
  }

  bool download(void *host, const void *device, size_t bytes,
                std::string &error) override {
    return !bytes ||
           (check(api.memcpyDtoHAsync(host,
                                      reinterpret_cast<CUdeviceptr>(device),
                                      bytes, stream),
                  "cuMemcpyDtoHAsync", error) &&
            check(api.streamSynchronize(stream), "cuStreamSynchronize", error));
  }

protected:
  void waitIdle() override {
    std::string error;
    if (!check(api.streamSynchronize(stream), "cuStreamSynchronize", error))
      fail(error);
  }

  void *rawAlloc(size_t bytes) override {
    CUdeviceptr ptr = 0;
    if (api.memAllocManaged(&ptr, bytes, kMemAttachGlobal) != 0)
      return nullptr;
    return reinterpret_cast<void *>(ptr);
  }
  void rawFree(void *ptr) override {
    api.memFree(reinterpret_cast<CUdeviceptr>(ptr));
  }

private:
  bool check(CUresult r, const char *what, std::string &error) {
    if (r == 0)
      return true;
    const char *text = nullptr;
    if (api.getErrorString)
      api.getErrorString(r, &text);
    error = std::string(what) + " failed: CUDA error " + std::to_string(r) +
            (text ? std::string(" (") + text + ")" : "");
    return false;
  }

  struct Kernel {
    CUfunction fn;
    std::string kinds;
  };
  void *library = nullptr;
  CudaApi api{};
  CUdevice device = 0;
  CUcontext context = nullptr;
  CUstream stream = nullptr;
  CUmodule module = nullptr;
  std::vector<Kernel> kernels;
};

} // namespace

std::unique_ptr<GpuBackend> xf::rt::createCudaBackend(int device,
                                                      std::string &error) {
  auto backend = std::make_unique<CudaBackend>();
  if (!backend->start(device, error))
    return nullptr;
  return backend;
}
