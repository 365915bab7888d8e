//===- Safetensors.h - Memory-mapped safetensors files ----------*- C++ -*-===//
//
// Opens a safetensors file (8-byte header length, JSON header, raw data) by
// mapping it, checks its header, and reads tensors (through the mapping or
// from the file) by name with exact errors: missing tensor, wrong dtype,
// shape mismatch, truncated file, malformed header, offsets out of range.
// No MLIR/LLVM dependency.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_IO_SAFETENSORS_H
#define XF_RUNTIME_IO_SAFETENSORS_H

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace xf::rt {

struct TensorEntry {
  std::string name, dtype; ///< dtype as in the file: F32, F16, BF16, ...
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr;
  size_t bytes = 0;
};

class SafetensorsFile {
public:
  /// Maps and checks `path`; returns null with a message on failure.
  static std::unique_ptr<SafetensorsFile> open(const std::string &path,
                                               std::string &error);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return filePath; }
  const std::vector<TensorEntry> &tensors() const { return entries; }
  const TensorEntry *find(const std::string &name) const;

  /// Reads the bytes of `tensor` (one of tensors()) as stored into `out`
  /// from the file (not through the mapping: no page faults on it); false
  /// with `error` if the read fails.
  bool readBytes(const TensorEntry &tensor, void *out,
                 std::string &error) const;

  /// Reads tensor `name` as f32 with exactly `shape`, converting F16/BF16.
  /// With `transposed`, the file stores the 2-D transpose (GPT-2's Conv1D
  /// `[in, out]`) and `out` gets it transposed back into `shape`.
  bool readF32(const std::string &name, const std::vector<int64_t> &shape,
               std::vector<float> &out, std::string &error,
               bool transposed = false) const;

private:
  SafetensorsFile() = default;
  std::string filePath;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  int fd = -1; ///< open for readBytes
  std::vector<TensorEntry> entries;
};

/// A tensor to write: its bytes as stored (little-endian).
struct TensorBytes {
  std::string name, dtype; ///< dtype as safetensors spells it: F32, I8, ...
  std::vector<int64_t> shape;
  std::string bytes;
};

/// Writes `tensors` to `path` as a safetensors file, in order, without
/// gaps (keep 4-byte types first for aligned data); false with `error` if
/// the file cannot be written.
bool writeSafetensors(const std::string &path,
                      const std::vector<TensorBytes> &tensors,
                      std::string &error);

/// Prints a shape as `[2, 3]`.
std::string formatDims(const std::vector<int64_t> &shape);

} // namespace xf::rt

#endif // XF_RUNTIME_IO_SAFETENSORS_H
