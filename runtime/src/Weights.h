//===- Weights.h - Parameters bound from a weights file ---------*- C++ -*-===//
//
// Turns a manifest's parameters into the buffers an entry receives: f32
// tensors mapped from the safetensors file where they can be, converted
// copies where not (F16/BF16 files, unaligned data), and bf16/i8 weights
// in the layout xf/abi.h gives them, from a float tensor or as stored.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_SRC_WEIGHTS_H
#define XF_RUNTIME_SRC_WEIGHTS_H

#include "runtime/io/Safetensors.h"
#include "runtime/src/Manifest.h"
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace xf::rt {

/// The host buffers of one model's parameters, each bound once by name and
/// dtype however many entries use it.
class WeightBinder {
public:
  explicit WeightBinder(const SafetensorsFile &file) : file(file) {}

  /// The buffer of parameter `p` (null with `error`, and `notFound` when
  /// the file lacks it). An i8 weight binds its scales and sums of q
  /// (`<name>.scale`, f32 [2, rows]) too, from the same source.
  const void *bind(const ParamSpec &p, std::string &error, bool &notFound);

  /// The names of the file's tensors that no bound parameter read.
  std::string unusedTensors() const;

  /// Bytes of the buffers bound parameters own (copies: packed, converted
  /// or reduced), as opposed to tensors read in the mapped file.
  size_t copiedBytes = 0;

private:
  const void *bindF32(const ParamSpec &p, std::string &error,
                      bool &notFound);
  const void *bindBf16(const ParamSpec &p, std::string &error,
                       bool &notFound);
  const void *bindI8(const ParamSpec &p, std::string &error, bool &notFound);
  /// A zeroed 64-byte-aligned buffer of `bytes` plus the tail xf/abi.h
  /// promises past a reduced-precision weight, kept until the binder dies.
  uint8_t *allocate(size_t bytes);

  const SafetensorsFile &file;
  std::map<std::string, const void *> bound; ///< by name + '\0' + dtype
  std::vector<std::unique_ptr<uint8_t[]>> owned;
  std::vector<std::string> readNames;
};

} // namespace xf::rt

#endif // XF_RUNTIME_SRC_WEIGHTS_H
