//===- HostAlloc.cpp - The CPU allocator behind generated code ------------===//
//
// Each block carries a 64-byte header with its capacity, so freeing a small
// block needs no lookup and no lock; large blocks go to a size-ordered cache
// under a mutex (allocations of that size are few per run).
//
//===----------------------------------------------------------------------===//

#include "runtime/src/HostAlloc.h"
#include <cstdlib>
#include <map>
#include <mutex>

using namespace xf::rt;

namespace {

constexpr size_t kHeader = 64;
constexpr size_t kLarge = size_t(1) << 20;
constexpr size_t kGranule = size_t(1) << 16; ///< large sizes round up to it
/// Bytes kept for reuse at most; blocks freed beyond it go back to malloc.
constexpr size_t kCacheLimit = size_t(1) << 30;

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, char *> blocks; ///< capacity → header address
  size_t bytes = 0;
  ~Cache() {
    for (auto &[size, raw] : blocks)
      std::free(raw);
  }
};

Cache &cache() {
  static Cache c;
  return c;
}

} // namespace

void *xf::rt::hostAlloc(size_t bytes) {
  size_t capacity = bytes;
  if (bytes >= kLarge) {
    capacity = (bytes + kGranule - 1) / kGranule * kGranule;
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    // The smallest kept block that fits, if not more than twice the size.
    auto it = c.blocks.lower_bound(capacity);
    if (it != c.blocks.end() && it->first <= 2 * capacity) {
      char *raw = it->second;
      c.bytes -= it->first;
      c.blocks.erase(it);
      return raw + kHeader;
    }
  }
  char *raw = static_cast<char *>(std::malloc(capacity + kHeader));
  if (!raw)
    return nullptr;
  *reinterpret_cast<size_t *>(raw) = capacity;
  return raw + kHeader;
}

void xf::rt::hostFree(void *ptr) {
  if (!ptr)
    return;
  char *raw = static_cast<char *>(ptr) - kHeader;
  size_t capacity = *reinterpret_cast<size_t *>(raw);
  if (capacity >= kLarge) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.bytes + capacity <= kCacheLimit) {
      c.blocks.insert({capacity, raw});
      c.bytes += capacity;
      return;
    }
  }
  std::free(raw);
}

extern "C" __attribute__((visibility("default"))) void xf_host_free(void *ptr) {
  hostFree(ptr);
}
