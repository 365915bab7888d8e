//===- Weights.h - Parameters bound from a weights file ---------*- C++ -*-===//
//
// Turns a manifest's parameters into the buffers an entry receives: f32
// tensors as stored, read into the model's weight arena (or, without one,
// where the safetensors file is mapped), converted copies where they are
// not f32 as stored (F16/BF16 files, a transposed layout, unaligned data),
// and bf16/i8 weights in the layout xf/abi.h gives them, from a float
// tensor or as stored.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_WEIGHTS_H
#define XF_RUNTIME_SRC_WEIGHTS_H

#include "runtime/io/Safetensors.h"
#include "runtime/src/Manifest.h"
#include "runtime/src/WeightArena.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xf::rt {

/// The host buffers of one model's parameters, each bound once by name and
/// dtype however many entries use it.
class WeightBinder {
public:
  /// Binds from `file` into `arena` (null: f32 tensors stay where the file
  /// is mapped, copies come from the heap).
  WeightBinder(const SafetensorsFile &file, WeightArena *arena)
      : file(file), arena(arena) {}

  /// The buffer of parameter `p` (null with `error`, and `notFound` when
  /// the file lacks it). An i8 weight binds its scales and sums of q
  /// (`<name>.scale`, f32 [2, rows]) too, from the same source.
  const void *bind(const ParamSpec &p, std::string &error, bool &notFound);

  /// The names of the file's tensors that no bound parameter read.
  std::string unusedTensors() const;

  /// Bytes of the buffers bound parameters own (copies: packed, converted
  /// or reduced), as opposed to tensors used as stored.
  size_t copiedBytes = 0;
  /// Bytes of f32 tensors used as stored that were read into the arena.
  size_t residentBytes = 0;

private:
  const void *bindF32(const ParamSpec &p, std::string &error,
                      bool &notFound);
  const void *bindBf16(const ParamSpec &p, std::string &error,
                       bool &notFound);
  const void *bindI8(const ParamSpec &p, std::string &error, bool &notFound);
  /// A zeroed 64-byte-aligned buffer of `bytes` plus the tail xf/abi.h
  /// promises past a reduced-precision weight, kept until the binder dies
  /// (in the arena while it has room).
  uint8_t *allocate(size_t bytes);

  const SafetensorsFile &file;
  WeightArena *arena;
  std::map<std::string, const void *> bound; ///< by name + '\0' + dtype
  std::vector<std::unique_ptr<uint8_t[]>> owned;
  std::vector<std::string> readNames;
};

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_WEIGHTS_H
