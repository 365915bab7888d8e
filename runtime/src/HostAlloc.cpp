//===- HostAlloc.cpp - The CPU allocator behind generated code ------------===//
//
// Blocks are plain malloc blocks (so a result can be handed to a caller who
// releases it with free); their capacity is malloc_usable_size, so
// freeing a small block needs no lookup and no lock. Blocks of 64 KB and
// more go to a size-ordered cache under a mutex (allocations of that size
// are few per run): handed back to malloc, glibc unmaps or trims them, and
// the next run's first writes page-fault them in again, which on a
// virtual machine can cost more than the arithmetic (the seed model's
// B=1 forward ran 2.6x slower with a 1 MB threshold than with this one).
//
//===----------------------------------------------------------------------===//

#include "runtime/src/HostAlloc.h"
#include <cstdlib>
#include <malloc.h>
#include <map>
#include <mutex>

using namespace xf::rt;

namespace {

constexpr size_t kLarge = size_t(1) << 16;
constexpr size_t kGranule = size_t(1) << 14; ///< large sizes round up to it
/// Bytes kept for reuse at most; blocks freed beyond it go back to malloc.
constexpr size_t kCacheLimit = size_t(1) << 30;

struct Cache {
  std::mutex mutex;
  std::multimap<size_t, void *> blocks; ///< capacity → block
  size_t bytes = 0;
  ~Cache() {
    for (auto &[size, block] : blocks)
      std::free(block);
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
      void *block = it->second;
      c.bytes -= it->first;
      c.blocks.erase(it);
      return block;
    }
  }
  // Plain malloc (aligned_alloc/free cycles of one size fragment glibc's
  // heap). Buffers that want 64-byte alignment get it from the generated
  // code, which over-allocates; results do not ask for it
  // (xf-cpu-unaligned-results), so they are whole blocks the runtime can
  // hand to its caller.
  return std::malloc(capacity > 0 ? capacity : 1);
}

void xf::rt::hostFree(void *ptr) {
  if (!ptr)
    return;
  size_t capacity = malloc_usable_size(ptr);
  if (capacity >= kLarge) {
    Cache &c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.bytes + capacity <= kCacheLimit) {
      c.blocks.insert({capacity, ptr});
      c.bytes += capacity;
      return;
    }
  }
  std::free(ptr);
}

extern "C" __attribute__((visibility("default"))) void xf_host_free(void *ptr) {
  hostFree(ptr);
}

extern "C" __attribute__((visibility("default"))) void *
xf_host_alloc(size_t bytes) {
  return hostAlloc(bytes);
}
