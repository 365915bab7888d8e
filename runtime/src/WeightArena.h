//===- WeightArena.h - A CPU model's own memory for its weights -*- C++ -*-===//
//
// One anonymous reservation, 2 MiB-aligned and advised MADV_HUGEPAGE, that
// a CPU model's weights are read into at load and handed out in 64-byte
// aligned, zeroed pieces until the model is freed. A generation step
// streams every decoder weight from memory once: mapped from the weights
// file, in 4 KiB pages, that stream pays a page walk every 4 KiB (and on a
// virtual machine a nested one, slow again for weights not read for a
// while, like the encoder's between two sentences); in 2 MiB pages it
// does not.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_WEIGHTARENA_H
#define XF_RUNTIME_SRC_WEIGHTARENA_H

#include <cstddef>
#include <cstdint>
#include <memory>

namespace xf::rt {

class WeightArena {
public:
  /// Reserves `bytes` of address space (nothing is touched until a piece
  /// is written); null when the system refuses the reservation.
  static std::unique_ptr<WeightArena> reserve(size_t bytes);
  ~WeightArena();
  WeightArena(const WeightArena &) = delete;
  WeightArena &operator=(const WeightArena &) = delete;

  /// `bytes` zeroed bytes, 64-byte aligned; null when the reservation has
  /// fewer left (the caller then uses memory of its own).
  uint8_t *take(size_t bytes);

private:
  WeightArena() = default;
  uint8_t *mapping = nullptr;
  size_t mappingSize = 0;
  uint8_t *next = nullptr, *end = nullptr;
};

/// Whether this kernel hands out transparent huge pages to a region
/// advised MADV_HUGEPAGE (its setting is "always" or "madvise").
bool transparentHugePages();

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_WEIGHTARENA_H
