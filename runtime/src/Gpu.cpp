//===- Gpu.cpp - The calls generated GPU host code makes ------------------===//
//
// The current backend per thread, the launch and allocation entry points the
// compiled host code calls (host allocations where no backend is bound), the
// kernel table, and the block cache shared by the backends.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Gpu.h"
#include "runtime/src/HostAlloc.h"
#include "xf/abi.h"
#include <algorithm>
#include <cstring>

using namespace xf::rt;

namespace {
thread_local GpuBackend *current = nullptr;
} // namespace

GpuBackend::~GpuBackend() = default;

void *GpuBackend::alloc(size_t bytes) {
  // Round up so blocks of similar size are interchangeable.
  size_t size = (std::max<size_t>(bytes, 1) + 255) & ~size_t(255);
  auto it = reusable.lower_bound(size);
  if (it != reusable.end() && it->first <= 2 * size) {
    void *ptr = it->second;
    reusable.erase(it);
    return ptr;
  }
  void *ptr = rawAlloc(size);
  if (!ptr) {
    fail("out of device memory allocating " + std::to_string(bytes) + " bytes");
    return nullptr;
  }
  sizes[ptr] = size;
  return ptr;
}

void GpuBackend::free(void *ptr) {
  if (ptr && sizes.count(ptr))
    freedThisRun.push_back(ptr);
}

bool GpuBackend::sync(std::string &error) {
  waitIdle();
  for (void *ptr : freedThisRun)
    reusable.insert({sizes[ptr], ptr});
  freedThisRun.clear();
  error = std::move(pendingError);
  pendingError.clear();
  return error.empty();
}

void GpuBackend::upload(void *device, const void *host, size_t bytes) {
  std::memcpy(device, host, bytes);
}

bool GpuBackend::download(void *host, const void *device, size_t bytes,
                          std::string &error) {
  (void)error;
  std::memcpy(host, device, bytes);
  return true;
}

void GpuBackend::releaseAll() {
  for (auto &[ptr, size] : sizes)
    rawFree(ptr);
  sizes.clear();
  reusable.clear();
  freedThisRun.clear();
}

bool xf::rt::parseKernelTable(const char *text, std::vector<KernelSpec> &out,
                              std::string &error) {
  out.clear();
  std::string all = text ? text : "";
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string::npos)
      end = all.size();
    std::string line = all.substr(start, end - start);
    start = end + 1;
    if (line.empty())
      continue;
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0 ||
        line.find_first_not_of(XF_KINDS, colon + 1) != std::string::npos) {
      error = "bad kernel table line '" + line + "'";
      return false;
    }
    out.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  return true;
}

// The functions the generated host code calls (hidden: each library
// resolves its own copy).
extern "C" {

__attribute__((visibility("default"))) void xf_gpu_bind(GpuBackend *backend) {
  current = backend;
}

// Allocations: the bound GPU backend's memory, else (CPU libraries, and
// OpenMP worker threads) the host allocator.
void *_mlir_memref_to_llvm_alloc(size_t bytes) {
  return current ? current->alloc(bytes) : hostAlloc(bytes);
}

void _mlir_memref_to_llvm_free(void *ptr) {
  if (current)
    current->free(ptr);
  else
    hostFree(ptr);
}

void xf_gpu_launch(int32_t kernel, int64_t gx, int64_t gy, int64_t gz,
                   int64_t bx, int64_t by, int64_t bz, int64_t args) {
  if (!current)
    return;
  const int64_t grid[3] = {gx, gy, gz}, block[3] = {bx, by, bz};
  current->launch(kernel, grid, block, reinterpret_cast<const int64_t *>(args));
}

} // extern "C"
