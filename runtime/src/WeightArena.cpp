//===- WeightArena.cpp - A CPU model's own memory for its weights ---------===//

#include "runtime/src/WeightArena.h"
#include <fstream>
#include <string>
#include <sys/mman.h>

using namespace xf::rt;

namespace {
constexpr size_t kHugePage = size_t(2) << 20;
} // namespace

std::unique_ptr<WeightArena> WeightArena::reserve(size_t bytes) {
  // One huge page more than asked, to start on a huge-page boundary.
  size_t size = (bytes + 2 * kHugePage - 1) / kHugePage * kHugePage;
  void *map = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED)
    return nullptr;
  std::unique_ptr<WeightArena> arena(new WeightArena());
  arena->mapping = static_cast<uint8_t *>(map);
  arena->mappingSize = size;
  uintptr_t at = reinterpret_cast<uintptr_t>(map);
  arena->next = arena->mapping + (kHugePage - at % kHugePage) % kHugePage;
  arena->end = arena->mapping + size;
  // Advice only: without huge pages the arena still works, in small ones.
  madvise(arena->next, arena->end - arena->next, MADV_HUGEPAGE);
  return arena;
}

WeightArena::~WeightArena() {
  if (mapping)
    munmap(mapping, mappingSize);
}

uint8_t *WeightArena::take(size_t bytes) {
  if (bytes > static_cast<size_t>(end - next))
    return nullptr;
  uint8_t *piece = next;
  size_t rounded = (bytes + 63) / 64 * 64;
  next += rounded < static_cast<size_t>(end - next) ? rounded : end - next;
  return piece;
}

bool xf::rt::transparentHugePages() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string setting;
  std::getline(in, setting);
  return setting.find("[always]") != std::string::npos ||
         setting.find("[madvise]") != std::string::npos;
}
