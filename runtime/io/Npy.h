//===- Npy.h - Reading and writing NumPy .npy files -------------*- C++ -*-===//
//
// The tools' input and output format: little-endian f32, f64 (read as f32),
// i64, i32 (read as i64) and bool arrays in C order, format versions 1-3.
//
//===----------------------------------------------------------------------===//

#ifndef XF_RUNTIME_IO_NPY_H
#define XF_RUNTIME_IO_NPY_H

#include <cstdint>
#include <string>
#include <vector>

namespace xf::rt {

struct NpyArray {
  bool isFloat = true; ///< f32 data in `f`, else integers in `i`
  std::vector<int64_t> shape;
  std::vector<float> f;
  std::vector<int64_t> i;
};

/// Reads `path`; on failure returns false with a message naming the file.
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// Writes `array` as `<f4` or `<i8`.
bool writeNpy(const std::string &path, const NpyArray &array,
              std::string &error);

} // namespace xf::rt

#endif // XF_RUNTIME_IO_NPY_H
